// Softmax, log-softmax and log-sum-exp, all stabilised by subtracting the line's maximum. When the axis is the
// innermost one each line is a contiguous row (vectorised max, exp and scale via TensorPrimitives); otherwise
// the N rows of an outer block are combined elementwise, so the contiguous inner rows get vectorised instead.
// Sums of exponentials are accumulated in double.
using System.Numerics;
using System.Numerics.Tensors;

namespace Fovea.Kernels.Cpu;

internal static class SoftmaxKernels
{
    public static void Softmax(Tensor x, LineLayout l, bool log, Tensor y)
    {
        switch (x.DType)
        {
            case DType.Float32: Softmax<float>(x, l, log, y); break;
            case DType.Float64: Softmax<double>(x, l, log, y); break;
            default: throw Lines.Unsupported(log ? "LogSoftmax" : "Softmax", x);
        }
    }

    private static void Softmax<T>(Tensor x, LineLayout l, bool log, Tensor y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xa = x.RawArray<T>();
        var ya = y.RawArray<T>();
        int xo = x.Offset, yo = y.Offset;
        if (l.N == 0) return;
        if (l.Inner == 1)
        {
            Lines.For(l, (l0, l1) =>
            {
                for (int line = l0; line < l1; line++)
                    SoftmaxRow<T>(xa.AsSpan(xo + line * l.N, l.N), ya.AsSpan(yo + line * l.N, l.N), log);
            });
            return;
        }
        RowParallel.For(l.Outer, l.N * l.Inner, (o0, o1) =>
        {
            var m = new T[l.Inner];
            var scale = new T[l.Inner];
            var sum = new double[l.Inner];
            for (int o = o0; o < o1; o++)
            {
                int b = o * l.N * l.Inner;
                SoftmaxBlock<T>(xa.AsSpan(xo + b, l.N * l.Inner), ya.AsSpan(yo + b, l.N * l.Inner), l.N, log, m, scale, sum);
            }
        });
    }

    /// <summary>One contiguous row: y = exp(x - max) / sum, or x - max - log(sum).</summary>
    private static void SoftmaxRow<T>(ReadOnlySpan<T> x, Span<T> y, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Exp(y, y);
        double sum = Lines.SumDouble<T>(y);
        if (log)
        {
            // (x - max) - log(sum): subtracting the max first keeps the result exact for huge logits.
            TensorPrimitives.Subtract(x, max, y);
            TensorPrimitives.Subtract(y, T.CreateTruncating(Math.Log(sum)), y);
        }
        else TensorPrimitives.Multiply(y, T.CreateTruncating(1 / sum), y);
    }

    /// <summary>An (N, inner) block, softmax along N; m, scale and sum are scratch of length inner.</summary>
    private static void SoftmaxBlock<T>(ReadOnlySpan<T> x, Span<T> y, int n, bool log, T[] m, T[] scale, double[] sum) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inner = m.Length;
        x[..inner].CopyTo(m);
        for (int r = 1; r < n; r++) TensorPrimitives.Max(m, x.Slice(r * inner, inner), m);
        Array.Clear(sum);
        for (int r = 0; r < n; r++)
        {
            var yr = y.Slice(r * inner, inner);
            TensorPrimitives.Subtract(x.Slice(r * inner, inner), m, yr);
            TensorPrimitives.Exp(yr, yr);
            for (int i = 0; i < inner; i++) sum[i] += double.CreateTruncating(yr[i]);
        }
        for (int i = 0; i < inner; i++) scale[i] = T.CreateTruncating(log ? Math.Log(sum[i]) : 1 / sum[i]);
        for (int r = 0; r < n; r++)
        {
            var yr = y.Slice(r * inner, inner);
            if (log)
            {
                TensorPrimitives.Subtract(x.Slice(r * inner, inner), m, yr);
                TensorPrimitives.Subtract(yr, scale, yr);
            }
            else TensorPrimitives.Multiply(yr, scale, yr);
        }
    }

    public static void LogSumExp(Tensor x, LineLayout l, Tensor y)
    {
        switch (x.DType)
        {
            case DType.Float32: LogSumExp<float>(x, l, y); break;
            case DType.Float64: LogSumExp<double>(x, l, y); break;
            default: throw Lines.Unsupported("LogSumExp", x);
        }
    }

    // Per line: m = max (0 if infinite, as in PyTorch, so all -inf gives -inf and +inf gives +inf), then
    // m + log(sum(exp(x - m))).
    private static void LogSumExp<T>(Tensor x, LineLayout l, Tensor y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xa = x.RawArray<T>();
        var ya = y.RawArray<T>();
        int xo = x.Offset, yo = y.Offset;
        Lines.For(l, (l0, l1) =>
        {
            var scratch = new T[l.N];
            for (int line = l0; line < l1; line++)
            {
                if (l.N == 0) { ya[yo + line] = T.NegativeInfinity; continue; }
                var row = Lines.Read(xa, xo, l, line, scratch);
                T m = TensorPrimitives.Max(row);
                if (T.IsInfinity(m)) m = T.Zero;
                TensorPrimitives.Subtract(row, m, scratch);
                TensorPrimitives.Exp(scratch, scratch);
                ya[yo + line] = T.CreateTruncating(Math.Log(Lines.SumDouble<T>(scratch)) + double.CreateTruncating(m));
            }
        });
    }
}
