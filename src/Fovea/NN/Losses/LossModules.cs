// Module forms of the losses for use in Sequential-style code and configuration (mirroring torch.nn.*Loss).
// Each holds its options and forwards to the functional form in Losses.cs.
namespace Fovea.NN;

/// <summary>A loss as a module taking (input, target).</summary>
public abstract class LossModule : Module
{
    public Reduction Reduction { get; init; } = Reduction.Mean;

    public override Tensor Forward(Tensor input) =>
        throw new InvalidOperationException($"{GetType().Name} takes (input, target): call Forward(input, target).");

    public abstract Tensor Forward(Tensor input, Tensor target);
}

public sealed class MseLoss : LossModule { public override Tensor Forward(Tensor input, Tensor target) => Loss.Mse(input, target, Reduction); }
public sealed class L1Loss : LossModule { public override Tensor Forward(Tensor input, Tensor target) => Loss.L1(input, target, Reduction); }

public sealed class SmoothL1Loss(double beta = 1.0) : LossModule
{
    public override Tensor Forward(Tensor input, Tensor target) => Loss.SmoothL1(input, target, beta, Reduction);
}

public sealed class HuberLoss(double delta = 1.0) : LossModule
{
    public override Tensor Forward(Tensor input, Tensor target) => Loss.Huber(input, target, delta, Reduction);
}

public sealed class BceLoss(Tensor? weight = null) : LossModule
{
    public override Tensor Forward(Tensor input, Tensor target) => Loss.Bce(input, target, weight, Reduction);
}

public sealed class BceWithLogitsLoss(Tensor? weight = null, Tensor? posWeight = null) : LossModule
{
    public override Tensor Forward(Tensor input, Tensor target) => Loss.BceWithLogits(input, target, weight, posWeight, Reduction);
}

public sealed class SigmoidFocalLoss(double alpha = 0.25, double gamma = 2) : LossModule
{
    public override Tensor Forward(Tensor input, Tensor target) => Loss.SigmoidFocal(input, target, alpha, gamma, Reduction);
}

public sealed class KlDivLoss(bool logTarget = false, bool batchMean = false) : LossModule
{
    public override Tensor Forward(Tensor input, Tensor target) => Loss.KlDiv(input, target, logTarget, Reduction, batchMean);
}

public sealed class DiceLoss(double smooth = 1) : LossModule
{
    public override Tensor Forward(Tensor input, Tensor target) => Loss.Dice(input, target, smooth, Reduction);
}

public sealed class SoftIouLoss(double smooth = 1) : LossModule
{
    public override Tensor Forward(Tensor input, Tensor target) => Loss.SoftIou(input, target, smooth, Reduction);
}

/// <summary>Cross-entropy over class scores (see <see cref="Loss.CrossEntropy"/>).</summary>
public sealed class CrossEntropyLoss(Tensor? weight = null, int ignoreIndex = -100, double labelSmoothing = 0) : LossModule
{
    public override Tensor Forward(Tensor input, Tensor target) => Loss.CrossEntropy(input, target, weight, ignoreIndex, Reduction, labelSmoothing);
}

/// <summary>Negative log-likelihood of log-probabilities (see <see cref="Loss.Nll"/>).</summary>
public sealed class NllLoss(Tensor? weight = null, int ignoreIndex = -100) : LossModule
{
    public override Tensor Forward(Tensor input, Tensor target) => Loss.Nll(input, target, weight, ignoreIndex, Reduction);
}
