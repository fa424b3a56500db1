// What a training run reports as it goes: per-batch progress and per-epoch metrics, delivered to callbacks
// (progress display, metric files, checkpoints, early stopping).
namespace Fovea.Training;

/// <summary>Progress inside an epoch.</summary>
public readonly record struct BatchProgress(int Epoch, int Epochs, int Batch, int Batches, long Step, double Loss, double Accuracy,
    double ImagesPerSecond, double LearningRate);

/// <summary>The results of one epoch; validation values are NaN without validation data.</summary>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double ValLoss, double ValAccuracy,
    double LearningRate, double Seconds, double ImagesPerSecond)
{
    /// <summary>Further validation metrics by name (multi-label runs: "val_map", "val_micro_f1" ...); null when none.</summary>
    public IReadOnlyDictionary<string, double>? Extra { get; init; }

    /// <summary>The named metric ("val_acc", "val_loss", "train_loss", "train_acc", or one of <see cref="Extra"/>).</summary>
    public double Get(string name) => name switch
    {
        "val_acc" => ValAccuracy,
        "val_loss" => ValLoss,
        "train_acc" => TrainAccuracy,
        "train_loss" => TrainLoss,
        _ when Extra != null && Extra.TryGetValue(name, out double v) => v,
        _ when name.StartsWith("train_", StringComparison.Ordinal) => double.NaN,
        _ => throw new ArgumentException($"Unknown metric '{name}'; use val_acc, val_loss, train_acc, train_loss{(Extra != null ? ", " + string.Join(", ", Extra.Keys) : "")}."),
    };
}

/// <summary>Hooks into a training run; every method has an empty default.</summary>
public interface ITrainerCallback
{
    void OnTrainStart(Trainer trainer) { }
    void OnBatchEnd(Trainer trainer, BatchProgress progress) { }
    void OnEpochEnd(Trainer trainer, EpochMetrics metrics) { }
    void OnTrainEnd(Trainer trainer, TrainingHistory history) { }
}

/// <summary>Every epoch's metrics, the best one, and why training stopped.</summary>
public sealed class TrainingHistory
{
    public List<EpochMetrics> Epochs { get; } = [];
    public EpochMetrics? Best { get; internal set; }
    /// <summary>"completed", "early stopping" or "interrupted".</summary>
    public string StopReason { get; internal set; } = "completed";
}
