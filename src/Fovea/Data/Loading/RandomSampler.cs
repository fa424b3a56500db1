// Uniform random sampling: a fresh permutation per epoch, or draws with replacement (like torch RandomSampler).
namespace Fovea.Data;

/// <summary>
/// Yields indices of [0, n) in a random order that depends only on (seed, epoch). Without replacement and
/// <c>numSamples</c> above n, whole permutations follow each other (as in PyTorch).
/// </summary>
public sealed class RandomSampler : ISampler
{
    private readonly int _n;
    private readonly bool _replacement;
    private readonly ulong _seed;

    /// <summary>A sampler over a dataset of <paramref name="count"/> samples; <paramref name="numSamples"/> defaults to <paramref name="count"/>.</summary>
    public RandomSampler(int count, bool replacement = false, int? numSamples = null, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int k = numSamples ?? count;
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(numSamples), $"RandomSampler: numSamples must be non-negative, got {k}.");
        if (k > 0 && count == 0) throw new ArgumentException($"RandomSampler: cannot draw {k} samples from an empty dataset.", nameof(count));
        _n = count;
        _replacement = replacement;
        _seed = seed;
        Count = k;
    }

    public int Count { get; }

    public IEnumerable<int> Indices(int epoch)
    {
        var g = Seeds.ForEpoch(_seed, epoch);
        var result = new int[Count];
        if (_replacement)
        {
            for (int i = 0; i < result.Length; i++) result[i] = (int)g.NextLong(_n);
            return result;
        }
        for (int start = 0; start < result.Length; start += _n)
        {
            var perm = Seeds.Permutation(_n, g);
            perm.AsSpan(0, Math.Min(_n, result.Length - start)).CopyTo(result.AsSpan(start));
        }
        return result;
    }
}
