// Max/min along a dim (values and first-occurrence indices), full and multi-dim amax/amin, argmax/argmin, and
// the all/any reductions. Gradients go to the selected element (max along a dim) or are shared evenly among
// tied maxima (amax, full max), as in PyTorch.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>The largest element along <paramref name="dim"/> and its position (int64; the first on ties, a NaN if any).</summary>
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false) => ExtremeAlong(dim, keepDim, max: true, "Max");

    /// <summary>The smallest element along <paramref name="dim"/> and its position (int64; the first on ties, a NaN if any).</summary>
    public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false) => ExtremeAlong(dim, keepDim, max: false, "Min");

    /// <summary>The largest element (0-d); NaN if any element is NaN.</summary>
    public Tensor Max() => Extreme(null, false, max: true, "Max");

    /// <summary>The smallest element (0-d); NaN if any element is NaN.</summary>
    public Tensor Min() => Extreme(null, false, max: false, "Min");

    /// <summary>The maximum over <paramref name="dims"/> (all when null or empty); ties share the gradient evenly.</summary>
    public Tensor Amax(int[]? dims = null, bool keepDim = false) => Extreme(dims, keepDim, max: true, "Amax");

    /// <summary>The minimum over <paramref name="dims"/> (all when null or empty); ties share the gradient evenly.</summary>
    public Tensor Amin(int[]? dims = null, bool keepDim = false) => Extreme(dims, keepDim, max: false, "Amin");

    public Tensor Amax(int dim, bool keepDim = false) => Amax([dim], keepDim);
    public Tensor Amin(int dim, bool keepDim = false) => Amin([dim], keepDim);

    /// <summary>Position (int64) of the maximum along <paramref name="dim"/>, or in the flattened tensor when null.</summary>
    public Tensor ArgMax(int? dim = null, bool keepDim = false) => ArgExtreme(dim, keepDim, max: true, "ArgMax");

    /// <summary>Position (int64) of the minimum along <paramref name="dim"/>, or in the flattened tensor when null.</summary>
    public Tensor ArgMin(int? dim = null, bool keepDim = false) => ArgExtreme(dim, keepDim, max: false, "ArgMin");

    /// <summary>Whether every element over <paramref name="dims"/> (all when null or empty) is nonzero; bool result, any dtype.</summary>
    public Tensor All(int[]? dims = null, bool keepDim = false) => AllAny(dims, keepDim, all: true, "All");

    /// <summary>Whether some element over <paramref name="dims"/> (all when null or empty) is nonzero; bool result, any dtype.</summary>
    public Tensor Any(int[]? dims = null, bool keepDim = false) => AllAny(dims, keepDim, all: false, "Any");

    public Tensor All(int dim, bool keepDim = false) => All([dim], keepDim);
    public Tensor Any(int dim, bool keepDim = false) => Any([dim], keepDim);

    private Tensor Extreme(int[]? dims, bool keepDim, bool max, string op)
    {
        var reduced = ReductionFlags(dims, op);
        if (DType == DType.Bool) return Via(DType.UInt8, t => t.Extreme(dims, keepDim, max, op));
        if (IsHalf) return Via(DType.Float32, t => t.Extreme(dims, keepDim, max, op));
        using var x = ReductionBlock(reduced, out var l);
        if (l.N == 0 && l.Lines > 0)
            throw new ArgumentException($"{op}: cannot reduce over a dimension of size 0 (shape {Shape}); there is no identity for max/min.");
        var y = Empty(new Shape(ReducedShape(reduced, keepDim)), DType);
        if (y.NumElements > 0) ReductionKernels.For(Device).Extreme(x, l, max, y);
        if (!Graph.Needs(this)) return y;
        var keep = KeptShape(reduced);
        var axes = AxesOf(reduced);
        return Graph.Record(y, op, [this], g =>
        {
            using var yk = y.Detach();
            var mask = MaskAs(Eq(yk.Reshape(keep)));
            return [g.Reshape(keep) * mask / mask.Sum(axes, keepDim: true)];
        }, this, y);
    }

    private (Tensor Values, Tensor Indices) ExtremeAlong(int dim, bool keepDim, bool max, string op)
    {
        int d = AxisOf(dim, op);
        if (DType == DType.Bool) return Via(DType.UInt8, t => t.ExtremeAlong(d, keepDim, max, op));
        if (IsHalf) return Via(DType.Float32, t => t.ExtremeAlong(d, keepDim, max, op));
        var reduced = ReductionFlags([d], op);
        using var x = AlongDimBlock(d, out var l);
        if (l.N == 0 && l.Lines > 0)
            throw new ArgumentException($"{op}: cannot reduce over dimension {d} of size 0 (shape {Shape}).");
        var shape = new Shape(ReducedShape(reduced, keepDim));
        var values = Empty(shape, DType);
        var indices = Empty(shape, DType.Int64);
        if (values.NumElements > 0) ReductionKernels.For(Device).ArgExtreme(x, l, max, values, indices);
        if (!Graph.Needs(this)) return (values, indices);
        var keep = KeptShape(reduced);
        int n = l.N;
        Graph.Record(values, op, [this], g => [g.Reshape(keep).PlaceAlongDim(indices.Reshape(keep), d, n)], indices);
        return (values, indices);
    }

    private Tensor ArgExtreme(int? dim, bool keepDim, bool max, string op)
    {
        ThrowIfDisposed();
        if (dim == null)
        {
            using var det = Detach();
            using var flat = det.Reshape(-1);
            var i = flat.ArgExtreme(0, false, max, op);
            if (!keepDim) return i;
            using (i) return i.Reshape(Enumerable.Repeat(1, Rank).ToArray());
        }
        using var _ = GradMode.NoGrad();
        var (v, idx) = ExtremeAlong(dim.Value, keepDim, max, op);
        v.Dispose();
        return idx;
    }

    private Tensor AllAny(int[]? dims, bool keepDim, bool all, string op)
    {
        var reduced = ReductionFlags(dims, op);
        using var b = DType == DType.Bool ? Detach() : Ne(0);
        using var x = b.ReductionBlock(reduced, out var l);
        var y = Empty(new Shape(ReducedShape(reduced, keepDim)), DType.Bool);
        if (y.NumElements > 0) ReductionKernels.For(Device).AllAny(x, l, all, y);
        return y;
    }

    /// <summary>The indices of the flagged dims.</summary>
    private static int[] AxesOf(bool[] reduced) => Enumerable.Range(0, reduced.Length).Where(d => reduced[d]).ToArray();
}
