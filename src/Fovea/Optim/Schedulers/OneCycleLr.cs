// The 1cycle policy (Smith & Topin, 2018), as torch.optim.lr_scheduler.OneCycleLR: the rate rises from
// maxLr/divFactor to maxLr over pctStart of the steps, then anneals to maxLr/(divFactor*finalDivFactor);
// momentum (SGD's momentum or Adam's beta1) moves the opposite way between maxMomentum and baseMomentum.
namespace Fovea.Optim;

public sealed class OneCycleLr : LrScheduler
{
    private readonly (double EndStep, string Start, string End)[] _phases;
    private readonly double _maxLr, _initialLr, _minLr, _baseMomentum, _maxMomentum;
    private readonly bool _cos, _cycleMomentum;
    private readonly int _totalSteps;

    public OneCycleLr(Optimizer optimizer, double maxLr, int totalSteps, double pctStart = 0.3, bool cosine = true, bool cycleMomentum = true,
        double baseMomentum = 0.85, double maxMomentum = 0.95, double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false) : base(optimizer)
    {
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), $"OneCycleLr: totalSteps must be positive, got {totalSteps}.");
        if (pctStart is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(pctStart), $"OneCycleLr: pctStart must be in [0, 1], got {pctStart}.");
        (_maxLr, _totalSteps, _cos, _cycleMomentum, _baseMomentum, _maxMomentum) = (maxLr, totalSteps, cosine, cycleMomentum, baseMomentum, maxMomentum);
        _initialLr = maxLr / divFactor;
        _minLr = _initialLr / finalDivFactor;
        _phases = threePhase
            ?
            [
                (pctStart * totalSteps - 1, "initial", "max"),
                (2 * pctStart * totalSteps - 2, "max", "initial"),
                (totalSteps - 1, "initial", "min"),
            ]
            : [(pctStart * totalSteps - 1, "initial", "max"), (totalSteps - 1, "max", "min")];
        _cycleMomentum &= optimizer.ParamGroups.All(g => g.Options.ContainsKey("momentum") || g.Options.ContainsKey("betas0"));
        foreach (var g in optimizer.ParamGroups)
        {
            g.InitialLearningRate = _initialLr;
            if (_cycleMomentum) SetMomentum(g, _maxMomentum);
        }
        Initialize();
    }

    private static void SetMomentum(ParamGroup g, double m)
    {
        if (g.Options.ContainsKey("betas0")) g.Options["betas0"] = m;
        else g.Options["momentum"] = m;
    }

    private double Anneal(double start, double end, double pct) =>
        _cos ? end + (start - end) / 2 * (Math.Cos(Math.PI * pct) + 1) : (end - start) * pct + start;

    private double LrValue(string which) => which switch { "initial" => _initialLr, "max" => _maxLr, _ => _minLr };
    private double MomentumValue(string which) => which == "max" ? _baseMomentum : _maxMomentum;

    public override double LearningRate(double baseLr, int epoch, int group)
    {
        if (epoch > _totalSteps)
            throw new InvalidOperationException($"OneCycleLr: stepped {epoch} times, more than totalSteps = {_totalSteps}.");
        double startStep = 0;
        for (int i = 0; i < _phases.Length; i++)
        {
            var (endStep, s, e) = _phases[i];
            if (epoch <= endStep || i == _phases.Length - 1)
            {
                double pct = (epoch - startStep) / (endStep - startStep);
                if (_cycleMomentum) SetMomentum(Optimizer.ParamGroups[group], Anneal(MomentumValue(s), MomentumValue(e), pct));
                return Anneal(LrValue(s), LrValue(e), pct) * Optimizer.ParamGroups[group].LearningRateScale;
            }
            startStep = endStep;
        }
        return _minLr;
    }
}
