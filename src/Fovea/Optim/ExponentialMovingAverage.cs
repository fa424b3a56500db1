// An exponential moving average of a model's parameters (and a copy of its buffers), for evaluation with
// smoothed weights: shadow = decay * shadow + (1 - decay) * param after each optimizer step.
using Fovea.Autograd;
using Fovea.Memory;
using Fovea.NN;

namespace Fovea.Optim;

public sealed class ExponentialMovingAverage
{
    private readonly Module _model;
    private readonly Dictionary<string, Tensor> _shadow = [];

    public ExponentialMovingAverage(Module model, double decay = 0.999)
    {
        if (decay is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(decay), $"ExponentialMovingAverage: decay must be in [0, 1], got {decay}.");
        _model = model;
        Decay = decay;
        using var _ = TensorScope.Suspend();
        foreach (var (name, t) in model.StateDict()) _shadow[name] = t.Detach().Clone();
    }

    public double Decay { get; }

    /// <summary>The averaged state dict (same keys as the model's).</summary>
    public IReadOnlyDictionary<string, Tensor> Shadow => _shadow;

    /// <summary>Folds the model's current parameters into the average; buffers are copied.</summary>
    public void Update()
    {
        using var _ = GradMode.NoGrad();
        using var __ = TensorScope.Suspend();
        var parameters = _model.NamedParameters().Select(p => p.Name).ToHashSet();
        foreach (var (name, t) in _model.StateDict())
        {
            var s = _shadow[name];
            if (parameters.Contains(name) && DTypes.IsFloatingPoint(s.DType))
            {
                s.MulInPlace(Decay);
                s.AddInPlace(t, 1 - Decay);
            }
            else s.CopyFrom(t);
        }
    }

    /// <summary>Replaces the average with saved values (resuming a run); keys must match.</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> state)
    {
        using var _ = GradMode.NoGrad();
        foreach (var (name, s) in _shadow)
        {
            if (!state.TryGetValue(name, out var src)) throw new InvalidDataException($"ExponentialMovingAverage: saved state lacks '{name}'.");
            s.CopyFrom(src);
        }
    }

    /// <summary>Copies the averaged weights into <paramref name="target"/> (e.g. a model used for evaluation).</summary>
    public void CopyTo(Module target) => target.LoadStateDict(_shadow);
}
