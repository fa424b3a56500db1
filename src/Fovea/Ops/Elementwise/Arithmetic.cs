// Binary arithmetic with NumPy broadcasting and PyTorch type promotion, C# operators, comparisons, logical ops,
// Where, and the in-place updates optimizers use. Each backward sums the gradient back to its input's shape.
using Fovea.Autograd;
using Fovea.Kernels;
using Fovea.Kernels.Cpu;

namespace Fovea;

public sealed partial class Tensor
{
    private static Tensor BinaryMap(BinaryOp op, Tensor a, Tensor b, string name, bool floatResult = false)
    {
        a.ThrowIfDisposed();
        b.ThrowIfDisposed();
        CheckSameDevice(name, a, b);
        var shape = Shape.Broadcast(a.Shape, b.Shape, name);
        var dt = DTypes.Promote(a.DType, b.DType);
        if (dt == DType.Bool || (floatResult && !DTypes.IsFloatingPoint(dt))) dt = op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul && !floatResult ? DType.Int64 : DType.Float32;
        var compute = dt is DType.Float16 or DType.BFloat16 ? DType.Float32 : dt;
        using var ac = a.DType == compute ? null : a.To(compute);
        using var bc = b.DType == compute ? null : b.To(compute);
        var y = Empty(shape, compute);
        ElementwiseKernels.For(y.Device).Binary(op, ac ?? a, bc ?? b, y);
        if (compute == dt) return y;
        using (y) return y.To(dt);
    }

    private static Tensor Binary(BinaryOp op, Tensor a, Tensor b, string name, Func<Tensor, Tensor, (Tensor?, Tensor?)> backward, bool floatResult = false)
    {
        var y = BinaryMap(op, a, b, name, floatResult);
        if (!Graph.Needs(a, b)) return y;
        Shape sa = a.Shape, sb = b.Shape;
        return Graph.Record(y, name, [a, b], g =>
        {
            var (ga, gb) = backward(g, y);
            return [a.RequiresGrad ? ga!.SumTo(sa) : null, b.RequiresGrad ? gb!.SumTo(sb) : null];
        }, a, b, y);
    }

    public static Tensor Add(Tensor a, Tensor b) => Binary(BinaryOp.Add, a, b, "Add", (g, _) => (g, g));
    public static Tensor Sub(Tensor a, Tensor b) => Binary(BinaryOp.Sub, a, b, "Sub", (g, _) => (g, -g));
    public static Tensor Mul(Tensor a, Tensor b) => Binary(BinaryOp.Mul, a, b, "Mul", (g, _) => (g * b, g * a));
    /// <summary>True division (integer inputs give float32).</summary>
    public static Tensor Div(Tensor a, Tensor b) => Binary(BinaryOp.Div, a, b, "Div", (g, y) => (g / b, -g * y / b), floatResult: true);

    /// <summary>Elementwise a^b; the gradient with respect to b is taken as 0 where a &lt;= 0.</summary>
    public static Tensor Pow(Tensor a, Tensor b) => Binary(BinaryOp.Pow, a, b, "Pow", (g, y) =>
        (g * b * Pow(a, b - 1), g * y * Where(a.Gt(0), a, OnesLike(a)).Log()), floatResult: true);

    /// <summary>Elementwise maximum (NaN propagates); ties split the gradient evenly, like PyTorch.</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Binary(BinaryOp.Maximum, a, b, "Maximum", (g, _) =>
    {
        var wa = a.MaskAs(a.Gt(b)) + 0.5 * a.MaskAs(a.Eq(b));
        return (g * wa, g * (1 - wa));
    });

    public static Tensor Minimum(Tensor a, Tensor b) => Binary(BinaryOp.Minimum, a, b, "Minimum", (g, _) =>
    {
        var wa = a.MaskAs(a.Lt(b)) + 0.5 * a.MaskAs(a.Eq(b));
        return (g * wa, g * (1 - wa));
    });

    public static Tensor Atan2(Tensor a, Tensor b) => Binary(BinaryOp.Atan2, a, b, "Atan2", (g, _) =>
    {
        var r = a * a + b * b;
        return (g * b / r, -g * a / r);
    }, floatResult: true);

    /// <summary>Python-style remainder (result has the sign of the divisor).</summary>
    public static Tensor Remainder(Tensor a, Tensor b) => Binary(BinaryOp.Remainder, a, b, "Remainder", (g, _) => (g, -g * (a / b).Floor()));

    public static Tensor operator +(Tensor a, Tensor b) => Add(a, b);
    public static Tensor operator -(Tensor a, Tensor b) => Sub(a, b);
    public static Tensor operator *(Tensor a, Tensor b) => Mul(a, b);
    public static Tensor operator /(Tensor a, Tensor b) => Div(a, b);
    public static Tensor operator -(Tensor a) => a.Neg();
    public static Tensor operator +(Tensor a, double s) => a.AddScalar(s);
    public static Tensor operator +(double s, Tensor a) => a.AddScalar(s);
    public static Tensor operator -(Tensor a, double s) => a.AddScalar(-s);
    public static Tensor operator -(double s, Tensor a) => a.RSubScalar(s);
    public static Tensor operator *(Tensor a, double s) => a.MulScalar(s);
    public static Tensor operator *(double s, Tensor a) => a.MulScalar(s);
    public static Tensor operator /(Tensor a, double s) => a.MulScalar(1.0 / s);
    public static Tensor operator /(double s, Tensor a) => a.RDivScalar(s);

    public Tensor Add(Tensor other) => Add(this, other);
    public Tensor Sub(Tensor other) => Sub(this, other);
    public Tensor Mul(Tensor other) => Mul(this, other);
    public Tensor Div(Tensor other) => Div(this, other);
    public Tensor Pow(Tensor exponent) => Pow(this, exponent);
    public Tensor Maximum(Tensor other) => Maximum(this, other);
    public Tensor Minimum(Tensor other) => Minimum(this, other);

    /// <summary>Limits every element to [min, max] given as tensors (broadcast).</summary>
    public Tensor Clamp(Tensor? min, Tensor? max)
    {
        var r = this;
        if (min != null) r = Maximum(r, min);
        if (max != null) r = Minimum(r, max);
        return ReferenceEquals(r, this) ? Alias() : r;
    }

    // ---------------------------------------------------------------- comparisons (bool results, no gradient)

    private static Tensor CompareMap(CompareOp op, Tensor a, Tensor b)
    {
        a.ThrowIfDisposed();
        b.ThrowIfDisposed();
        var shape = Shape.Broadcast(a.Shape, b.Shape, op.ToString());
        var dt = DTypes.Promote(a.DType, b.DType);
        if (dt is DType.Bool or DType.Float16 or DType.BFloat16) dt = dt == DType.Bool ? DType.UInt8 : DType.Float32;
        using var ac = a.DType == dt ? null : a.To(dt);
        using var bc = b.DType == dt ? null : b.To(dt);
        var y = Empty(shape, DType.Bool);
        ElementwiseKernels.For(a.Device).Compare(op, ac ?? a, bc ?? b, y);
        return y;
    }

    private Tensor CompareScalar(CompareOp op, double s)
    {
        using var t = Scalar(s, DTypes.PromoteWithScalar(DType, !double.IsInteger(s)) is var d && d == DType.Bool ? DType.Int64 : d);
        return CompareMap(op, this, t);
    }

    public Tensor Eq(Tensor other) => CompareMap(CompareOp.Eq, this, other);
    public Tensor Ne(Tensor other) => CompareMap(CompareOp.Ne, this, other);
    public Tensor Lt(Tensor other) => CompareMap(CompareOp.Lt, this, other);
    public Tensor Le(Tensor other) => CompareMap(CompareOp.Le, this, other);
    public Tensor Gt(Tensor other) => CompareMap(CompareOp.Gt, this, other);
    public Tensor Ge(Tensor other) => CompareMap(CompareOp.Ge, this, other);
    public Tensor Eq(double s) => CompareScalar(CompareOp.Eq, s);
    public Tensor Ne(double s) => CompareScalar(CompareOp.Ne, s);
    public Tensor Lt(double s) => CompareScalar(CompareOp.Lt, s);
    public Tensor Le(double s) => CompareScalar(CompareOp.Le, s);
    public Tensor Gt(double s) => CompareScalar(CompareOp.Gt, s);
    public Tensor Ge(double s) => CompareScalar(CompareOp.Ge, s);

    public Tensor IsNaN() => Ne(this);
    public Tensor IsInf() => Abs().Eq(double.PositiveInfinity);
    public Tensor IsFinite() => IsNaN().LogicalOr(IsInf()).LogicalNot();

    // ---------------------------------------------------------------- logical ops (bool in, bool out)

    private static Tensor LogicalMap(LogicalOp op, Tensor a, Tensor b)
    {
        using var ab = a.DType == DType.Bool ? null : a.Ne(0);
        using var bb = b.DType == DType.Bool ? null : b.Ne(0);
        var y = Empty(Shape.Broadcast(a.Shape, b.Shape, "Logical" + op), DType.Bool);
        ElementwiseKernels.For(a.Device).Logical(op, ab ?? a, bb ?? b, y);
        return y;
    }

    public Tensor LogicalAnd(Tensor other) => LogicalMap(LogicalOp.And, this, other);
    public Tensor LogicalOr(Tensor other) => LogicalMap(LogicalOp.Or, this, other);
    public Tensor LogicalXor(Tensor other) => LogicalMap(LogicalOp.Xor, this, other);
    public Tensor LogicalNot() => DType == DType.Bool ? LogicalMap(LogicalOp.Xor, this, Scalar(1, DType.Bool)) : Eq(0);

    // ---------------------------------------------------------------- selection

    /// <summary>Picks <paramref name="a"/> where <paramref name="condition"/> is true, else <paramref name="b"/> (all broadcast).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        if (condition.DType != DType.Bool) throw new ArgumentException($"Where: condition must be bool, got {DTypes.Name(condition.DType)}.", nameof(condition));
        var shape = Shape.Broadcast(Shape.Broadcast(condition.Shape, a.Shape, "Where"), b.Shape, "Where");
        var dt = DTypes.Promote(a.DType, b.DType);
        using var ac = a.DType == dt ? null : a.To(dt);
        using var bc = b.DType == dt ? null : b.To(dt);
        var y = Empty(shape, dt);
        ElementwiseKernels.For(a.Device).Where(condition, ac ?? a, bc ?? b, y);
        if (!Graph.Needs(a, b)) return y;
        Shape sa = a.Shape, sb = b.Shape;
        return Graph.Record(y, "Where", [a, b], g =>
        {
            var zero = ZerosLike(g);
            return [a.RequiresGrad ? Where(condition, g, zero).SumTo(sa) : null, b.RequiresGrad ? Where(condition, zero, g).SumTo(sb) : null];
        }, condition);
    }

    public static Tensor Where(Tensor condition, double a, double b, DType dtype = DType.Float32)
    {
        using var ta = Scalar(a, dtype);
        using var tb = Scalar(b, dtype);
        return Where(condition, ta, tb);
    }

    public static Tensor Where(Tensor condition, Tensor a, double b) { using var tb = Scalar(b, a.DType); return Where(condition, a, tb); }
    public static Tensor Where(Tensor condition, double a, Tensor b) { using var ta = Scalar(a, b.DType); return Where(condition, ta, b); }

    // ---------------------------------------------------------------- in-place updates

    /// <summary>this += alpha * other (broadcast), in place. Recorded by autograd when this is not a leaf.</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1)
    {
        ThrowIfDisposed();
        other.ThrowIfDisposed();
        CheckInPlace("AddInPlace");
        if (Shape.Broadcast(Shape, other.Shape, "AddInPlace") != Shape)
            throw new ArgumentException($"AddInPlace: operand of shape {other.Shape} does not broadcast to the destination's shape {Shape}.");
        bool record = Graph.Needs(this, other);
        var prev = record ? SnapshotHistory() : null;
        using var scaled = alpha == 1 ? null : other * alpha;
        using var cast = (scaled ?? other).DType == DType ? null : (scaled ?? other).To(DType);
        using (GradMode.NoGrad()) ElementwiseKernels.For(Device).Binary(BinaryOp.Add, this, cast ?? scaled ?? other, this);
        MarkModified();
        if (record)
        {
            var so = other.Shape;
            Graph.AttachNode(this, new LambdaNode("AddInPlace", [prev!.RequiresGrad ? prev : null, other.RequiresGrad ? other : null], [],
                g => [g, other.RequiresGrad ? (g * alpha).SumTo(so) : null]) { Output = this });
        }
        return this;
    }

    public Tensor SubInPlace(Tensor other) => AddInPlace(other, -1);

    /// <summary>this *= s, in place (not recorded by autograd).</summary>
    public Tensor MulInPlace(double s)
    {
        CheckUnrecordedInPlace("MulInPlace");
        ElementwiseKernels.For(Device).Unary(UnaryOp.MulScalar, this, this, s, 0);
        MarkModified();
        return this;
    }

    /// <summary>this *= other (broadcast), in place (not recorded by autograd).</summary>
    public Tensor MulInPlace(Tensor other)
    {
        CheckUnrecordedInPlace("MulInPlace");
        using var cast = other.DType == DType ? null : other.To(DType);
        ElementwiseKernels.For(Device).Binary(BinaryOp.Mul, this, cast ?? other, this);
        MarkModified();
        return this;
    }

    /// <summary>this += s, in place (not recorded by autograd).</summary>
    public Tensor AddInPlace(double s)
    {
        CheckUnrecordedInPlace("AddInPlace");
        ElementwiseKernels.For(Device).Unary(UnaryOp.AddScalar, this, this, s, 0);
        MarkModified();
        return this;
    }

    /// <summary>Clamps in place (not recorded by autograd).</summary>
    public Tensor ClampInPlace(double? min = null, double? max = null)
    {
        CheckUnrecordedInPlace("ClampInPlace");
        ElementwiseKernels.For(Device).Unary(UnaryOp.Clamp, this, this, min ?? double.NegativeInfinity, max ?? double.PositiveInfinity);
        MarkModified();
        return this;
    }

    /// <summary>Sets every element to zero, in place.</summary>
    public Tensor ZeroInPlace() => FillInPlace(0);

    private void CheckUnrecordedInPlace(string op)
    {
        ThrowIfDisposed();
        if (GradMode.IsEnabled && RequiresGrad)
            throw new InvalidOperationException($"{op}: tensor of shape {Shape} requires gradients; this in-place op is not recorded by autograd. Use the out-of-place form, or GradMode.NoGrad() for parameter updates.");
    }

    // The graph position of this tensor before an in-place op overwrites it, as a separate tensor object.
    private Tensor SnapshotHistory()
    {
        var prev = View(_shape, _strides, Offset);
        Memory.TensorScope.Untrack(prev);
        prev.GradFn = GradFn;
        if (RequiresGrad) prev.SetRequiresGradInternal();
        if (GradFn != null) GradFn.Output = prev;
        return prev;
    }
}
