// Mean and variance of each line by two passes (mean first, then squared deviations), both accumulated in double
// so float32 results do not depend on the SIMD width or suffer from cancellation.
using System.Numerics;

namespace Fovea.Kernels.Cpu;

internal static class MomentKernels
{
    public static void Moments(Tensor x, LineLayout l, int correction, Tensor variance, Tensor? mean)
    {
        switch (x.DType)
        {
            case DType.Float32: Moments<float>(x, l, correction, variance, mean); break;
            case DType.Float64: Moments<double>(x, l, correction, variance, mean); break;
            default: throw Lines.Unsupported("Var", x);
        }
    }

    private static void Moments<T>(Tensor x, LineLayout l, int correction, Tensor variance, Tensor? mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xa = x.RawArray<T>();
        var va = variance.RawArray<T>();
        var ma = mean?.RawArray<T>();
        int xo = x.Offset, vo = variance.Offset, mo = mean?.Offset ?? 0;
        double divisor = Math.Max(0, l.N - correction);
        Lines.For(l, (l0, l1) =>
        {
            var scratch = Lines.Scratch<T>(l);
            for (int line = l0; line < l1; line++)
            {
                var row = Lines.Read(xa, xo, l, line, scratch);
                double m = Lines.SumDouble(row) / row.Length;
                double ss = 0;
                foreach (T v in row)
                {
                    double d = double.CreateTruncating(v) - m;
                    ss += d * d;
                }
                va[vo + line] = T.CreateTruncating(row.Length == 0 ? double.NaN : ss / divisor);
                if (ma != null) ma[mo + line] = T.CreateTruncating(m);
            }
        });
    }
}
