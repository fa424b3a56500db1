// Cosine annealing (Loshchilov & Hutter, SGDR): lr = etaMin + (base - etaMin) (1 + cos(pi t / tMax)) / 2, and the
// warm-restart variant whose period starts at t0 and grows by tMult after each restart.
namespace Fovea.Optim;

public sealed class CosineAnnealingLr : LrScheduler
{
    private readonly int _tMax;
    private readonly double _etaMin;

    public CosineAnnealingLr(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        if (tMax <= 0) throw new ArgumentOutOfRangeException(nameof(tMax), $"CosineAnnealingLr: tMax must be positive, got {tMax}.");
        (_tMax, _etaMin) = (tMax, etaMin);
        Initialize();
    }

    public override double LearningRate(double baseLr, int epoch, int group) =>
        _etaMin + (baseLr - _etaMin) * (1 + Math.Cos(Math.PI * epoch / _tMax)) / 2;
}

public sealed class CosineAnnealingWarmRestarts : LrScheduler
{
    private readonly int _t0, _tMult;
    private readonly double _etaMin;

    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0, int tMult = 1, double etaMin = 0) : base(optimizer)
    {
        if (t0 <= 0 || tMult < 1) throw new ArgumentOutOfRangeException(nameof(t0), $"CosineAnnealingWarmRestarts: need t0 > 0 and tMult >= 1, got {t0}, {tMult}.");
        (_t0, _tMult, _etaMin) = (t0, tMult, etaMin);
        Initialize();
    }

    public override double LearningRate(double baseLr, int epoch, int group)
    {
        int tCur = epoch, tI = _t0;
        while (tCur >= tI)
        {
            tCur -= tI;
            tI *= _tMult;
        }
        return _etaMin + (baseLr - _etaMin) * (1 + Math.Cos(Math.PI * tCur / tI)) / 2;
    }
}
