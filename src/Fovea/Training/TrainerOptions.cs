// The settings of a training run: what `fovea train` flags map to, saved as the run's config.json.
namespace Fovea.Training;

/// <summary>How to train: optimiser, schedule, regularisation and run management.</summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 10;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 0;
    /// <summary>"adamw", "adam", "sgd" (momentum 0.9, Nesterov), "rmsprop" or "lamb".</summary>
    public string Optimizer { get; init; } = "adamw";
    /// <summary>"onecycle", "cosine", "step" (x0.1 at 50 % and 75 %), "constant"; stepped every optimiser step.</summary>
    public string Scheduler { get; init; } = "onecycle";
    /// <summary>Linear warm-up steps before a cosine or step schedule.</summary>
    public int WarmupSteps { get; init; }
    /// <summary>Batches whose gradients are summed before one optimiser step.</summary>
    public int GradientAccumulation { get; init; } = 1;
    public double? ClipGradNorm { get; init; }
    /// <summary>Decay of an exponential moving average of the weights used for evaluation (e.g. 0.999); null = off.</summary>
    public double? EmaDecay { get; init; }
    /// <summary>Stop after this many epochs without improvement of the monitored metric; null = off.</summary>
    public int? EarlyStoppingPatience { get; init; }
    /// <summary>
    /// The metric that decides the best checkpoint and early stopping: "val_acc" or "val_loss", and for multi-label data
    /// also "val_map", "val_lrap", "val_micro_f1", "val_macro_f1", "val_subset_acc", "val_hamming" (losses and Hamming
    /// loss: lower is better; the rest: higher).
    /// </summary>
    public string Monitor { get; init; } = "val_acc";
    public double LabelSmoothing { get; init; }
    /// <summary>"ce" (cross-entropy) or "focal".</summary>
    public string Loss { get; init; } = "ce";
    public double FocalGamma { get; init; } = 2;
    /// <summary>Per-class loss weights (class imbalance); null = equal.</summary>
    public double[]? ClassWeights { get; init; }
    /// <summary>Multi-label BCE: the weight of each label's positive examples (e.g. negatives / positives); null = 1.</summary>
    public double[]? PosWeight { get; init; }
    /// <summary>Fine-tuning: the backbone's learning rate relative to the classifier head's (e.g. 0.1); null = one rate.</summary>
    public double? BackboneLrScale { get; init; }
    /// <summary>Progressive unfreezing: unfreeze every parameter at the start of this epoch (0-based); null = never.</summary>
    public int? UnfreezeAtEpoch { get; init; }
    /// <summary>The run folder (weights, checkpoints, metrics, plots); null = nothing written.</summary>
    public string? OutputDir { get; init; }
    public ulong Seed { get; init; }
}
