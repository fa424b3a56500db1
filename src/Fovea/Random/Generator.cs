// Seeded, counter-based random numbers: the i-th number drawn from a generator is a pure function of
// (seed, i), so tensors can be filled in parallel chunks and a seed gives the same numbers for any thread count.
namespace Fovea.Random;

/// <summary>
/// A random-number generator. <c>Generator.Default</c> is seeded by <see cref="ManualSeed"/>.
/// Each draw of n values advances the counter by n (by a multiple of 2 for normals).
/// </summary>
public sealed class Generator
{
    private static readonly ThreadLocal<Generator> DefaultPerThread = new(() => new Generator(_defaultSeed));
    private static ulong _defaultSeed = 0x5EED;

    public Generator(ulong seed) => Seed = seed;

    /// <summary>The calling thread's default generator.</summary>
    public static Generator Default => DefaultPerThread.Value!;

    /// <summary>Reseeds the default generator of this thread (and of threads that have not drawn yet).</summary>
    public static void ManualSeed(ulong seed)
    {
        _defaultSeed = seed;
        Default.Seed = seed;
        Default.Counter = 0;
    }

    public ulong Seed { get; set; }

    /// <summary>Numbers drawn so far; with <see cref="Seed"/> the generator's whole state (checkpointable).</summary>
    public ulong Counter { get; set; }

    /// <summary>Reserves <paramref name="n"/> counters and returns the first.</summary>
    public ulong Advance(long n)
    {
        ulong start = Counter;
        Counter += (ulong)n;
        return start;
    }

    /// <summary>64 random bits for counter value <paramref name="i"/> (SplitMix64 finaliser over a keyed counter).</summary>
    public static ulong Bits(ulong seed, ulong i)
    {
        ulong z = seed * 0x9E3779B97F4A7C15UL + i * 0xD1B54A32D192ED03UL + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        // A second round decorrelates nearby seeds.
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in [0, 1) for counter <paramref name="i"/> (53 random bits).</summary>
    public static double Uniform(ulong seed, ulong i) => (Bits(seed, i) >> 11) * (1.0 / (1UL << 53));

    /// <summary>A standard normal pair for counters (i, i+1) by Box-Muller.</summary>
    public static (double, double) NormalPair(ulong seed, ulong i)
    {
        double u1 = 1.0 - Uniform(seed, i); // (0, 1]: log is finite
        double u2 = Uniform(seed, i + 1);
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        return (r * Math.Cos(2 * Math.PI * u2), r * Math.Sin(2 * Math.PI * u2));
    }

    /// <summary>A uniform integer in [0, n) for counter <paramref name="i"/> (128-bit multiply, negligible bias).</summary>
    public static long Below(ulong seed, ulong i, ulong n) => (long)Math.BigMul(Bits(seed, i), n, out _);

    /// <summary>A uniform double in [0, 1) from this generator.</summary>
    public double NextDouble() => Uniform(Seed, Advance(1));

    /// <summary>A uniform integer in [0, n).</summary>
    public long NextLong(long n) => Below(Seed, Advance(1), (ulong)n);
}
