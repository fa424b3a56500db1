// Matrix products: MatMul with torch.matmul's rules for 1-d operands and broadcast batch dimensions, and the
// named forms built on it (Bmm, Addmm, Linear, Outer, Dot).
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// Matrix product with torch.matmul semantics: 1-d operands are treated as a row (left) or column (right)
    /// vector and that dimension is removed from the result; leading dimensions broadcast.
    /// <example><code>var y = Tensor.MatMul(x, w.T);   // (N, in) @ (in, out) -> (N, out)</code></example>
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        a.ThrowIfDisposed();
        b.ThrowIfDisposed();
        if (a.Rank == 0 || b.Rank == 0) throw new ArgumentException($"MatMul: both operands need at least 1 dimension, got shapes {a.Shape} and {b.Shape}.");
        if (a.Rank == 1 && b.Rank == 1) return Dot(a, b);
        if (a.Rank == 1) return MatMul(a.Unsqueeze(0), b).Squeeze(-2);
        if (b.Rank == 1) return MatMul(a, b.Unsqueeze(1)).Squeeze(-1);
        return MatMulCore(a, b);
    }

    public Tensor MatMul(Tensor other) => MatMul(this, other);

    // Both operands of rank >= 2.
    private static Tensor MatMulCore(Tensor a, Tensor b)
    {
        int m = a.Size(-2), k = a.Size(-1), k2 = b.Size(-2), n = b.Size(-1);
        if (k != k2) throw new ArgumentException($"MatMul: inner dimensions differ: {a.Shape} @ {b.Shape} ({k} vs {k2}).");
        CheckSameDevice("MatMul", a, b);
        var batch = Shape.Broadcast(new Shape(a.ShapeArray[..^2]), new Shape(b.ShapeArray[..^2]), "MatMul (batch dimensions)");
        var dt = DTypes.Promote(a.DType, b.DType);
        if (!DTypes.IsFloatingPoint(dt)) throw new ArgumentException($"MatMul: expected floating-point operands, got {DTypes.Name(a.DType)} and {DTypes.Name(b.DType)}.");
        var compute = dt is DType.Float16 or DType.BFloat16 ? DType.Float32 : dt;
        using var ac = a.DType == compute ? null : a.To(compute);
        using var bc = b.DType == compute ? null : b.To(compute);
        var outShape = batch.ToArray().Concat(new[] { m, n }).ToArray();
        using var ae = (ac ?? a).Expand([.. batch.ToArray(), m, k]);
        using var be = (bc ?? b).Expand([.. batch.ToArray(), k, n]);
        var y = Empty(new Shape(outShape), compute);
        using (GradMode.NoGrad()) LinearAlgebraKernels.For(y.Device).MatMul(ae, be, y);
        if (compute != dt)
        {
            var full = y;
            y = full.To(dt);
            full.Dispose();
        }
        if (!Graph.Needs(a, b)) return y;
        Shape sa = a.Shape, sb = b.Shape;
        return Graph.Record(y, "MatMul", [a, b], g =>
        [
            a.RequiresGrad ? MatMulCore(g, b.MT).SumTo(sa) : null,
            b.RequiresGrad ? MatMulCore(a.MT, g).SumTo(sb) : null,
        ], a, b);
    }

    /// <summary>Batched matrix product of two 3-d tensors (B, m, k) @ (B, k, n), without broadcasting.</summary>
    public static Tensor Bmm(Tensor a, Tensor b)
    {
        if (a.Rank != 3 || b.Rank != 3 || a.Size(0) != b.Size(0))
            throw new ArgumentException($"Bmm: expected (B, m, k) and (B, k, n) with equal B, got {a.Shape} and {b.Shape}.");
        return MatMulCore(a, b);
    }

    /// <summary>beta * input + alpha * (a @ b) for matrices a (m, k), b (k, n); input broadcasts to (m, n).</summary>
    public static Tensor Addmm(Tensor input, Tensor a, Tensor b, double beta = 1, double alpha = 1)
    {
        if (a.Rank != 2 || b.Rank != 2) throw new ArgumentException($"Addmm: expected matrices, got {a.Shape} and {b.Shape}.");
        var p = MatMulCore(a, b);
        var scaled = alpha == 1 ? p : p * alpha;
        return (beta == 1 ? input : input * beta) + scaled;
    }

    /// <summary>y = x @ weight^T + bias, the affine map of a fully connected layer: x (..., in), weight (out, in), bias (out).</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        if (weight.Rank != 2) throw new ArgumentException($"Linear: weight must be (out_features, in_features), got {weight.Shape}.");
        if (x.Rank == 0 || x.Size(-1) != weight.Size(1))
            throw new ArgumentException($"Linear: input's last dimension must be in_features = {weight.Size(1)}, got input shape {x.Shape}.");
        if (x.Rank == 2 && x.DType == weight.DType && x.DType is DType.Float32 or DType.Float64 && x.Device.Type == DeviceType.Cpu
            && (bias == null || (bias.Rank == 1 && bias.DType == x.DType && bias.Size(0) == weight.Size(0))))
            return x.DType == DType.Float32 ? LinearGemm<float>(x, weight, bias) : LinearGemm<double>(x, weight, bias);
        var y = MatMul(x, weight.T);
        return bias == null ? y : y + bias;
    }

    // y = x W^T + b for a batch of rows as one GEMM, with a backward whose weight gradient is written contiguous
    // (dW = dy^T x) rather than as the transpose of a product. Higher-order gradients take the composite ops.
    private static Tensor LinearGemm<T>(Tensor x, Tensor weight, Tensor? bias) where T : unmanaged, System.Numerics.INumber<T>
    {
        int n = x.Size(0), k = x.Size(1), m = weight.Size(0);
        using var xc = x.Contiguous();
        using var wc = weight.Contiguous();
        var y = Empty(new Shape(n, m), x.DType);
        var ys = y.AsSpan<T>();
        if (bias != null)
        {
            using var bc = bias.Contiguous();
            var b = bc.AsSpan<T>();
            for (int r = 0; r < n; r++) b.CopyTo(ys.Slice(r * m, m));
        }
        Fovea.Kernels.Cpu.Blas.Gemm(false, true, n, m, k, T.One, xc.AsSpan<T>(), k, wc.AsSpan<T>(), k, bias != null ? T.One : T.Zero, ys, m);
        if (!Graph.Needs(x, weight) && !(bias != null && Graph.Needs(bias))) return y;
        return Graph.Record(y, "Linear", [x, weight, bias], dy =>
        {
            if (GradMode.IsEnabled)
                return [x.RequiresGrad ? dy.MatMul(weight) : null, weight.RequiresGrad ? dy.T.MatMul(x) : null, bias is { RequiresGrad: true } ? dy.Sum(0) : null];
            using var dyc = dy.Contiguous();
            Tensor? dx = null, dw = null;
            if (x.RequiresGrad)
            {
                dx = Empty(x.Shape, x.DType);
                using var wk = weight.Contiguous();
                Fovea.Kernels.Cpu.Blas.Gemm(false, false, n, k, m, T.One, dyc.AsSpan<T>(), m, wk.AsSpan<T>(), k, T.Zero, dx.AsSpan<T>(), k);
            }
            if (weight.RequiresGrad)
            {
                dw = Empty(weight.Shape, weight.DType);
                using var xk = x.Contiguous();
                Fovea.Kernels.Cpu.Blas.Gemm(true, false, m, k, n, T.One, dyc.AsSpan<T>(), m, xk.AsSpan<T>(), k, T.Zero, dw.AsSpan<T>(), k);
            }
            return [dx, dw, bias is { RequiresGrad: true } ? dy.Sum(0) : null];
        }, x, weight);
    }

    /// <summary>Outer product of two vectors: (m) x (n) -> (m, n).</summary>
    public static Tensor Outer(Tensor a, Tensor b)
    {
        if (a.Rank != 1 || b.Rank != 1) throw new ArgumentException($"Outer: expected vectors, got {a.Shape} and {b.Shape}.");
        return a.Unsqueeze(1) * b.Unsqueeze(0);
    }

    /// <summary>Inner product of two vectors of equal length.</summary>
    public static Tensor Dot(Tensor a, Tensor b)
    {
        if (a.Rank != 1 || b.Rank != 1 || a.Size(0) != b.Size(0))
            throw new ArgumentException($"Dot: expected two vectors of equal length, got {a.Shape} and {b.Shape}.");
        return (a * b).Sum();
    }
}
