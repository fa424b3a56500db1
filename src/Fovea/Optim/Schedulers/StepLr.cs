// lr = base * gamma^floor(epoch / stepSize)  (torch.optim.lr_scheduler.StepLR).
namespace Fovea.Optim;

public sealed class StepLr : LrScheduler
{
    private readonly int _stepSize;
    private readonly double _gamma;

    public StepLr(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        if (stepSize <= 0) throw new ArgumentOutOfRangeException(nameof(stepSize), $"StepLr: stepSize must be positive, got {stepSize}.");
        (_stepSize, _gamma) = (stepSize, gamma);
        Initialize();
    }

    public override double LearningRate(double baseLr, int epoch, int group) => baseLr * Math.Pow(_gamma, epoch / _stepSize);
}
