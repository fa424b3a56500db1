// Adam (Kingma & Ba, 2015) with optional AMSGrad and L2 weight decay (torch.optim.Adam); AdamW derives from it.
namespace Fovea.Optim;

/// <summary><c>new Adam(model.Parameters(), lr: 1e-3)</c></summary>
public class Adam : Optimizer
{
    private readonly bool _decoupled;

    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this(OneGroup(parameters), lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled: false) { }

    public Adam(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this(groups, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled: false) { }

    protected Adam(IEnumerable<ParamGroup> groups, double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad, bool maximize, bool decoupled)
        : base(groups, new() { ["lr"] = lr, ["betas0"] = beta1, ["betas1"] = beta2, ["eps"] = eps, ["weight_decay"] = weightDecay, ["amsgrad"] = amsgrad ? 1 : 0, ["maximize"] = maximize ? 1 : 0 })
    {
        if (lr < 0 || eps < 0) throw new ArgumentOutOfRangeException(nameof(lr), $"{GetType().Name}: lr and eps must be >= 0, got lr {lr}, eps {eps}.");
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), $"{GetType().Name}: betas must be in [0, 1), got ({beta1}, {beta2}).");
        _decoupled = decoupled;
    }

    protected override void Update(Tensor param, Tensor grad, ParamGroup group, Dictionary<string, Tensor> state)
    {
        var o = group.Options;
        bool ams = o["amsgrad"] != 0, maximize = o["maximize"] != 0;
        var m = Buffer(state, "exp_avg", param);
        var v = Buffer(state, "exp_avg_sq", param);
        var vmax = ams ? Buffer(state, "max_exp_avg_sq", param) : null;
        var stepT = state.TryGetValue("step", out var s) ? s : state["step"] = Tensor.Scalar(0, DType.Float64);
        long step = (long)stepT.ToDouble() + 1;
        stepT.FillInPlace(step);
        using var g = grad.Contiguous();
        if (param.DType == DType.Float64)
            OptimizerKernels.Adam(param.AsSpan<double>(), g.AsSpan<double>(), m.AsSpan<double>(), v.AsSpan<double>(), vmax != null ? vmax.AsSpan<double>() : default,
                o["lr"], o["betas0"], o["betas1"], o["eps"], o["weight_decay"], _decoupled, ams, maximize, step);
        else
            OptimizerKernels.Adam(param.AsSpan<float>(), g.AsSpan<float>(), m.AsSpan<float>(), v.AsSpan<float>(), vmax != null ? vmax.AsSpan<float>() : default,
                (float)o["lr"], (float)o["betas0"], (float)o["betas1"], (float)o["eps"], (float)o["weight_decay"], _decoupled, ams, maximize, step);
        param.MarkModified();
    }
}

/// <summary>Adam with decoupled weight decay (Loshchilov &amp; Hutter, 2019), torch.optim.AdamW; weight decay defaults to 0.01.</summary>
public sealed class AdamW : Adam
{
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(OneGroup(parameters), lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled: true) { }

    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(groups, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled: true) { }
}
