// How the reduction ops hand tensors to the line-wise kernels: validated dimension flags, and the tensor
// arranged as a contiguous (Outer, N, Inner) block, copied only when its layout does not allow that as is.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>Flags the reduced dims (null or empty = all); a 0-d tensor accepts dim 0 or -1 and has no dims to flag.</summary>
    internal bool[] ReductionFlags(int[]? dims, string op)
    {
        ThrowIfDisposed();
        var r = new bool[Rank];
        if (dims == null || dims.Length == 0) { Array.Fill(r, true); return r; }
        foreach (int d in dims)
        {
            int w = Shape.WrapDim(d, Rank, op);
            if (Rank == 0) continue;
            if (r[w]) throw new ArgumentException($"{op}: dimension {w} appears more than once in ({string.Join(", ", dims)}).");
            r[w] = true;
        }
        return r;
    }

    /// <summary>
    /// This tensor (detached) as a contiguous block whose middle axis covers the flagged dims, with outputs of a
    /// reduction in kept-dim order. A contiguous tensor whose reduced dims are adjacent is used in place;
    /// otherwise the reduced dims are moved last in a copy.
    /// </summary>
    internal Tensor ReductionBlock(bool[] reduced, out LineLayout layout)
    {
        using var _ = GradMode.NoGrad();
        int kept = 1, n = 1;
        for (int d = 0; d < Rank; d++)
            if (reduced[d]) n *= _shape[d];
            else kept *= _shape[d];
        if (IsContiguous && NumElements > 0 && AdjacentRun(reduced, out int before))
        {
            layout = new LineLayout(before, n, kept / before);
            return Detach();
        }
        layout = new LineLayout(kept, n, 1);
        if (NumElements == 0) return Detach();
        var perm = Enumerable.Range(0, Rank).Where(d => !reduced[d]).Concat(Enumerable.Range(0, Rank).Where(d => reduced[d])).ToArray();
        using var p = Permute(perm);
        return p.Contiguous();
    }

    // True when the reduced dims of size > 1 are consecutive among the dims of size > 1; `before` is the product
    // of the kept sizes in front of them.
    private bool AdjacentRun(bool[] reduced, out int before)
    {
        before = 1;
        int state = 0; // 0: before the run, 1: inside, 2: after
        for (int d = 0; d < Rank; d++)
        {
            if (_shape[d] == 1) continue;
            if (reduced[d])
            {
                if (state == 2) return false;
                state = 1;
            }
            else if (state == 0) before *= _shape[d];
            else state = 2;
        }
        return true;
    }

    /// <summary>This tensor (detached, contiguous) as a block whose middle axis is <paramref name="dim"/>.</summary>
    internal Tensor AlongDimBlock(int dim, out LineLayout layout)
    {
        using var _ = GradMode.NoGrad();
        int outer = 1, inner = 1;
        for (int d = 0; d < dim; d++) outer *= _shape[d];
        for (int d = dim + 1; d < Rank; d++) inner *= _shape[d];
        layout = new LineLayout(outer, Rank == 0 ? 1 : _shape[dim], inner);
        using var c = Contiguous();
        return c.Detach();
    }

    /// <summary>Wraps a dim for ops along one axis; a 0-d tensor accepts 0 and -1.</summary>
    internal int AxisOf(int dim, string op)
    {
        ThrowIfDisposed();
        return Shape.WrapDim(dim, Rank, op);
    }

    /// <summary>The shape of a reduction's output that keeps every dim (reduced ones as size 1).</summary>
    internal int[] KeptShape(bool[] reduced) => ReducedShape(reduced, keepDim: true);

    /// <summary>True for the storage-only dtypes (float16, bfloat16) that kernels compute in float32.</summary>
    internal bool IsHalf => DType is DType.Float16 or DType.BFloat16;

    /// <summary>Runs <paramref name="op"/> on this tensor converted to <paramref name="compute"/> and converts the result back (differentiably).</summary>
    internal Tensor Via(DType compute, Func<Tensor, Tensor> op)
    {
        var c = To(compute);
        var r = op(c);
        var y = r.To(DType);
        if (!Graph.Needs(this)) { c.Dispose(); r.Dispose(); }
        return y;
    }

    /// <summary>Like <see cref="Via"/> for ops returning values and int64 indices; only the values convert back.</summary>
    internal (Tensor Values, Tensor Indices) Via(DType compute, Func<Tensor, (Tensor Values, Tensor Indices)> op)
    {
        var c = To(compute);
        var (v, i) = op(c);
        var y = v.To(DType);
        if (!Graph.Needs(this)) { c.Dispose(); v.Dispose(); }
        return (y, i);
    }

    /// <summary>Throws unless the tensor is floating point, naming the op.</summary>
    internal void RequireFloat(string op)
    {
        if (!DTypes.IsFloatingPoint(DType))
            throw new ArgumentException($"{op}: expected a floating-point tensor, got {DTypes.Name(DType)}; cast with To(DType.Float32).");
    }
}
