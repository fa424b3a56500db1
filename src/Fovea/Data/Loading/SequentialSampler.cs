// Samplers that visit a fixed set of indices: all of [0, n) in order, or a given subset (optionally shuffled).
namespace Fovea.Data;

/// <summary>Yields 0, 1, ..., n-1 every epoch (like torch SequentialSampler).</summary>
public sealed class SequentialSampler : ISampler
{
    /// <summary>A sampler over a dataset of <paramref name="count"/> samples.</summary>
    public SequentialSampler(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Count = count;
    }

    public int Count { get; }

    public IEnumerable<int> Indices(int epoch) => Enumerable.Range(0, Count);
}

/// <summary>
/// Yields the given indices, in the given order or reshuffled per epoch (like torch SubsetRandomSampler when
/// <c>shuffle</c> is true).
/// </summary>
public sealed class SubsetSampler : ISampler
{
    private readonly int[] _indices;
    private readonly bool _shuffle;
    private readonly ulong _seed;

    /// <summary>A sampler over <paramref name="indices"/> (copied); each must be non-negative.</summary>
    public SubsetSampler(IReadOnlyList<int> indices, bool shuffle = false, ulong seed = 0)
    {
        _indices = indices.ToArray();
        for (int i = 0; i < _indices.Length; i++)
            if (_indices[i] < 0) throw new ArgumentOutOfRangeException(nameof(indices), $"SubsetSampler: index {i} is {_indices[i]}; indices must be non-negative.");
        _shuffle = shuffle;
        _seed = seed;
    }

    public int Count => _indices.Length;

    public IEnumerable<int> Indices(int epoch)
    {
        var order = (int[])_indices.Clone();
        if (_shuffle) Seeds.Shuffle<int>(order, Seeds.ForEpoch(_seed, epoch));
        return order;
    }
}
