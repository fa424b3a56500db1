// lr = base * gamma^(number of milestones reached)  (torch.optim.lr_scheduler.MultiStepLR).
namespace Fovea.Optim;

public sealed class MultiStepLr : LrScheduler
{
    private readonly int[] _milestones;
    private readonly double _gamma;

    public MultiStepLr(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
    {
        (_milestones, _gamma) = (milestones.Order().ToArray(), gamma);
        Initialize();
    }

    public override double LearningRate(double baseLr, int epoch, int group) => baseLr * Math.Pow(_gamma, _milestones.Count(m => m <= epoch));
}
