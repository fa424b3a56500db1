// Indexed gather (Take) and scatter (Put) loops over strided operands, and Nonzero. Take writes disjoint
// outputs, so it runs in row chunks in parallel; Put may hit one element many times, so it runs in row-major
// order on one thread, which makes accumulation order (and the winner of duplicate assignments) fixed.
using System.Numerics;

namespace Fovea.Kernels.Cpu;

internal static class TakePut
{
    /// <summary>How Put combines the old element with the incoming value.</summary>
    public interface ICombine<T> { static abstract T Apply(T old, T value); }

    public readonly struct Assign<T> : ICombine<T> { public static T Apply(T old, T value) => value; }
    public readonly struct Add<T> : ICombine<T> where T : INumber<T> { public static T Apply(T old, T value) => old + value; }
    public readonly struct Mul<T> : ICombine<T> where T : INumber<T> { public static T Apply(T old, T value) => old * value; }
    public readonly struct Max<T> : ICombine<T> where T : INumber<T> { public static T Apply(T old, T value) => T.Max(old, value); } // NaN propagates
    public readonly struct Min<T> : ICombine<T> where T : INumber<T> { public static T Apply(T old, T value) => T.Min(old, value); }

    /// <summary>y[i] = src[src.Offset + srcBase(i) + index[i] * scale] (see IIndexingKernels.Take).</summary>
    public static void Take<T>(Tensor src, int[] srcStrides, Tensor index, long scale, Tensor y) where T : unmanaged
    {
        var plan = new StridedRows(y.ShapeArray, [y.StrideArray, srcStrides, index.StrideArray], [y.Offset, src.Offset, index.Offset]);
        var s = src.RawArray<T>();
        var d = y.RawArray<T>();
        var ix = index.RawArray<long>();
        int len = plan.RowLength, ys = plan.InnerStrides[0], ss = plan.InnerStrides[1], xs = plan.InnerStrides[2];
        RowParallel.For(plan.Rows, len, (r0, r1) =>
        {
            Span<int> off = stackalloc int[3];
            for (int r = r0; r < r1; r++)
            {
                plan.RowOffsets(r, off);
                if (ys == 1 && ss == 1 && xs == 0)
                {
                    // One index for the whole row (index_select, embedding): a block copy.
                    s.AsSpan(checked((int)(off[1] + ix[off[2]] * scale)), len).CopyTo(d.AsSpan(off[0], len));
                    continue;
                }
                for (int i = 0, yi = off[0], si = off[1], xi = off[2]; i < len; i++, yi += ys, si += ss, xi += xs)
                    d[yi] = s[checked((int)(si + ix[xi] * scale))];
            }
        });
    }

    /// <summary>dst[dst.Offset + dstBase(i) + index[i] * scale] = TOp(old, values[i]) (see IIndexingKernels.Put).</summary>
    public static void Put<T, TOp>(Tensor dst, int[] dstStrides, Tensor index, long scale, Tensor values)
        where T : unmanaged where TOp : ICombine<T>
    {
        var plan = new StridedRows(values.ShapeArray, [dstStrides, values.StrideArray, index.StrideArray], [dst.Offset, values.Offset, index.Offset]);
        var d = dst.RawArray<T>();
        var v = values.RawArray<T>();
        var ix = index.RawArray<long>();
        int len = plan.RowLength, ds = plan.InnerStrides[0], vs = plan.InnerStrides[1], xs = plan.InnerStrides[2];
        Span<int> off = stackalloc int[3];
        for (int r = 0; r < plan.Rows; r++)
        {
            plan.RowOffsets(r, off);
            for (int i = 0, di = off[0], vi = off[1], xi = off[2]; i < len; i++, di += ds, vi += vs, xi += xs)
            {
                int at = checked((int)(di + ix[xi] * scale));
                d[at] = TOp.Apply(d[at], v[vi]);
            }
        }
    }

    /// <summary>The (count, rank) int64 coordinates of the true elements of a bool tensor, in row-major order.</summary>
    public static Tensor Nonzero(Tensor mask)
    {
        var m = mask.RawArray<bool>();
        int rank = mask.Rank, n = mask.NumElements;
        var shape = mask.ShapeArray;
        var strides = mask.StrideArray;
        var hits = new List<int>(); // logical (row-major) positions of true elements
        var idx = new int[rank];
        for (int i = 0, o = mask.Offset; i < n; i++)
        {
            if (m[o]) hits.Add(i);
            for (int dd = rank - 1; dd >= 0; dd--)
            {
                o += strides[dd];
                if (++idx[dd] < shape[dd]) break;
                o -= idx[dd] * strides[dd];
                idx[dd] = 0;
            }
        }
        var coords = new long[hits.Count * rank];
        for (int h = 0; h < hits.Count; h++)
        {
            int p = hits[h];
            for (int dd = rank - 1; dd >= 0; dd--)
            {
                coords[h * rank + dd] = p % shape[dd];
                p /= shape[dd];
            }
        }
        return Tensor.FromArray(coords, hits.Count, rank);
    }
}
