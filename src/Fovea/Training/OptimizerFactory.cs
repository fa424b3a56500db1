// Optimisers and learning-rate schedules by name, as TrainerOptions and `fovea train` name them.
using Fovea.Optim;

namespace Fovea.Training;

internal static class OptimizerFactory
{
    /// <summary>
    /// The optimizer over the model's parameters: one group, or with <see cref="TrainerOptions.BackboneLrScale"/> the
    /// classifier head at the full rate and the backbone at the scaled one. Frozen parameters are included (they have no
    /// gradient, so they are skipped) so that unfreezing later trains them.
    /// </summary>
    public static Optimizer Create(TrainerOptions o, NN.Module model)
    {
        var all = model.NamedParameters().ToList();
        if (!all.Any(p => p.Parameter.RequiresGrad) && o.UnfreezeAtEpoch == null)
            throw new InvalidOperationException("Trainer: the model has no trainable parameters (is everything frozen?).");
        List<ParamGroup> groups;
        if (o.BackboneLrScale is { } scale)
        {
            string head = Transfer.HeadName(model) + ".";
            groups =
            [
                new ParamGroup(all.Where(p => p.Name.StartsWith(head, StringComparison.Ordinal)).Select(p => p.Parameter), o.LearningRate),
                new ParamGroup(all.Where(p => !p.Name.StartsWith(head, StringComparison.Ordinal)).Select(p => p.Parameter), o.LearningRate * scale) { LearningRateScale = scale },
            ];
        }
        else groups = [new ParamGroup(all.Select(p => p.Parameter))];
        return o.Optimizer.ToLowerInvariant() switch
        {
            "adamw" => new AdamW(groups, o.LearningRate, weightDecay: o.WeightDecay),
            "adam" => new Adam(groups, o.LearningRate, weightDecay: o.WeightDecay),
            "sgd" => new Sgd(groups, o.LearningRate, momentum: 0.9, weightDecay: o.WeightDecay, nesterov: true),
            "rmsprop" => new RmsProp(groups, o.LearningRate, weightDecay: o.WeightDecay),
            "lamb" => new Lamb(groups, o.LearningRate, weightDecay: o.WeightDecay),
            _ => throw new ArgumentException($"Unknown optimizer '{o.Optimizer}'; use adamw, adam, sgd, rmsprop or lamb."),
        };
    }

    /// <summary>A schedule stepped once per optimiser step over <paramref name="totalSteps"/>, or null for a constant rate.</summary>
    public static LrScheduler? CreateScheduler(TrainerOptions o, Optimizer optimizer, int totalSteps)
    {
        int warmup = Math.Min(o.WarmupSteps, Math.Max(0, totalSteps - 1));
        LrScheduler? main = o.Scheduler.ToLowerInvariant() switch
        {
            "onecycle" => new OneCycleLr(optimizer, o.LearningRate, Math.Max(1, totalSteps)),
            "cosine" => new CosineAnnealingLr(optimizer, Math.Max(1, totalSteps - warmup)),
            "step" => new MultiStepLr(optimizer, [Math.Max(1, (totalSteps - warmup) / 2), Math.Max(2, (totalSteps - warmup) * 3 / 4)], 0.1),
            "constant" or "none" => null,
            _ => throw new ArgumentException($"Unknown scheduler '{o.Scheduler}'; use onecycle, cosine, step or constant."),
        };
        if (warmup == 0 || main is null or OneCycleLr) return main;
        return new SequentialLr(optimizer, [new LinearLr(optimizer, 1e-3, 1, warmup), main], [warmup]);
    }
}
