// What the loader reports when a sample cannot be loaded: an exception naming the sample, or, when bad samples
// are skipped, a record of each skipped one.
namespace Fovea.Data;

/// <summary>A sample that was skipped because loading or transforming it threw.</summary>
/// <param name="Index">The dataset index of the sample.</param>
/// <param name="Message">The exception's type and message.</param>
/// <param name="Exception">The exception itself.</param>
public sealed record SampleError(int Index, string Message, Exception Exception);

/// <summary>Thrown by a <see cref="DataLoader{TSample, TBatch}"/> when a sample or a batch fails; the cause is the inner exception.</summary>
public sealed class DataLoaderException : Exception
{
    public DataLoaderException(string message, int? sampleIndex, int epoch, int batch, Exception inner) : base(message, inner)
    {
        SampleIndex = sampleIndex;
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>The dataset index of the failing sample, or null when collation failed.</summary>
    public int? SampleIndex { get; }

    public int Epoch { get; }

    /// <summary>The position of the failing batch in the epoch.</summary>
    public int Batch { get; }
}
