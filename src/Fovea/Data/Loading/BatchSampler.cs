// Groups a sampler's indices into batches (like torch BatchSampler).
namespace Fovea.Data;

/// <summary>Splits each epoch of a sampler into consecutive batches of <c>batchSize</c> indices.</summary>
public sealed class BatchSampler
{
    /// <summary>Batches of <paramref name="sampler"/>; with <paramref name="dropLast"/> a short final batch is left out.</summary>
    public BatchSampler(ISampler sampler, int batchSize, bool dropLast = false)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"BatchSampler: batchSize must be >= 1, got {batchSize}.");
        Sampler = sampler;
        BatchSize = batchSize;
        DropLast = dropLast;
    }

    public ISampler Sampler { get; }
    public int BatchSize { get; }
    public bool DropLast { get; }

    /// <summary>Batches per epoch.</summary>
    public int Count => DropLast ? Sampler.Count / BatchSize : (Sampler.Count + BatchSize - 1) / BatchSize;

    /// <summary>The batches of epoch <paramref name="epoch"/>.</summary>
    public IEnumerable<int[]> Batches(int epoch)
    {
        var batch = new List<int>(BatchSize);
        foreach (int i in Sampler.Indices(epoch))
        {
            batch.Add(i);
            if (batch.Count < BatchSize) continue;
            yield return batch.ToArray();
            batch.Clear();
        }
        if (batch.Count > 0 && !DropLast) yield return batch.ToArray();
    }
}
