// Variance and standard deviation (with Bessel-style correction), log-sum-exp, products, and vector norms over
// any set of dims. Backward passes are written with ordinary tensor ops, so they can be differentiated again
// (except Prod's, whose zero-safe gradient comes from a kernel).
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// Variance over <paramref name="dims"/> (all when null or empty): sum((x - mean)^2) / max(0, N - correction),
    /// accumulated in double. correction = 1 is the unbiased estimate, 0 the population variance.
    /// </summary>
    public Tensor Var(int[]? dims = null, int correction = 1, bool keepDim = false)
    {
        if (IsHalf) return Via(DType.Float32, t => t.Var(dims, correction, keepDim));
        var (v, n) = Moments(dims, correction, keepDim, "Var", out var reduced);
        if (!Graph.Needs(this)) return v;
        return Graph.Record(v, "Var", [this], g => [VarBackward(g, reduced, n - correction)], this);
    }

    public Tensor Var(int dim, int correction = 1, bool keepDim = false) => Var([dim], correction, keepDim);

    /// <summary>Standard deviation over <paramref name="dims"/>: the square root of <see cref="Var(int[], int, bool)"/>; zero where it is zero gets zero gradient.</summary>
    public Tensor Std(int[]? dims = null, int correction = 1, bool keepDim = false)
    {
        if (IsHalf) return Via(DType.Float32, t => t.Std(dims, correction, keepDim));
        var (v, n) = Moments(dims, correction, keepDim, "Std", out var reduced);
        Tensor s;
        using (v) using (GradMode.NoGrad()) s = v.Sqrt();
        if (!Graph.Needs(this)) return s;
        var keep = KeptShape(reduced);
        return Graph.Record(s, "Std", [this], g =>
        {
            var sk = s.Reshape(keep);
            var gv = Where(sk.Eq(0), 0.0, g.Reshape(keep) / (2 * sk));
            return [VarBackward(gv, reduced, n - correction)];
        }, this, s);
    }

    public Tensor Std(int dim, int correction = 1, bool keepDim = false) => Std([dim], correction, keepDim);

    /// <summary>The variance and the mean over <paramref name="dims"/> in one call.</summary>
    public (Tensor Var, Tensor Mean) VarMean(int[]? dims = null, int correction = 1, bool keepDim = false) =>
        (Var(dims, correction, keepDim), Mean(dims, keepDim));

    /// <summary>Runs the moments kernel; returns the variance (no graph) and the number of reduced elements.</summary>
    private (Tensor Var, int N) Moments(int[]? dims, int correction, bool keepDim, string op, out bool[] reduced)
    {
        RequireFloat(op);
        if (correction < 0) throw new ArgumentOutOfRangeException(nameof(correction), $"{op}: correction must be >= 0, got {correction}.");
        reduced = ReductionFlags(dims, op);
        using var x = ReductionBlock(reduced, out var l);
        var v = Empty(new Shape(ReducedShape(reduced, keepDim)), DType);
        if (v.NumElements > 0) ReductionKernels.For(Device).Moments(x, l, correction, v, null);
        return (v, l.N);
    }

    /// <summary>d var / dx applied to g (shaped like the kept output): 2 (x - mean) g / divisor.</summary>
    private Tensor VarBackward(Tensor g, bool[] reduced, int divisor)
    {
        var mean = Mean(AxesOf(reduced), keepDim: true);
        return g.Reshape(KeptShape(reduced)) * (this - mean) * (2.0 / Math.Max(0, divisor));
    }

    /// <summary>log(sum(exp(x))) over <paramref name="dims"/> (all when null or empty), without overflow; -inf over empty dims.</summary>
    public Tensor LogSumExp(int[]? dims = null, bool keepDim = false)
    {
        RequireFloat("LogSumExp");
        if (IsHalf) return Via(DType.Float32, t => t.LogSumExp(dims, keepDim));
        var reduced = ReductionFlags(dims, "LogSumExp");
        using var x = ReductionBlock(reduced, out var l);
        var y = Empty(new Shape(ReducedShape(reduced, keepDim)), DType);
        if (y.NumElements > 0) ReductionKernels.For(Device).LogSumExp(x, l, y);
        if (!Graph.Needs(this)) return y;
        var keep = KeptShape(reduced);
        return Graph.Record(y, "LogSumExp", [this], g => [g.Reshape(keep) * (this - y.Reshape(keep)).Exp()], this, y);
    }

    public Tensor LogSumExp(int dim, bool keepDim = false) => LogSumExp([dim], keepDim);

    /// <summary>
    /// The product along <paramref name="dim"/>, or of all elements when null (1 when empty). Integer and bool
    /// tensors multiply in int64. The gradient is exact when elements are zero; it cannot be differentiated again.
    /// </summary>
    public Tensor Prod(int? dim = null, bool keepDim = false)
    {
        ThrowIfDisposed();
        if (DType is DType.Bool or DType.UInt8 or DType.Int8 or DType.Int32)
        {
            using var l64 = To(DType.Int64);
            return l64.Prod(dim, keepDim);
        }
        if (IsHalf) return Via(DType.Float32, t => t.Prod(dim, keepDim));
        if (dim == null)
        {
            var flat = Reshape(-1);
            var p = flat.Prod(0);
            var r = p.Reshape(keepDim ? Enumerable.Repeat(1, Rank).ToArray() : []);
            if (!Graph.Needs(this)) { flat.Dispose(); p.Dispose(); }
            return r;
        }
        int d = AxisOf(dim.Value, "Prod");
        var reduced = ReductionFlags([d], "Prod");
        using var x = AlongDimBlock(d, out var l);
        var y = Empty(new Shape(ReducedShape(reduced, keepDim)), DType);
        if (y.NumElements > 0) ReductionKernels.For(Device).Prod(x, l, y);
        if (!Graph.Needs(this)) return y;
        var keep = KeptShape(reduced);
        return Graph.Record(y, "Prod", [this], g => [g.Reshape(keep) * ProdOthers(d)], this);
    }

    /// <summary>Each element replaced by the product of the other elements of its line along <paramref name="dim"/>.</summary>
    private Tensor ProdOthers(int dim)
    {
        Tensor y;
        using (GradMode.NoGrad())
        {
            using var x = AlongDimBlock(dim, out var l);
            y = Empty(Shape, DType);
            if (y.NumElements > 0) ReductionKernels.For(Device).ProdOthers(x, l, y);
        }
        if (!Graph.Needs(this)) return y;
        return Graph.Record(y, "ProdBackward", [this], _ => throw new NotSupportedException("Prod: second derivatives are not supported."));
    }

    /// <summary>
    /// The vector p-norm over <paramref name="dims"/> (all when null or empty), like torch.linalg.vector_norm:
    /// p = 2, 1, +inf (max |x|), -inf (min |x|), 0 (count of nonzeros) or any other real p. Points where the norm
    /// is zero get zero gradient.
    /// </summary>
    public Tensor Norm(double p = 2, int[]? dims = null, bool keepDim = false)
    {
        RequireFloat("Norm");
        if (IsHalf) return Via(DType.Float32, t => t.Norm(p, dims, keepDim));
        var reduced = ReductionFlags(dims, "Norm");
        var axes = AxesOf(reduced);
        Tensor y;
        using (GradMode.NoGrad())
        {
            using var a = Abs();
            y = p switch
            {
                2 => Sqrt2(a),
                1 => a.Sum(axes, keepDim),
                double.PositiveInfinity => a.Amax(axes, keepDim),
                double.NegativeInfinity => a.Amin(axes, keepDim),
                0 => NonZeros(a),
                _ => PNorm(a),
            };
        }
        if (!Graph.Needs(this)) return y;
        var keep = KeptShape(reduced);
        return Graph.Record(y, "Norm", [this], g => [NormBackward(g.Reshape(keep), y.Reshape(keep), p, axes)], this, y);

        Tensor Sqrt2(Tensor a) { using var sq = a * a; using var s = sq.Sum(axes, keepDim); return s.Sqrt(); }
        Tensor NonZeros(Tensor a) { using var nz = a.Ne(0); using var f = nz.To(DType); return f.Sum(axes, keepDim); }
        Tensor PNorm(Tensor a) { using var ap = a.Pow(p); using var s = ap.Sum(axes, keepDim); return s.Pow(1 / p); }
    }

    public Tensor Norm(double p, int dim, bool keepDim = false) => Norm(p, [dim], keepDim);

    private Tensor NormBackward(Tensor g, Tensor y, double p, int[] axes)
    {
        switch (p)
        {
            case 0: return ZerosLike(this);
            case 1: return g * Sign();
            case double.PositiveInfinity or double.NegativeInfinity:
                var mask = MaskAs(Abs().Eq(y));
                return g * Sign() * mask / mask.Sum(axes, keepDim: true);
            case 2: return Where(y.Eq(0), 0.0, g * this / y);
            default: return Where(y.Eq(0), 0.0, g * this * Abs().Pow(p - 2) / y.Pow(p - 1));
        }
    }
}
