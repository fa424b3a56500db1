// Batch, layer, group and instance normalisation on the CPU. Statistics accumulate in double; every loop is split
// by channel or by row, so each value is computed by one task in a fixed order whatever the thread count.
using System.Numerics;
using System.Runtime.Intrinsics;
using Fovea.Runtime.Threading;

namespace Fovea.Kernels.Cpu;

internal sealed class CpuNormalizationKernels : INormalizationKernels
{
    public static readonly CpuNormalizationKernels Instance = new();

    // ---------------------------------------------------------------- per-channel (batch) statistics

    public void ChannelStats(Tensor x, int n, int c, int s, double[] mean, double[] var)
    {
        if (x.DType == DType.Float64) ChannelStats<double>(x, n, c, s, mean, var); else ChannelStats<float>(x, n, c, s, mean, var);
    }

    private static void ChannelStats<T>(Tensor xt, int n, int c, int s, double[] mean, double[] var) where T : unmanaged, INumber<T>
    {
        var x = xt.RawArray<T>();
        int xo = xt.Offset;
        double count = (double)n * s;
        WorkerPool.For(c, ch =>
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += SumOf(x.AsSpan(xo + (i * c + ch) * s, s));
            double m = sum / count, sq = 0;
            for (int i = 0; i < n; i++) sq += SquaredDeviations(x.AsSpan(xo + (i * c + ch) * s, s), m);
            mean[ch] = m;
            var[ch] = sq / count;
        });
    }

    public void ChannelNormalize(Tensor x, int n, int c, int s, double[] mean, double[] invStd, Tensor? gamma, Tensor? beta, Tensor y)
    {
        if (x.DType == DType.Float64) ChannelNormalize<double>(x, n, c, s, mean, invStd, gamma, beta, y);
        else ChannelNormalize<float>(x, n, c, s, mean, invStd, gamma, beta, y);
    }

    private static void ChannelNormalize<T>(Tensor xt, int n, int c, int s, double[] mean, double[] invStd, Tensor? gamma, Tensor? beta, Tensor yt)
        where T : unmanaged, INumber<T>
    {
        var x = xt.RawArray<T>();
        var y = yt.RawArray<T>();
        int xo = xt.Offset, yo = yt.Offset;
        var (gm, bt) = (Values(gamma, c), Values(beta, c));
        WorkerPool.For(n * c, t =>
        {
            int ch = t % c;
            double scale = invStd[ch] * (gm?[ch] ?? 1), shift = (bt?[ch] ?? 0) - mean[ch] * scale;
            Affine(x.AsSpan(xo + t * s, s), scale, shift, y.AsSpan(yo + t * s, s));
        });
    }

    public void ChannelBackward(Tensor dy, Tensor x, int n, int c, int s, double[] mean, double[] invStd, Tensor? gamma,
        bool batchStats, Tensor? dx, double[]? dGamma, double[]? dBeta)
    {
        if (x.DType == DType.Float64) ChannelBackward<double>(dy, x, n, c, s, mean, invStd, gamma, batchStats, dx, dGamma, dBeta);
        else ChannelBackward<float>(dy, x, n, c, s, mean, invStd, gamma, batchStats, dx, dGamma, dBeta);
    }

    private static void ChannelBackward<T>(Tensor dyt, Tensor xt, int n, int c, int s, double[] mean, double[] invStd, Tensor? gamma,
        bool batchStats, Tensor? dxt, double[]? dGamma, double[]? dBeta) where T : unmanaged, INumber<T>
    {
        var dy = dyt.RawArray<T>();
        var x = xt.RawArray<T>();
        var dx = dxt?.RawArray<T>();
        int dyo = dyt.Offset, xo = xt.Offset, dxo = dxt?.Offset ?? 0;
        var gm = Values(gamma, c);
        double count = (double)n * s;
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated)
        {
            ChannelBackwardFloat((float[])(object)dy, dyo, (float[])(object)x, xo, (float[]?)(object?)dx, dxo, n, c, s, mean, invStd, gm, batchStats, dGamma, dBeta);
            return;
        }
        WorkerPool.For(c, ch =>
        {
            // sumDy = sum dy, sumDyXhat = sum dy * xhat over the channel.
            double sumDy = 0, sumDyXc = 0, m = mean[ch], inv = invStd[ch];
            for (int i = 0; i < n; i++)
            {
                int o = (i * c + ch) * s;
                for (int j = 0; j < s; j++)
                {
                    double d = double.CreateTruncating(dy[dyo + o + j]);
                    sumDy += d;
                    sumDyXc += d * (double.CreateTruncating(x[xo + o + j]) - m);
                }
            }
            double sumDyXhat = sumDyXc * inv;
            if (dGamma != null) dGamma[ch] = sumDyXhat;
            if (dBeta != null) dBeta[ch] = sumDy;
            if (dx == null) return;
            double k = inv * (gm?[ch] ?? 1);
            // dx = k * (dy - mean(dy) - xhat * mean(dy * xhat)) with batch statistics, k * dy with fixed ones.
            double meanDy = batchStats ? sumDy / count : 0, proj = batchStats ? sumDyXhat / count * inv : 0;
            for (int i = 0; i < n; i++)
            {
                int o = (i * c + ch) * s;
                for (int j = 0; j < s; j++)
                {
                    double d = double.CreateTruncating(dy[dyo + o + j]);
                    double xc = double.CreateTruncating(x[xo + o + j]) - m;
                    dx[dxo + o + j] = T.CreateTruncating(k * (d - meanDy - xc * proj));
                }
            }
        });
    }

    // The float32 backward with SIMD: the channel sums are taken in float over blocks of at most Block values of one
    // plane and the block sums added in double, so the result depends only on the shape; dx is computed in float.
    private static void ChannelBackwardFloat(float[] dy, int dyo, float[] x, int xo, float[]? dx, int dxo, int n, int c, int s,
        double[] mean, double[] invStd, double[]? gm, bool batchStats, double[]? dGamma, double[]? dBeta)
    {
        double count = (double)n * s;
        WorkerPool.For(c, ch =>
        {
            double sumDy = 0, sumDyXc = 0, m = mean[ch], inv = invStd[ch];
            float mf = (float)m;
            for (int i = 0; i < n; i++)
            {
                int o = (i * c + ch) * s;
                for (int j = 0; j < s; j += Block)
                {
                    int len = Math.Min(Block, s - j);
                    var (a, b) = FloatSimd.SumAndCenteredDot(dy.AsSpan(dyo + o + j, len), x.AsSpan(xo + o + j, len), mf);
                    sumDy += a;
                    sumDyXc += b;
                }
            }
            double sumDyXhat = sumDyXc * inv;
            if (dGamma != null) dGamma[ch] = sumDyXhat;
            if (dBeta != null) dBeta[ch] = sumDy;
            if (dx == null) return;
            double k = inv * (gm?[ch] ?? 1);
            double meanDy = batchStats ? sumDy / count : 0, proj = batchStats ? sumDyXhat / count * inv : 0;
            // dx = k * dy - k * proj * (x - m) - k * meanDy
            float kf = (float)k, kp = (float)(k * proj), shift = (float)(-k * meanDy);
            for (int i = 0; i < n; i++)
            {
                int o = (i * c + ch) * s;
                FloatSimd.ScaledCenteredDifference(dy.AsSpan(dyo + o, s), x.AsSpan(xo + o, s), mf, kf, kp, shift, dx.AsSpan(dxo + o, s));
            }
        });
    }

    private const int Block = 256;

    // ---------------------------------------------------------------- per-row (layer, group, instance) statistics

    public void RowNormalize(Tensor x, int rows, int g, int cg, int s, double eps, Tensor? gamma, Tensor? beta, Tensor y, double[] mean, double[] invStd)
    {
        if (x.DType == DType.Float64) RowNormalize<double>(x, rows, g, cg, s, eps, gamma, beta, y, mean, invStd);
        else RowNormalize<float>(x, rows, g, cg, s, eps, gamma, beta, y, mean, invStd);
    }

    private static void RowNormalize<T>(Tensor xt, int rows, int g, int cg, int s, double eps, Tensor? gamma, Tensor? beta, Tensor yt,
        double[] mean, double[] invStd) where T : unmanaged, INumber<T>
    {
        var x = xt.RawArray<T>();
        var y = yt.RawArray<T>();
        int xo = xt.Offset, yo = yt.Offset, d = cg * s;
        var (gm, bt) = (Values(gamma, g * cg), Values(beta, g * cg));
        RowParallel.For(rows, d, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                var xr = x.AsSpan(xo + r * d, d);
                double m = SumOf(xr) / d;
                double inv = 1 / Math.Sqrt(SquaredDeviations(xr, m) / d + eps);
                mean[r] = m;
                invStd[r] = inv;
                for (int k = 0; k < cg; k++)
                {
                    int ch = r % g * cg + k;
                    double scale = inv * (gm?[ch] ?? 1), shift = (bt?[ch] ?? 0) - m * scale;
                    Affine(xr.Slice(k * s, s), scale, shift, y.AsSpan(yo + r * d + k * s, s));
                }
            }
        });
    }

    public void RowBackward(Tensor dy, Tensor x, int rows, int g, int cg, int s, double[] mean, double[] invStd, Tensor? gamma,
        Tensor? dx, double[]? dGamma, double[]? dBeta)
    {
        if (x.DType == DType.Float64) RowBackward<double>(dy, x, rows, g, cg, s, mean, invStd, gamma, dx, dGamma, dBeta);
        else RowBackward<float>(dy, x, rows, g, cg, s, mean, invStd, gamma, dx, dGamma, dBeta);
    }

    private static void RowBackward<T>(Tensor dyt, Tensor xt, int rows, int g, int cg, int s, double[] mean, double[] invStd, Tensor? gamma,
        Tensor? dxt, double[]? dGamma, double[]? dBeta) where T : unmanaged, INumber<T>
    {
        var dy = dyt.RawArray<T>();
        var x = xt.RawArray<T>();
        var dx = dxt?.RawArray<T>();
        int dyo = dyt.Offset, xo = xt.Offset, dxo = dxt?.Offset ?? 0, d = cg * s;
        var gm = Values(gamma, g * cg);
        if (dx != null)
            RowParallel.For(rows, d, (r0, r1) =>
            {
                for (int r = r0; r < r1; r++)
                {
                    // dxhat = dy * gamma; dx = invStd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)).
                    double m = mean[r], inv = invStd[r], sum = 0, sumXhat = 0;
                    for (int j = 0; j < d; j++)
                    {
                        double dxh = double.CreateTruncating(dy[dyo + r * d + j]) * (gm?[r % g * cg + j / s] ?? 1);
                        sum += dxh;
                        sumXhat += dxh * (double.CreateTruncating(x[xo + r * d + j]) - m) * inv;
                    }
                    double a = sum / d, b = sumXhat / d;
                    for (int j = 0; j < d; j++)
                    {
                        double dxh = double.CreateTruncating(dy[dyo + r * d + j]) * (gm?[r % g * cg + j / s] ?? 1);
                        double xhat = (double.CreateTruncating(x[xo + r * d + j]) - m) * inv;
                        dx[dxo + r * d + j] = T.CreateTruncating(inv * (dxh - a - xhat * b));
                    }
                }
            });
        if (dGamma == null && dBeta == null) return;
        // Per channel ch = group * cg + k: sum over the samples n of row n * g + group, values k * s .. k * s + s.
        int samples = rows / g;
        WorkerPool.For(g * cg, ch =>
        {
            int group = ch / cg, k = ch % cg;
            double sg = 0, sb = 0;
            for (int nIdx = 0; nIdx < samples; nIdx++)
            {
                int r = nIdx * g + group, o = r * d + k * s;
                for (int j = 0; j < s; j++)
                {
                    double dv = double.CreateTruncating(dy[dyo + o + j]);
                    sb += dv;
                    sg += dv * (double.CreateTruncating(x[xo + o + j]) - mean[r]) * invStd[r];
                }
            }
            if (dGamma != null) dGamma[ch] = sg;
            if (dBeta != null) dBeta[ch] = sb;
        });
    }

    // ---------------------------------------------------------------- helpers

    private static double[]? Values(Tensor? t, int expected)
    {
        if (t == null) return null;
        using var d = t.To(DType.Float64);
        var v = d.ToArray<double>();
        return v.Length == expected ? v : throw new ArgumentException($"normalization: affine parameter has {v.Length} elements, expected {expected}.");
    }

    private static double SumOf<T>(ReadOnlySpan<T> v) where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float))
        {
            // Blocks of 256 floats summed with SIMD, the block sums accumulated in double.
            var f = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(v);
            double acc = 0;
            for (int i = 0; i < f.Length; i += 256) acc += System.Numerics.Tensors.TensorPrimitives.Sum(f.Slice(i, Math.Min(256, f.Length - i)));
            return acc;
        }
        double sum = 0;
        foreach (var e in v) sum += double.CreateTruncating(e);
        return sum;
    }

    private static double SquaredDeviations<T>(ReadOnlySpan<T> v, double mean) where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated)
        {
            // Blocks of Block floats: (x - mean)^2 summed with SIMD in float, the block sums accumulated in double.
            var f = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(v);
            double acc = 0;
            for (int i = 0; i < f.Length; i += Block) acc += FloatSimd.SquaredDeviations(f.Slice(i, Math.Min(Block, f.Length - i)), (float)mean);
            return acc;
        }
        double sq = 0;
        foreach (var e in v)
        {
            double dv = double.CreateTruncating(e) - mean;
            sq += dv * dv;
        }
        return sq;
    }

    private static void Affine<T>(ReadOnlySpan<T> x, double scale, double shift, Span<T> y) where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float))
        {
            var xf = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(x);
            var yf = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(y);
            FloatSimd.Affine(xf, (float)scale, (float)shift, yf);
            return;
        }
        for (int i = 0; i < x.Length; i++) y[i] = T.CreateTruncating(double.CreateTruncating(x[i]) * scale + shift);
    }
}
