// Lowers the learning rate by `factor` when a monitored metric stops improving for `patience` epochs
// (torch.optim.lr_scheduler.ReduceLROnPlateau, relative or absolute threshold, with cool-down).
namespace Fovea.Optim;

public sealed class ReduceLrOnPlateau
{
    private readonly Optimizer _optimizer;
    private readonly bool _maximize, _relative;
    private readonly double _factor, _threshold, _minLr, _eps;
    private readonly int _patience, _cooldown;
    private int _badEpochs, _cooldownLeft;

    public ReduceLrOnPlateau(Optimizer optimizer, bool maximize = false, double factor = 0.1, int patience = 10, double threshold = 1e-4,
        bool relativeThreshold = true, int cooldown = 0, double minLr = 0, double eps = 1e-8)
    {
        if (factor >= 1) throw new ArgumentOutOfRangeException(nameof(factor), $"ReduceLrOnPlateau: factor must be < 1, got {factor}.");
        (_optimizer, _maximize, _factor, _patience, _threshold, _relative, _cooldown, _minLr, _eps) =
            (optimizer, maximize, factor, patience, threshold, relativeThreshold, cooldown, minLr, eps);
        Best = maximize ? double.NegativeInfinity : double.PositiveInfinity;
    }

    /// <summary>The best metric value seen so far.</summary>
    public double Best { get; private set; }

    private bool IsBetter(double v)
    {
        if (_maximize) return _relative ? v > Best * (1 + _threshold) : v > Best + _threshold;
        return _relative ? v < Best * (1 - _threshold) : v < Best - _threshold;
    }

    /// <summary>Reports this epoch's metric; reduces the rates after `patience` epochs without improvement.</summary>
    public void Step(double metric)
    {
        if (IsBetter(metric)) { Best = metric; _badEpochs = 0; }
        else _badEpochs++;
        if (_cooldownLeft > 0) { _cooldownLeft--; _badEpochs = 0; }
        if (_badEpochs <= _patience) return;
        foreach (var g in _optimizer.ParamGroups)
        {
            double lr = Math.Max(g.LearningRate * _factor, _minLr);
            if (g.LearningRate - lr > _eps) g.LearningRate = lr;
        }
        _cooldownLeft = _cooldown;
        _badEpochs = 0;
    }
}
