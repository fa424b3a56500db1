namespace Fovea.Data;

/// <summary>Batches by epoch: what a trainer consumes (a <see cref="DataLoader{TSample, TBatch}"/> is one).</summary>
public interface IBatchSource<TBatch>
{
    /// <summary>Batches per epoch.</summary>
    int Count { get; }

    /// <summary>The batches of epoch <paramref name="epoch"/>, reproducible for a given epoch number.</summary>
    IEnumerable<TBatch> Epoch(int epoch);
}
