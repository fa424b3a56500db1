// Indexed gather (Take) and scatter (Put) loops over strided operands, and Nonzero. Take writes disjoint
// outputs, so it runs in row chunks in parallel; Put may hit one element many times, so it splits only along
// dimensions whose writes cannot collide and keeps row-major order inside each chunk, which fixes the
// accumulation order (and the winner of duplicate assignments) whatever the thread count.
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
    /// <remarks>
    /// Elements that differ along a dimension where dst's base stride is nonzero land on different positions
    /// (dst's coordinates decompose uniquely), so the work splits into fixed chunks along the first such
    /// dimension. Each chunk runs in row-major order, so every position sees its updates in the same order as a
    /// single-threaded pass: results are bitwise identical for any thread count.
    /// </remarks>
    public static void Put<T, TOp>(Tensor dst, int[] dstStrides, Tensor index, long scale, Tensor values)
        where T : unmanaged where TOp : ICombine<T>
    {
        var shape = values.ShapeArray;
        int[][] strides = [dstStrides, values.StrideArray, index.StrideArray];
        int[] offsets = [dst.Offset, values.Offset, index.Offset];
        int split = -1;
        for (int k = 0; k < shape.Length && split < 0; k++)
            if (shape[k] > 1 && dstStrides[k] != 0) split = k;
        int total = values.NumElements;
        int perSlice = split < 0 ? total : Math.Max(1, total / shape[split]);
        int slicesPerChunk = Math.Max(1, RowParallel.Grain / perSlice);
        int chunks = split < 0 ? 1 : (shape[split] + slicesPerChunk - 1) / slicesPerChunk;
        if (chunks == 1 || total < 2 * RowParallel.Grain)
        {
            PutRange<T, TOp>(dst, index, scale, values, shape, strides, offsets);
            return;
        }
        Fovea.Runtime.Threading.WorkerPool.For(chunks, c =>
        {
            int start = c * slicesPerChunk, end = Math.Min(shape[split], start + slicesPerChunk);
            var sub = (int[])shape.Clone();
            sub[split] = end - start;
            var off = new int[3];
            for (int k = 0; k < 3; k++) off[k] = offsets[k] + start * strides[k][split];
            PutRange<T, TOp>(dst, index, scale, values, sub, strides, off);
        });
    }

    // One single-threaded, row-major pass of Put over the block of the given shape and operand offsets.
    private static void PutRange<T, TOp>(Tensor dst, Tensor index, long scale, Tensor values, int[] shape, int[][] strides, int[] offsets)
        where T : unmanaged where TOp : ICombine<T>
    {
        var plan = new StridedRows(shape, strides, offsets);
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
