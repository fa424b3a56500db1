// Sum and mean over any set of axes; their gradient broadcasts the output's gradient back over the reduced axes.
using Fovea.Autograd;
using Fovea.Kernels;
using Fovea.Kernels.Cpu;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>Flags the reduced dims, validating and wrapping <paramref name="dims"/> (null or empty = all).</summary>
    internal bool[] ReducedDims(int[]? dims, string op)
    {
        var r = new bool[Rank];
        if (dims == null || dims.Length == 0) { Array.Fill(r, true); return r; }
        foreach (int d in dims)
        {
            int w = Shape.WrapDim(d, Rank, op);
            if (r[w]) throw new ArgumentException($"{op}: dimension {w} appears more than once in ({string.Join(", ", dims)}).");
            r[w] = true;
        }
        return r;
    }

    /// <summary>The shape after reducing: reduced dims become 1 with keepDim, else disappear.</summary>
    internal int[] ReducedShape(bool[] reduced, bool keepDim)
    {
        var s = new List<int>();
        for (int d = 0; d < Rank; d++)
            if (!reduced[d]) s.Add(_shape[d]);
            else if (keepDim) s.Add(1);
        return s.ToArray();
    }

    /// <summary>Sum over <paramref name="dims"/> (all when empty). Integer and bool tensors sum in int64.</summary>
    public Tensor Sum(int[]? dims = null, bool keepDim = false)
    {
        ThrowIfDisposed();
        if (DType is DType.Bool or DType.UInt8 or DType.Int8 or DType.Int32)
        {
            using var l = To(DType.Int64);
            return l.Sum(dims, keepDim);
        }
        if (DType is DType.Float16 or DType.BFloat16)
        {
            using var f = To(DType.Float32);
            using var s = f.Sum(dims, keepDim);
            return s.To(DType);
        }
        var reduced = ReducedDims(dims, "Sum");
        var y = Empty(new Shape(ReducedShape(reduced, keepDim)), DType);
        ReductionKernels.For(Device).Sum(this, reduced, y);
        if (!Graph.Needs(this)) return y;
        var keepShape = ReducedShape(reduced, keepDim: true);
        var inShape = _shape;
        return Graph.Record(y, "Sum", [this], g => [g.Reshape(keepShape).Expand(inShape)]);
    }

    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>Mean over <paramref name="dims"/> (all when empty); floating-point tensors only.</summary>
    public Tensor Mean(int[]? dims = null, bool keepDim = false)
    {
        if (!DTypes.IsFloatingPoint(DType)) throw new ArgumentException($"Mean: expected a floating-point tensor, got {DTypes.Name(DType)}; cast with To(DType.Float32).");
        var reduced = ReducedDims(dims, "Mean");
        int count = 1;
        for (int d = 0; d < Rank; d++) if (reduced[d]) count *= _shape[d];
        using var s = Sum(dims, keepDim);
        return count == 0 ? s * double.NaN : s / count;
    }

    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);
}
