// The sampler contract (which dataset indices an epoch visits, in what order) and the seed derivation the
// samplers and the loader share, so every random choice is a pure function of (seed, epoch, position).
using Fovea.Random;

namespace Fovea.Data;

/// <summary>Chooses the dataset indices of an epoch, in order.</summary>
public interface ISampler
{
    /// <summary>Number of indices one epoch yields.</summary>
    int Count { get; }

    /// <summary>The indices of epoch <paramref name="epoch"/>; the same epoch always gives the same sequence.</summary>
    IEnumerable<int> Indices(int epoch);
}

/// <summary>Derives independent seeds from a user seed, a stream tag and counters.</summary>
internal static class Seeds
{
    public const ulong ShuffleStream = 0x5348554646;     // sampler orderings
    public const ulong TransformStream = 0x5452414E53;   // per-sample transform generators
    public const ulong ResampleStream = 0x5245534D50;    // over/undersampling and SMOTE

    /// <summary>A seed for (<paramref name="seed"/>, <paramref name="stream"/>, <paramref name="a"/>, <paramref name="b"/>).</summary>
    public static ulong Derive(ulong seed, ulong stream, long a, long b = 0) =>
        Generator.Bits(Generator.Bits(Generator.Bits(seed, stream), (ulong)a), (ulong)b);

    /// <summary>A generator for epoch <paramref name="epoch"/> of a sampler seeded with <paramref name="seed"/>.</summary>
    public static Generator ForEpoch(ulong seed, int epoch) => new(Derive(seed, ShuffleStream, epoch));

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher-Yates).</summary>
    public static void Shuffle<T>(Span<T> items, Generator g)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = (int)g.NextLong(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A random permutation of [0, n).</summary>
    public static int[] Permutation(int n, Generator g)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Shuffle<int>(p, g);
        return p;
    }
}
