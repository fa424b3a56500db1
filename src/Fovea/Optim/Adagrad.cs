// Adagrad (Duchi et al., 2011) with learning-rate decay (torch.optim.Adagrad).
namespace Fovea.Optim;

public sealed class Adagrad : Optimizer
{
    public Adagrad(IEnumerable<Tensor> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0, double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : base(OneGroup(parameters), new() { ["lr"] = lr, ["lr_decay"] = lrDecay, ["weight_decay"] = weightDecay, ["initial_accumulator_value"] = initialAccumulatorValue, ["eps"] = eps, ["maximize"] = maximize ? 1 : 0 })
    {
        if (lr < 0 || lrDecay < 0 || initialAccumulatorValue < 0) throw new ArgumentOutOfRangeException(nameof(lr), "Adagrad: lr, lrDecay and initialAccumulatorValue must be >= 0.");
    }

    protected override void Update(Tensor param, Tensor grad, ParamGroup group, Dictionary<string, Tensor> state)
    {
        var o = group.Options;
        if (!state.TryGetValue("sum", out var sum)) state["sum"] = sum = Tensor.Full(param.Shape.ToArray(), o["initial_accumulator_value"], param.DType);
        var stepT = state.TryGetValue("step", out var s) ? s : state["step"] = Tensor.Scalar(0, DType.Float64);
        long step = (long)stepT.ToDouble() + 1;
        stepT.FillInPlace(step);
        double clr = o["lr"] / (1 + (step - 1) * o["lr_decay"]);
        using var g = grad.Contiguous();
        if (param.DType == DType.Float64)
            OptimizerKernels.Adagrad(param.AsSpan<double>(), g.AsSpan<double>(), sum.AsSpan<double>(), clr, o["eps"], o["weight_decay"], o["maximize"] != 0);
        else
            OptimizerKernels.Adagrad(param.AsSpan<float>(), g.AsSpan<float>(), sum.AsSpan<float>(), (float)clr, (float)o["eps"], (float)o["weight_decay"], o["maximize"] != 0);
        param.MarkModified();
    }
}
