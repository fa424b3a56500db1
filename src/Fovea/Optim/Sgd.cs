// Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay (torch.optim.SGD).
namespace Fovea.Optim;

/// <summary><c>new Sgd(model.Parameters(), lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true)</c></summary>
public sealed class Sgd : Optimizer
{
    public Sgd(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : this(OneGroup(parameters), lr, momentum, dampening, weightDecay, nesterov, maximize) { }

    public Sgd(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(groups, new() { ["lr"] = lr, ["momentum"] = momentum, ["dampening"] = dampening, ["weight_decay"] = weightDecay, ["nesterov"] = nesterov ? 1 : 0, ["maximize"] = maximize ? 1 : 0 })
    {
        if (lr < 0) throw new ArgumentOutOfRangeException(nameof(lr), $"Sgd: learning rate must be >= 0, got {lr}.");
        if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("Sgd: Nesterov momentum requires momentum > 0 and zero dampening.");
    }

    protected override void Update(Tensor param, Tensor grad, ParamGroup group, Dictionary<string, Tensor> state)
    {
        var o = group.Options;
        bool first = !state.ContainsKey("momentum_buffer");
        var buf = o["momentum"] != 0 ? Buffer(state, "momentum_buffer", param) : null;
        using var g = grad.Contiguous();
        bool nesterov = o["nesterov"] != 0, maximize = o["maximize"] != 0;
        if (param.DType == DType.Float64)
            OptimizerKernels.Sgd(param.AsSpan<double>(), g.AsSpan<double>(), buf != null ? buf.AsSpan<double>() : default, first, o["lr"], o["momentum"], o["dampening"], o["weight_decay"], nesterov, maximize);
        else
            OptimizerKernels.Sgd(param.AsSpan<float>(), g.AsSpan<float>(), buf != null ? buf.AsSpan<float>() : default, first, (float)o["lr"], (float)o["momentum"], (float)o["dampening"], (float)o["weight_decay"], nesterov, maximize);
        param.MarkModified();
    }
}
