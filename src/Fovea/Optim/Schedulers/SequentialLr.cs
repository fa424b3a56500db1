// Runs schedules one after another, switching at the given milestones (torch SequentialLR): e.g. a linear
// warm-up for 5 epochs followed by cosine annealing.
namespace Fovea.Optim;

public sealed class SequentialLr : LrScheduler
{
    private readonly LrScheduler[] _schedulers;
    private readonly int[] _milestones;

    public SequentialLr(Optimizer optimizer, LrScheduler[] schedulers, int[] milestones) : base(optimizer)
    {
        if (schedulers.Length != milestones.Length + 1)
            throw new ArgumentException($"SequentialLr: expected {schedulers.Length - 1} milestones for {schedulers.Length} schedulers, got {milestones.Length}.");
        (_schedulers, _milestones) = (schedulers, milestones);
        Initialize();
    }

    public override double LearningRate(double baseLr, int epoch, int group)
    {
        int i = _milestones.Count(m => m <= epoch);
        int start = i == 0 ? 0 : _milestones[i - 1];
        return _schedulers[i].LearningRate(baseLr, epoch - start, group);
    }
}
