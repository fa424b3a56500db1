// Small float32 loops shared by the normalisation kernels, with Vector256 bodies and scalar tails that use the same
// fused multiply-adds, so an element's value does not depend on whether it fell in a vector or in the tail. Sums
// are reduced in a fixed lane order and returned as double; callers keep spans short (a block) and add the block
// sums in double.
using System.Runtime.Intrinsics;

namespace Fovea.Kernels.Cpu;

internal static class FloatSimd
{
    private const int W = 8;

    /// <summary>(sum a, sum a * (b - m)) over equal-length spans.</summary>
    public static (double Sum, double Dot) SumAndCenteredDot(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float m)
    {
        int i = 0, n = a.Length;
        float sum = 0, dot = 0;
        if (Vector256.IsHardwareAccelerated && n >= W)
        {
            Vector256<float> vs = Vector256<float>.Zero, vd = Vector256<float>.Zero, vm = Vector256.Create(m);
            for (; i <= n - W; i += W)
            {
                var va = Vector256.Create(a.Slice(i, W));
                vs += va;
                vd = Vector256.FusedMultiplyAdd(va, Vector256.Create(b.Slice(i, W)) - vm, vd);
            }
            sum = Vector256.Sum(vs);
            dot = Vector256.Sum(vd);
        }
        for (; i < n; i++)
        {
            sum += a[i];
            dot = MathF.FusedMultiplyAdd(a[i], b[i] - m, dot);
        }
        return (sum, dot);
    }

    /// <summary>sum (v - m)^2.</summary>
    public static double SquaredDeviations(ReadOnlySpan<float> v, float m)
    {
        int i = 0, n = v.Length;
        float sq = 0;
        if (Vector256.IsHardwareAccelerated && n >= W)
        {
            Vector256<float> acc = Vector256<float>.Zero, vm = Vector256.Create(m);
            for (; i <= n - W; i += W)
            {
                var d = Vector256.Create(v.Slice(i, W)) - vm;
                acc = Vector256.FusedMultiplyAdd(d, d, acc);
            }
            sq = Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            float d = v[i] - m;
            sq = MathF.FusedMultiplyAdd(d, d, sq);
        }
        return sq;
    }

    /// <summary>y = x * scale + shift (fused).</summary>
    public static void Affine(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        int i = 0, n = x.Length;
        if (y.Length < n) throw new ArgumentException("FloatSimd.Affine: destination is shorter than the source.");
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vs = Vector256.Create(scale), vb = Vector256.Create(shift);
            for (; i <= n - W; i += W)
                Vector256.FusedMultiplyAdd(Vector256.Create(x.Slice(i, W)), vs, vb).CopyTo(y.Slice(i, W));
        }
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(x[i], scale, shift);
    }

    /// <summary>y = k * a - kp * (b - m) + shift (the batch-norm input gradient).</summary>
    public static void ScaledCenteredDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float m, float k, float kp, float shift, Span<float> y)
    {
        int i = 0, n = a.Length;
        if (b.Length < n || y.Length < n) throw new ArgumentException("FloatSimd.ScaledCenteredDifference: spans of different lengths.");
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vk = Vector256.Create(k), vkp = Vector256.Create(-kp), vm = Vector256.Create(m), vs = Vector256.Create(shift);
            for (; i <= n - W; i += W)
            {
                var t = Vector256.FusedMultiplyAdd(vkp, Vector256.Create(b.Slice(i, W)) - vm, vs);
                Vector256.FusedMultiplyAdd(vk, Vector256.Create(a.Slice(i, W)), t).CopyTo(y.Slice(i, W));
            }
        }
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(k, a[i], MathF.FusedMultiplyAdd(-kp, b[i] - m, shift));
    }
}
