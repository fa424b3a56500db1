// Gathering and scattering along the line axis with an index of positions: the plumbing that routes gradients
// of max/min, sort and top-k back to the selected elements. Indices are checked, never trusted.
using System.Numerics;

namespace Fovea.Kernels.Cpu;

internal static class LineIndexKernels
{
    public static void Gather(Tensor x, Tensor index, LineLayout l, int k, Tensor y)
    {
        switch (x.DType)
        {
            case DType.Float32: Gather<float>(x, index, l, k, y); break;
            case DType.Float64: Gather<double>(x, index, l, k, y); break;
            default: throw Lines.Unsupported("Gather along a line", x);
        }
    }

    private static void Gather<T>(Tensor x, Tensor index, LineLayout l, int k, Tensor y) where T : unmanaged
    {
        var xa = x.RawArray<T>();
        var ia = index.RawArray<long>();
        var ya = y.RawArray<T>();
        int xo = x.Offset, io = index.Offset, yo = y.Offset, inner = l.Inner;
        RowParallel.For(l.Outer, k * inner, (o0, o1) =>
        {
            for (int o = o0; o < o1; o++)
                for (int r = 0; r < k; r++)
                    for (int i = 0; i < inner; i++)
                    {
                        int at = (o * k + r) * inner + i;
                        ya[yo + at] = xa[xo + (o * l.N + Checked(ia[io + at], l.N)) * inner + i];
                    }
        });
    }

    public static void ScatterAdd(Tensor src, Tensor index, LineLayout l, int k, Tensor y)
    {
        switch (src.DType)
        {
            case DType.Float32: ScatterAdd<float>(src, index, l, k, y); break;
            case DType.Float64: ScatterAdd<double>(src, index, l, k, y); break;
            default: throw Lines.Unsupported("Scatter along a line", src);
        }
    }

    // Each outer block of y is written by one task only, in a fixed order, so sums are deterministic.
    private static void ScatterAdd<T>(Tensor src, Tensor index, LineLayout l, int k, Tensor y) where T : unmanaged, INumber<T>
    {
        var sa = src.RawArray<T>();
        var ia = index.RawArray<long>();
        var ya = y.RawArray<T>();
        int so = src.Offset, io = index.Offset, yo = y.Offset, inner = l.Inner;
        RowParallel.For(l.Outer, k * inner, (o0, o1) =>
        {
            for (int o = o0; o < o1; o++)
                for (int r = 0; r < k; r++)
                    for (int i = 0; i < inner; i++)
                    {
                        int at = (o * k + r) * inner + i;
                        ya[yo + (o * l.N + Checked(ia[io + at], l.N)) * inner + i] += sa[so + at];
                    }
        });
    }

    private static int Checked(long index, int n) =>
        index >= 0 && index < n ? (int)index : throw new IndexOutOfRangeException($"Index {index} is out of range for a dimension of size {n}.");
}
