// Pointwise math functions and their derivatives, forward and backward side by side.
using Fovea.Autograd;
using Fovea.Kernels;
using Fovea.Kernels.Cpu;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>Applies a pointwise kernel; integer inputs of float-valued functions become float32, half types compute in float32.</summary>
    internal Tensor Map(UnaryOp op, double a = 0, double b = 0, bool floatResult = true)
    {
        ThrowIfDisposed();
        if (DType == DType.Bool || (floatResult && !DTypes.IsFloatingPoint(DType)))
        {
            using var f = To(DType.Float32);
            return f.Map(op, a, b, floatResult);
        }
        if (DType is DType.Float16 or DType.BFloat16)
        {
            using var f = To(DType.Float32);
            using var r = f.Map(op, a, b, floatResult);
            return r.To(DType);
        }
        var y = Empty(Shape, DType);
        ElementwiseKernels.For(Device).Unary(op, this, y, a, b);
        return y;
    }

    /// <summary>Which tensors a unary op's backward reads (and so must not change before backward).</summary>
    [Flags]
    private enum Saves { None = 0, Input = 1, Output = 2, Both = 3 }

    private Tensor Unary(UnaryOp op, string name, Func<Tensor, Tensor, Tensor> backward, double a = 0, double b = 0, bool floatResult = true, Saves saves = Saves.Input)
    {
        var y = Map(op, a, b, floatResult);
        if (!Graph.Needs(this)) return y;
        Tensor[] saved = saves switch { Saves.Input => [this], Saves.Output => [y], Saves.Both => [this, y], _ => [] };
        return Graph.Record(y, name, [this], g => [backward(g, y)], saved);
    }

    /// <summary>A 0/1 tensor of this dtype: 1 where <paramref name="mask"/> is true.</summary>
    internal Tensor MaskAs(Tensor mask)
    {
        using (mask) return mask.To(DType);
    }

    public Tensor Neg() => Unary(UnaryOp.Neg, "Neg", (g, _) => -g, floatResult: false, saves: Saves.None);
    public Tensor Abs() => Unary(UnaryOp.Abs, "Abs", (g, _) => g * Sign(), floatResult: false);
    public Tensor Sign() => Unary(UnaryOp.Sign, "Sign", (g, _) => ZerosLike(g), floatResult: false, saves: Saves.None);
    public Tensor Sqrt() => Unary(UnaryOp.Sqrt, "Sqrt", (g, y) => g * 0.5 / y, saves: Saves.Output);
    public Tensor Rsqrt() => Unary(UnaryOp.Rsqrt, "Rsqrt", (g, y) => g * -0.5 * y * y * y, saves: Saves.Output);
    public Tensor Exp() => Unary(UnaryOp.Exp, "Exp", (g, y) => g * y, saves: Saves.Output);
    public Tensor Log() => Unary(UnaryOp.Log, "Log", (g, _) => g / this);
    public Tensor Log1p() => Unary(UnaryOp.Log1p, "Log1p", (g, _) => g / (this + 1));
    public Tensor Expm1() => Unary(UnaryOp.Expm1, "Expm1", (g, y) => g * (y + 1), saves: Saves.Output);
    public Tensor Sin() => Unary(UnaryOp.Sin, "Sin", (g, _) => g * Cos());
    public Tensor Cos() => Unary(UnaryOp.Cos, "Cos", (g, _) => -g * Sin());
    public Tensor Tanh() => Unary(UnaryOp.Tanh, "Tanh", (g, y) => g * (1 - y * y), saves: Saves.Output);
    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid, "Sigmoid", (g, y) => g * y * (1 - y), saves: Saves.Output);
    /// <summary>The error function.</summary>
    public Tensor Erf() => Unary(UnaryOp.Erf, "Erf", (g, _) => g * 1.1283791670955126 * (-(this * this)).Exp());
    public Tensor Floor() => Unary(UnaryOp.Floor, "Floor", (g, _) => ZerosLike(g), floatResult: false, saves: Saves.None);
    public Tensor Ceil() => Unary(UnaryOp.Ceil, "Ceil", (g, _) => ZerosLike(g), floatResult: false, saves: Saves.None);
    /// <summary>Rounds half to even, like torch.round.</summary>
    public Tensor Round() => Unary(UnaryOp.Round, "Round", (g, _) => ZerosLike(g), floatResult: false, saves: Saves.None);
    public Tensor Trunc() => Unary(UnaryOp.Trunc, "Trunc", (g, _) => ZerosLike(g), floatResult: false, saves: Saves.None);
    public Tensor Reciprocal() => Unary(UnaryOp.Reciprocal, "Reciprocal", (g, y) => -g * y * y, saves: Saves.Output);
    public Tensor Square() => Unary(UnaryOp.Square, "Square", (g, _) => g * 2 * this, floatResult: false);

    /// <summary>x raised to a constant power.</summary>
    public Tensor Pow(double exponent) => exponent switch
    {
        1 => Alias(),
        2 => Square(),
        _ => Unary(UnaryOp.PowScalar, "Pow", (g, _) => g * exponent * Pow(exponent - 1), exponent),
    };

    /// <summary>Limits every element to [min, max]; either bound may be null.</summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        double lo = min ?? double.NegativeInfinity, hi = max ?? double.PositiveInfinity;
        return Unary(UnaryOp.Clamp, "Clamp", (g, _) => g * MaskAs(Ge(lo).LogicalAnd(Le(hi))), lo, hi, floatResult: false);
    }

    // Scalar arithmetic: the results keep the tensor's dtype, except that a float scalar makes an integer tensor float32.
    internal Tensor AddScalar(double s) => Unary(UnaryOp.AddScalar, "AddScalar", (g, _) => g, s, floatResult: !double.IsInteger(s), saves: Saves.None);
    internal Tensor MulScalar(double s) => Unary(UnaryOp.MulScalar, "MulScalar", (g, _) => g * s, s, floatResult: !double.IsInteger(s), saves: Saves.None);
    internal Tensor RSubScalar(double s) => Unary(UnaryOp.RSubScalar, "RSubScalar", (g, _) => -g, s, floatResult: !double.IsInteger(s), saves: Saves.None);
    internal Tensor RDivScalar(double s) => Unary(UnaryOp.RDivScalar, "RDivScalar", (g, y) => -g * y / this, s, saves: Saves.Both);
}
