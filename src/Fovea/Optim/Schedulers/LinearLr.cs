// Linear warm-up: the factor goes from startFactor to endFactor over totalIters steps (torch LinearLR).
namespace Fovea.Optim;

public sealed class LinearLr : LrScheduler
{
    private readonly double _start, _end;
    private readonly int _total;

    public LinearLr(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5) : base(optimizer)
    {
        if (startFactor <= 0 || startFactor > 1 || endFactor < 0 || endFactor > 1) throw new ArgumentOutOfRangeException(nameof(startFactor), "LinearLr: factors must be in (0, 1] (start) and [0, 1] (end).");
        (_start, _end, _total) = (startFactor, endFactor, totalIters);
        Initialize();
    }

    public override double LearningRate(double baseLr, int epoch, int group) =>
        baseLr * (_start + (_end - _start) * Math.Min(epoch, _total) / _total);
}
