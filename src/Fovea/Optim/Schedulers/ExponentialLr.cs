// lr = base * gamma^epoch  (torch.optim.lr_scheduler.ExponentialLR).
namespace Fovea.Optim;

public sealed class ExponentialLr : LrScheduler
{
    private readonly double _gamma;

    public ExponentialLr(Optimizer optimizer, double gamma) : base(optimizer)
    {
        _gamma = gamma;
        Initialize();
    }

    public override double LearningRate(double baseLr, int epoch, int group) => baseLr * Math.Pow(_gamma, epoch);
}
