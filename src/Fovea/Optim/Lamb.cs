// LAMB (You et al., 2020, "Large Batch Optimization for Deep Learning", Algorithm 2): Adam's bias-corrected
// direction plus decoupled weight decay, scaled per layer by the trust ratio ||w|| / ||r||.
using System.Numerics.Tensors;

namespace Fovea.Optim;

public sealed class Lamb : Optimizer
{
    public Lamb(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-6, double weightDecay = 0)
        : this(OneGroup(parameters), lr, beta1, beta2, eps, weightDecay) { }

    public Lamb(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-6, double weightDecay = 0)
        : base(groups, new() { ["lr"] = lr, ["betas0"] = beta1, ["betas1"] = beta2, ["eps"] = eps, ["weight_decay"] = weightDecay }) { }

    protected override void Update(Tensor param, Tensor grad, ParamGroup group, Dictionary<string, Tensor> state)
    {
        var o = group.Options;
        var m = Buffer(state, "exp_avg", param);
        var v = Buffer(state, "exp_avg_sq", param);
        var stepT = state.TryGetValue("step", out var s) ? s : state["step"] = Tensor.Scalar(0, DType.Float64);
        long step = (long)stepT.ToDouble() + 1;
        stepT.FillInPlace(step);
        using var g = grad.Contiguous();
        using var r = Tensor.ZerosLike(param);
        double wNorm, rNorm;
        if (param.DType == DType.Float64)
        {
            OptimizerKernels.LambDirection(param.AsSpan<double>(), g.AsSpan<double>(), m.AsSpan<double>(), v.AsSpan<double>(), r.AsSpan<double>(), o["betas0"], o["betas1"], o["eps"], o["weight_decay"], step);
            wNorm = TensorPrimitives.Norm<double>(param.AsSpan<double>());
            rNorm = TensorPrimitives.Norm<double>(r.AsSpan<double>());
        }
        else
        {
            OptimizerKernels.LambDirection(param.AsSpan<float>(), g.AsSpan<float>(), m.AsSpan<float>(), v.AsSpan<float>(), r.AsSpan<float>(), (float)o["betas0"], (float)o["betas1"], (float)o["eps"], (float)o["weight_decay"], step);
            wNorm = TensorPrimitives.Norm(param.AsSpan<float>());
            rNorm = TensorPrimitives.Norm(r.AsSpan<float>());
        }
        double trust = wNorm > 0 && rNorm > 0 ? wNorm / rNorm : 1;
        param.AddInPlace(r, -o["lr"] * trust);
    }
}
