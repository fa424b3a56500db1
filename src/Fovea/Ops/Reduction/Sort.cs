// Sorting along a dim (stable, NaN last in ascending order), arg-sort and top-k, plus the internal gather and
// scatter along a dim that carry their gradients (and max/min's) back to the selected positions.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// The elements sorted along <paramref name="dim"/> and their original positions (int64). The sort is always
    /// stable (equal elements keep their order, also when descending); NaN sorts as the largest value.
    /// </summary>
    public (Tensor Values, Tensor Indices) Sort(int dim = -1, bool descending = false, bool stable = true)
    {
        int d = AxisOf(dim, "Sort");
        return SortAlong(d, descending, Rank == 0 ? 1 : _shape[d], "Sort");
    }

    /// <summary>The positions (int64) that sort the elements along <paramref name="dim"/> (see <see cref="Sort"/>).</summary>
    public Tensor ArgSort(int dim = -1, bool descending = false, bool stable = true)
    {
        using var _ = GradMode.NoGrad();
        var (v, i) = Sort(dim, descending, stable);
        v.Dispose();
        return i;
    }

    /// <summary>
    /// The <paramref name="k"/> largest (or smallest) elements along <paramref name="dim"/> and their positions.
    /// Results are always in sorted order (largest first when <paramref name="largest"/>); ties keep their order.
    /// </summary>
    public (Tensor Values, Tensor Indices) TopK(int k, int dim = -1, bool largest = true, bool sorted = true)
    {
        int d = AxisOf(dim, "TopK");
        int n = Rank == 0 ? 1 : _shape[d];
        if (k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"TopK: k = {k} is out of range for dimension {d} of size {n} (shape {Shape}).");
        return SortAlong(d, largest, k, "TopK");
    }

    private (Tensor Values, Tensor Indices) SortAlong(int d, bool descending, int k, string op)
    {
        if (DType == DType.Bool) return Via(DType.UInt8, t => t.SortAlong(d, descending, k, op));
        if (IsHalf) return Via(DType.Float32, t => t.SortAlong(d, descending, k, op));
        using var x = AlongDimBlock(d, out var l);
        var shape = _shape.ToArray();
        if (Rank > 0) shape[d] = k;
        var values = Empty(new Shape(shape), DType);
        var indices = Empty(new Shape(shape), DType.Int64);
        if (values.NumElements > 0) ReductionKernels.For(Device).Sort(x, l, descending, k, values, indices);
        if (!Graph.Needs(this)) return (values, indices);
        int n = l.N;
        Graph.Record(values, op, [this], g => [g.PlaceAlongDim(indices, d, n)], indices);
        return (values, indices);
    }

    /// <summary>y[.., r, ..] = this[.., index[.., r, ..], ..] along <paramref name="dim"/>; index (int64) matches this except at dim.</summary>
    internal Tensor PickAlongDim(Tensor index, int dim)
    {
        CheckLineIndex(index, dim, "PickAlongDim");
        int n = Rank == 0 ? 1 : _shape[dim];
        Tensor y;
        using (GradMode.NoGrad())
        {
            using var x = AlongDimBlock(dim, out var l);
            using var ic = index.AlongDimBlock(dim, out var li);
            y = Empty(index.Shape, DType);
            if (y.NumElements > 0) ReductionKernels.For(Device).Gather(x, ic, l, li.N, y);
        }
        if (!Graph.Needs(this)) return y;
        return Graph.Record(y, "PickAlongDim", [this], g => [g.PlaceAlongDim(index, dim, n)], index);
    }

    /// <summary>Zeros with size <paramref name="n"/> at <paramref name="dim"/>, plus this added at the positions in index (the adjoint of PickAlongDim).</summary>
    internal Tensor PlaceAlongDim(Tensor index, int dim, int n)
    {
        var shape = _shape.ToArray();
        if (Rank > 0) shape[dim] = n;
        Tensor y;
        using (GradMode.NoGrad())
        {
            if (index.Shape != Shape) throw new ArgumentException($"PlaceAlongDim: index shape {index.Shape} differs from the source's {Shape}.");
            using var s = AlongDimBlock(dim, out var ls);
            using var ic = index.AlongDimBlock(dim, out _);
            y = Zeros(shape, DType);
            if (NumElements > 0) ReductionKernels.For(Device).ScatterAdd(s, ic, new LineLayout(ls.Outer, n, ls.Inner), ls.N, y);
        }
        if (!Graph.Needs(this)) return y;
        return Graph.Record(y, "PlaceAlongDim", [this], g => [g.PickAlongDim(index, dim)], index);
    }

    private void CheckLineIndex(Tensor index, int dim, string op)
    {
        if (index.DType != DType.Int64) throw new ArgumentException($"{op}: index must be int64, got {DTypes.Name(index.DType)}.");
        bool ok = index.Rank == Rank;
        for (int d = 0; ok && d < Rank; d++) ok = d == dim || index.ShapeArray[d] == _shape[d];
        if (!ok) throw new ArgumentException($"{op}: index of shape {index.Shape} must match the input's shape {Shape} except at dim {dim}.");
    }
}
