// Max/min reductions (values over lines, SIMD through TensorPrimitives), arg-max/arg-min with PyTorch's tie and
// NaN rules (first occurrence; a NaN beats every number), and the all/any reductions of bool tensors.
using System.Numerics;
using System.Numerics.Tensors;

namespace Fovea.Kernels.Cpu;

internal static class ArgReduceKernels
{
    public static void Extreme(Tensor x, LineLayout l, bool max, Tensor y)
    {
        switch (x.DType)
        {
            case DType.Float32: Extreme<float>(x, l, max, y); break;
            case DType.Float64: Extreme<double>(x, l, max, y); break;
            case DType.Int32: Extreme<int>(x, l, max, y); break;
            case DType.Int64: Extreme<long>(x, l, max, y); break;
            case DType.UInt8: Extreme<byte>(x, l, max, y); break;
            case DType.Int8: Extreme<sbyte>(x, l, max, y); break;
            default: throw Lines.Unsupported(max ? "Amax" : "Amin", x);
        }
    }

    // Inner == 1: one vectorised reduction per line. Inner > 1: running elementwise max over the N rows of each
    // outer block, so the contiguous inner rows are what gets vectorised.
    private static void Extreme<T>(Tensor x, LineLayout l, bool max, Tensor y) where T : unmanaged, INumber<T>
    {
        var xa = x.RawArray<T>();
        var ya = y.RawArray<T>();
        int xo = x.Offset, yo = y.Offset;
        if (l.Inner == 1)
        {
            Lines.For(l, (l0, l1) =>
            {
                for (int line = l0; line < l1; line++)
                {
                    var row = xa.AsSpan(xo + line * l.N, l.N);
                    ya[yo + line] = max ? TensorPrimitives.Max(row) : TensorPrimitives.Min(row);
                }
            });
            return;
        }
        RowParallel.For(l.Outer, l.N * l.Inner, (o0, o1) =>
        {
            for (int o = o0; o < o1; o++)
            {
                var acc = ya.AsSpan(yo + o * l.Inner, l.Inner);
                int b = xo + o * l.N * l.Inner;
                xa.AsSpan(b, l.Inner).CopyTo(acc);
                for (int r = 1; r < l.N; r++)
                {
                    var row = xa.AsSpan(b + r * l.Inner, l.Inner);
                    if (max) TensorPrimitives.Max(acc, row, acc);
                    else TensorPrimitives.Min(acc, row, acc);
                }
            }
        });
    }

    public static void ArgExtreme(Tensor x, LineLayout l, bool max, Tensor? values, Tensor indices)
    {
        switch (x.DType)
        {
            case DType.Float32: ArgExtreme<float>(x, l, max, values, indices); break;
            case DType.Float64: ArgExtreme<double>(x, l, max, values, indices); break;
            case DType.Int32: ArgExtreme<int>(x, l, max, values, indices); break;
            case DType.Int64: ArgExtreme<long>(x, l, max, values, indices); break;
            case DType.UInt8: ArgExtreme<byte>(x, l, max, values, indices); break;
            case DType.Int8: ArgExtreme<sbyte>(x, l, max, values, indices); break;
            default: throw Lines.Unsupported(max ? "ArgMax" : "ArgMin", x);
        }
    }

    private static void ArgExtreme<T>(Tensor x, LineLayout l, bool max, Tensor? values, Tensor indices) where T : unmanaged, INumber<T>
    {
        var xa = x.RawArray<T>();
        var va = values?.RawArray<T>();
        var ia = indices.RawArray<long>();
        int xo = x.Offset, vo = values?.Offset ?? 0, io = indices.Offset;
        Lines.For(l, (l0, l1) =>
        {
            var scratch = Lines.Scratch<T>(l);
            for (int line = l0; line < l1; line++)
            {
                var row = Lines.Read(xa, xo, l, line, scratch);
                int best = max ? IndexOfMax(row) : IndexOfMin(row);
                ia[io + line] = best;
                if (va != null) va[vo + line] = row[best];
            }
        });
    }

    /// <summary>Index of the first maximum; the first NaN if there is one.</summary>
    private static int IndexOfMax<T>(ReadOnlySpan<T> row) where T : unmanaged, INumber<T>
    {
        int best = 0;
        T b = row[0];
        if (T.IsNaN(b)) return 0;
        for (int i = 1; i < row.Length; i++)
        {
            T v = row[i];
            if (v > b) { b = v; best = i; }
            else if (T.IsNaN(v)) return i;
        }
        return best;
    }

    /// <summary>Index of the first minimum; the first NaN if there is one.</summary>
    private static int IndexOfMin<T>(ReadOnlySpan<T> row) where T : unmanaged, INumber<T>
    {
        int best = 0;
        T b = row[0];
        if (T.IsNaN(b)) return 0;
        for (int i = 1; i < row.Length; i++)
        {
            T v = row[i];
            if (v < b) { b = v; best = i; }
            else if (T.IsNaN(v)) return i;
        }
        return best;
    }

    public static void AllAny(Tensor x, LineLayout l, bool all, Tensor y)
    {
        if (x.DType != DType.Bool) throw Lines.Unsupported(all ? "All" : "Any", x);
        var xa = x.RawArray<bool>();
        var ya = y.RawArray<bool>();
        int xo = x.Offset, yo = y.Offset;
        Lines.For(l, (l0, l1) =>
        {
            var scratch = Lines.Scratch<bool>(l);
            for (int line = l0; line < l1; line++)
            {
                var row = Lines.Read(xa, xo, l, line, scratch);
                ya[yo + line] = all ? !row.Contains(false) : row.Contains(true);
            }
        });
    }
}
