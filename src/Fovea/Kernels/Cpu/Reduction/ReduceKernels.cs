// Sum over any set of axes. Two strategies, chosen by where the reduced axes are in memory:
//  - the innermost (stride-1) axis is reduced: each output sums contiguous runs (vectorised horizontal sums);
//  - it is kept: the output accumulates whole kept rows, one per reduced index (vectorised vertical adds).
// The order of additions depends only on the shapes, so results are identical for any thread count.
using System.Numerics;
using System.Numerics.Tensors;

namespace Fovea.Kernels.Cpu;

internal static class ReduceKernels
{
    /// <summary>Splits dims into kept and reduced, giving both shapes and x's strides for each.</summary>
    public static (int[] KeptShape, int[] KeptStrides, int[] RedShape, int[] RedStrides) Split(Tensor x, bool[] reduced)
    {
        var ks = new List<int>(); var kst = new List<int>(); var rs = new List<int>(); var rst = new List<int>();
        for (int d = 0; d < x.Rank; d++)
        {
            if (reduced[d]) { rs.Add(x.ShapeArray[d]); rst.Add(x.StrideArray[d]); }
            else { ks.Add(x.ShapeArray[d]); kst.Add(x.StrideArray[d]); }
        }
        return (ks.ToArray(), kst.ToArray(), rs.ToArray(), rst.ToArray());
    }

    /// <summary>y (contiguous, kept dims only) = sum of x over the dims flagged in <paramref name="reduced"/>.</summary>
    public static void Sum(Tensor x, bool[] reduced, Tensor y)
    {
        switch (x.DType)
        {
            case DType.Float32: Sum<float>(x, reduced, y); break;
            case DType.Float64: Sum<double>(x, reduced, y); break;
            case DType.Int32: Sum<int>(x, reduced, y); break;
            case DType.Int64: Sum<long>(x, reduced, y); break;
            default: throw new ArgumentException($"Sum: not defined for dtype {DTypes.Name(x.DType)}.");
        }
    }

    private static void Sum<T>(Tensor x, bool[] reduced, Tensor y) where T : unmanaged, INumber<T>
    {
        var (ks, kst, rs, rst) = Split(x, reduced);
        var xa = x.RawArray<T>();
        var ya = y.RawArray<T>();
        int yOff = y.Offset;
        var kept = new StridedRows(ks, [new Shape(ks).ContiguousStrides(), kst], [0, x.Offset]);
        int innermost = -1;
        for (int d = x.Rank - 1; d >= 0; d--) if (x.ShapeArray[d] != 1) { innermost = d; break; }
        bool innerReduced = innermost >= 0 && reduced[innermost];

        if (innerReduced)
        {
            // Per output element: sum the reduced sub-tensor row by row.
            int outCount = y.NumElements;
            RowParallel.For(outCount, Math.Max(1, x.NumElements / Math.Max(outCount, 1)), (o0, o1) =>
            {
                Span<int> koff = stackalloc int[2];
                Span<int> roff = stackalloc int[1];
                for (int o = o0; o < o1; o++)
                {
                    // Output o in kept order: locate its base offset in x.
                    int baseOff = KeptOffset(kept, ks, o, koff);
                    var red = new StridedRows(rs, [rst], [baseOff]);
                    T acc = T.Zero;
                    int len = red.RowLength, s = red.InnerStrides[0];
                    for (int r = 0; r < red.Rows; r++)
                    {
                        red.RowOffsets(r, roff);
                        if (s == 1) acc += TensorPrimitives.Sum<T>(xa.AsSpan(roff[0], len));
                        else for (int i = 0, j = roff[0]; i < len; i++, j += s) acc += xa[j];
                    }
                    ya[yOff + o] = acc;
                }
            });
            return;
        }

        // Innermost axis kept: y += x[reduced index] row by row.
        y.AsSpan<T>().Clear();
        var redPlan = new StridedRows(rs, [rst], [x.Offset]);
        Span<int> ro = stackalloc int[1];
        Span<int> off = stackalloc int[2];
        var keptStrides = new Shape(ks).ContiguousStrides();
        for (int rr = 0; rr < redPlan.Rows; rr++)
        {
            for (int i = 0; i < redPlan.RowLength; i++)
            {
                redPlan.RowOffsets(rr, ro);
                int baseOff = ro[0] + i * redPlan.InnerStrides[0];
                var rows = new StridedRows(ks, [keptStrides, kst], [yOff, baseOff]);
                int len = rows.RowLength;
                for (int r = 0; r < rows.Rows; r++)
                {
                    rows.RowOffsets(r, off);
                    var dst = ya.AsSpan(off[0], len);
                    if (rows.InnerStrides[1] == 1) TensorPrimitives.Add(dst, xa.AsSpan(off[1], len), dst);
                    else for (int k = 0, j = off[1]; k < len; k++, j += rows.InnerStrides[1]) dst[k] += xa[j];
                }
            }
        }
    }

    /// <summary>Offset in x of kept-order output element <paramref name="o"/>.</summary>
    public static int KeptOffset(StridedRows kept, int[] keptShape, int o, Span<int> scratch)
    {
        int len = Math.Max(kept.RowLength, 1);
        kept.RowOffsets(o / len, scratch);
        return scratch[1] + (o % len) * kept.InnerStrides[1];
    }
}
