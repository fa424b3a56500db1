// RMSprop (Hinton's lecture 6e) with momentum and the centered variant (torch.optim.RMSprop).
namespace Fovea.Optim;

public sealed class RmsProp : Optimizer
{
    public RmsProp(IEnumerable<Tensor> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : this(OneGroup(parameters), lr, alpha, eps, weightDecay, momentum, centered, maximize) { }

    public RmsProp(IEnumerable<ParamGroup> groups, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : base(groups, new() { ["lr"] = lr, ["alpha"] = alpha, ["eps"] = eps, ["weight_decay"] = weightDecay, ["momentum"] = momentum, ["centered"] = centered ? 1 : 0, ["maximize"] = maximize ? 1 : 0 })
    {
        if (lr < 0 || alpha < 0 || eps < 0 || momentum < 0) throw new ArgumentOutOfRangeException(nameof(lr), "RmsProp: lr, alpha, eps and momentum must be >= 0.");
    }

    protected override void Update(Tensor param, Tensor grad, ParamGroup group, Dictionary<string, Tensor> state)
    {
        var o = group.Options;
        bool centered = o["centered"] != 0;
        var sq = Buffer(state, "square_avg", param);
        var gavg = centered ? Buffer(state, "grad_avg", param) : null;
        var buf = o["momentum"] > 0 ? Buffer(state, "momentum_buffer", param) : null;
        using var g = grad.Contiguous();
        if (param.DType == DType.Float64)
            OptimizerKernels.RmsProp(param.AsSpan<double>(), g.AsSpan<double>(), sq.AsSpan<double>(), gavg != null ? gavg.AsSpan<double>() : default, buf != null ? buf.AsSpan<double>() : default,
                o["lr"], o["alpha"], o["eps"], o["weight_decay"], o["momentum"], centered, o["maximize"] != 0);
        else
            OptimizerKernels.RmsProp(param.AsSpan<float>(), g.AsSpan<float>(), sq.AsSpan<float>(), gavg != null ? gavg.AsSpan<float>() : default, buf != null ? buf.AsSpan<float>() : default,
                (float)o["lr"], (float)o["alpha"], (float)o["eps"], (float)o["weight_decay"], (float)o["momentum"], centered, o["maximize"] != 0);
        param.MarkModified();
    }
}
