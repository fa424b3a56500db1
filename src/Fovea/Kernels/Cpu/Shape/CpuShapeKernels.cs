// The CPU implementation of the shape kernel family. Every kernel views its contiguous operands as
// (outer, dim, inner) blocks and moves whole inner rows with Span.CopyTo; work is split over rows whose
// boundaries depend only on the shapes, so results never depend on the thread count.
using System.Numerics;
using System.Numerics.Tensors;

namespace Fovea.Kernels.Cpu;

internal sealed class CpuShapeKernels : IShapeKernels
{
    public static readonly CpuShapeKernels Instance = new();

    /// <summary>The product of the sizes before <paramref name="dim"/> and after it.</summary>
    private static (int Outer, int Inner) Around(int[] shape, int dim)
    {
        int outer = 1, inner = 1;
        for (int d = 0; d < dim; d++) outer *= shape[d];
        for (int d = dim + 1; d < shape.Length; d++) inner *= shape[d];
        return (outer, inner);
    }

    // ---------------------------------------------------------------- concatenation

    public void CatInto(Tensor src, Tensor dst, int dim, int offset)
    {
        if (src.NumElements == 0) return;
        if (src.IsContiguous && src.DType == dst.DType)
        {
            switch (src.DType)
            {
                case DType.Float32: CatRows<float>(src, dst, dim, offset); return;
                case DType.Float64: CatRows<double>(src, dst, dim, offset); return;
                case DType.Int32: CatRows<int>(src, dst, dim, offset); return;
                case DType.Int64: CatRows<long>(src, dst, dim, offset); return;
                case DType.UInt8: CatRows<byte>(src, dst, dim, offset); return;
                case DType.Int8: CatRows<sbyte>(src, dst, dim, offset); return;
                case DType.Bool: CatRows<bool>(src, dst, dim, offset); return;
                case DType.Float16: CatRows<Half>(src, dst, dim, offset); return;
                case DType.BFloat16: CatRows<BFloat16>(src, dst, dim, offset); return;
            }
        }
        // Strided or converting source: copy through a view of the destination block.
        var shape = src.ShapeArray;
        var strides = dst.StrideArray;
        using var block = dst.View((int[])shape.Clone(), (int[])strides.Clone(), dst.Offset + offset * strides[dim]);
        CopyKernels.Copy(src, block);
    }

    // Each outer index owns one contiguous run of src (its whole dim slab) and one run of dst.
    private static void CatRows<T>(Tensor src, Tensor dst, int dim, int offset) where T : unmanaged
    {
        var (outer, inner) = Around(src.ShapeArray, dim);
        int srcRow = src.ShapeArray[dim] * inner, dstRow = dst.ShapeArray[dim] * inner;
        var s = src.RawArray<T>();
        var d = dst.RawArray<T>();
        int so = src.Offset, dOff = dst.Offset + offset * inner;
        RowParallel.For(outer, srcRow, (r0, r1) =>
        {
            for (int o = r0; o < r1; o++)
                s.AsSpan(so + o * srcRow, srcRow).CopyTo(d.AsSpan(dOff + o * dstRow, srcRow));
        });
    }

    // ---------------------------------------------------------------- index maps along one dimension

    public void GatherAlong(Tensor x, int dim, int[] map, Tensor y)
    {
        switch (x.DType)
        {
            case DType.Float32: Gather<float>(x, dim, map, y); break;
            case DType.Float64: Gather<double>(x, dim, map, y); break;
            case DType.Int32: Gather<int>(x, dim, map, y); break;
            case DType.Int64: Gather<long>(x, dim, map, y); break;
            case DType.UInt8: Gather<byte>(x, dim, map, y); break;
            case DType.Int8: Gather<sbyte>(x, dim, map, y); break;
            case DType.Bool: Gather<bool>(x, dim, map, y); break;
            case DType.Float16: Gather<Half>(x, dim, map, y); break;
            case DType.BFloat16: Gather<BFloat16>(x, dim, map, y); break;
        }
    }

    private static void Gather<T>(Tensor x, int dim, int[] map, Tensor y) where T : unmanaged
    {
        var (outer, inner) = Around(x.ShapeArray, dim);
        int n = x.ShapeArray[dim], m = map.Length;
        var xa = x.RawArray<T>();
        var ya = y.RawArray<T>();
        int xo = x.Offset, yo = y.Offset;
        // One row per (outer, j): copy the inner run x[o, map[j], :] to y[o, j, :].
        RowParallel.For(outer * m, inner, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                int o = r / m, j = r % m;
                xa.AsSpan(xo + (o * n + map[j]) * inner, inner).CopyTo(ya.AsSpan(yo + r * inner, inner));
            }
        });
    }

    public void ScatterAddAlong(Tensor g, int dim, int[] map, Tensor r)
    {
        switch (g.DType)
        {
            case DType.Float32: ScatterAdd<float>(g, dim, map, r); break;
            case DType.Float64: ScatterAdd<double>(g, dim, map, r); break;
            case DType.Int32: ScatterAdd<int>(g, dim, map, r); break;
            case DType.Int64: ScatterAdd<long>(g, dim, map, r); break;
            case DType.UInt8: ScatterAdd<byte>(g, dim, map, r); break;
            case DType.Int8: ScatterAdd<sbyte>(g, dim, map, r); break;
            case DType.Float16: ScatterAdd<Half>(g, dim, map, r); break;
            default: throw new ArgumentException($"ScatterAddAlong: not defined for dtype {DTypes.Name(g.DType)}.");
        }
    }

    private static void ScatterAdd<T>(Tensor g, int dim, int[] map, Tensor r) where T : unmanaged, INumber<T>
    {
        var (outer, inner) = Around(g.ShapeArray, dim);
        int m = map.Length, n = r.ShapeArray[dim];
        var ga = g.RawArray<T>();
        var ra = r.RawArray<T>();
        int go = g.Offset, ro = r.Offset;
        // Several j may hit the same target row, so a task owns a whole outer index and adds in j order.
        RowParallel.For(outer, m * inner, (o0, o1) =>
        {
            for (int o = o0; o < o1; o++)
                for (int j = 0; j < m; j++)
                {
                    var dstRow = ra.AsSpan(ro + (o * n + map[j]) * inner, inner);
                    TensorPrimitives.Add(dstRow, ga.AsSpan(go + (o * m + j) * inner, inner), dstRow);
                }
        });
    }

    // ---------------------------------------------------------------- triangles

    public void MaskTriangle(Tensor y, bool lower, int diagonal)
    {
        switch (y.DType)
        {
            case DType.Float32: Triangle<float>(y, lower, diagonal); break;
            case DType.Float64: Triangle<double>(y, lower, diagonal); break;
            case DType.Int32: Triangle<int>(y, lower, diagonal); break;
            case DType.Int64: Triangle<long>(y, lower, diagonal); break;
            case DType.UInt8: Triangle<byte>(y, lower, diagonal); break;
            case DType.Int8: Triangle<sbyte>(y, lower, diagonal); break;
            case DType.Bool: Triangle<bool>(y, lower, diagonal); break;
            case DType.Float16: Triangle<Half>(y, lower, diagonal); break;
            case DType.BFloat16: Triangle<BFloat16>(y, lower, diagonal); break;
        }
    }

    // Row i of each matrix keeps columns j <= i + diagonal (lower) or j >= i + diagonal (upper).
    private static void Triangle<T>(Tensor y, bool lower, int diagonal) where T : unmanaged
    {
        int rows = y.ShapeArray[^2], cols = y.ShapeArray[^1];
        int total = y.NumElements / Math.Max(rows * cols, 1) * rows;
        var a = y.RawArray<T>();
        int off = y.Offset;
        RowParallel.For(total, cols, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                long edge = (long)(r % rows) + diagonal;
                var row = a.AsSpan(off + r * cols, cols);
                if (lower) row[(int)Math.Clamp(edge + 1, 0, cols)..].Clear();
                else row[..(int)Math.Clamp(edge, 0, cols)].Clear();
            }
        });
    }
}
