// Sharding for data-parallel training: each of worldSize ranks sees a disjoint, equally long slice of the
// (optionally shuffled) indices, padded with repeats or truncated so counts match (like torch DistributedSampler).
namespace Fovea.Data;

/// <summary>
/// Yields rank <c>rank</c>'s share of [0, n): the epoch's order (the same on every rank for a given seed) is padded
/// by repeating its start until it divides by <c>worldSize</c> (or truncated when <c>dropLast</c>), then rank r
/// takes positions r, r + worldSize, r + 2 worldSize, ...
/// </summary>
public sealed class DistributedSampler : ISampler
{
    private readonly int _n;
    private readonly int _rank;
    private readonly int _worldSize;
    private readonly bool _shuffle;
    private readonly ulong _seed;

    /// <summary>A sampler for rank <paramref name="rank"/> of <paramref name="worldSize"/> over a dataset of <paramref name="count"/> samples.</summary>
    public DistributedSampler(int count, int rank, int worldSize, bool shuffle = true, ulong seed = 0, bool dropLast = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), $"DistributedSampler: worldSize must be >= 1, got {worldSize}.");
        if (rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), $"DistributedSampler: rank must be in [0, {worldSize - 1}], got {rank}.");
        _n = count;
        _rank = rank;
        _worldSize = worldSize;
        _shuffle = shuffle;
        _seed = seed;
        Count = dropLast ? count / worldSize : (count + worldSize - 1) / worldSize;
    }

    public int Count { get; }

    public IEnumerable<int> Indices(int epoch)
    {
        var order = _shuffle ? Seeds.Permutation(_n, Seeds.ForEpoch(_seed, epoch)) : Enumerable.Range(0, _n).ToArray();
        var mine = new int[Count];
        for (int i = 0; i < Count; i++) mine[i] = order[(_rank + i * _worldSize) % _n];   // positions past n wrap to the start
        return mine;
    }
}
