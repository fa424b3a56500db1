// Activation functions (ReLU family, GELU, SiLU, Mish, hard variants, softplus), forward and backward together.
using Fovea.Kernels;
using Fovea.Kernels.Cpu;

namespace Fovea;

public sealed partial class Tensor
{
    public Tensor Relu() => Unary(UnaryOp.Relu, "Relu", (g, y) => ReluGrad(g, y), floatResult: false, saves: Saves.Output);

    // g where y > 0, else 0: one pass; differentiable in g (for double backward) through the same mask.
    private static Tensor ReluGrad(Tensor g, Tensor y)
    {
        if (g.Shape != y.Shape || g.DType != y.DType || !DTypes.IsFloatingPoint(g.DType)) return g * y.MaskAs(y.Gt(0));
        var r = BinaryMap(Fovea.Kernels.Cpu.BinaryOp.ReluGrad, g, y, "ReluGrad");
        if (!Autograd.Graph.Needs(g)) return r;
        return Autograd.Graph.Record(r, "ReluGrad", [g], gg => [ReluGrad(gg, y)], y);
    }

    /// <summary>min(max(x, 0), 6).</summary>
    public Tensor Relu6() => Clamp(0, 6);

    public Tensor LeakyRelu(double negativeSlope = 0.01) =>
        Unary(UnaryOp.LeakyRelu, "LeakyRelu", (g, _) => g * Where(Gt(0), 1.0, negativeSlope, DType), negativeSlope);

    public Tensor Elu(double alpha = 1.0) =>
        Unary(UnaryOp.Elu, "Elu", (g, y) => Where(Gt(0), g, g * (y + alpha)), alpha, saves: Saves.Both);

    /// <summary>GELU: exact (erf) by default, or the tanh approximation.</summary>
    public Tensor Gelu(bool approximateTanh = false)
    {
        if (approximateTanh)
        {
            return Unary(UnaryOp.GeluTanh, "GeluTanh", (g, _) =>
            {
                const double k = 0.7978845608028654, c = 0.044715;
                var x2 = this * this;
                var t = (k * (this + c * x2 * this)).Tanh();
                return g * (0.5 * (1 + t) + 0.5 * this * (1 - t * t) * k * (1 + 3 * c * x2));
            });
        }
        return Unary(UnaryOp.Gelu, "Gelu", (g, _) =>
        {
            var cdf = 0.5 * (1 + (this * 0.7071067811865476).Erf());
            var pdf = (-0.5 * this * this).Exp() * 0.3989422804014327;
            return g * (cdf + this * pdf);
        });
    }

    /// <summary>SiLU (swish): x * sigmoid(x).</summary>
    public Tensor Silu() => Unary(UnaryOp.Silu, "Silu", (g, _) =>
    {
        var s = Sigmoid();
        return g * s * (1 + this * (1 - s));
    });

    /// <summary>log(1 + exp(beta x)) / beta, linear above <paramref name="threshold"/>.</summary>
    public Tensor Softplus(double beta = 1, double threshold = 20) => Unary(UnaryOp.Softplus, "Softplus",
        (g, _) => Where((this * beta).Gt(threshold), g, g * (this * beta).Sigmoid()), beta, threshold);

    /// <summary>Mish: x * tanh(softplus(x)).</summary>
    public Tensor Mish() => Unary(UnaryOp.Mish, "Mish", (g, _) =>
    {
        var t = Softplus().Tanh();
        return g * (t + this * (1 - t * t) * Sigmoid());
    });

    public Tensor Hardswish() => Unary(UnaryOp.Hardswish, "Hardswish", (g, _) =>
        g * Where(Lt(-3), 0.0, 1.0, DType) * Where(Le(3), this / 3 + 0.5, OnesLike(this)));

    public Tensor Hardsigmoid() => Unary(UnaryOp.Hardsigmoid, "Hardsigmoid", (g, _) =>
        g * MaskAs(Gt(-3).LogicalAnd(Lt(3))) / 6);
}
