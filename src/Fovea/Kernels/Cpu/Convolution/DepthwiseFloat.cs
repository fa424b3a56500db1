// Depthwise 2-d convolution (one input channel per group) in float32 with SIMD. The loops walk output rows: for each
// tap (ki, kj) the output columns whose input column falls inside the image form one contiguous range, so the inner
// loop is a branch-free multiply-add over a row (vectorised when the stride is 1). The plain loops in
// CpuConvolutionKernels stay the reference (float64, 3-d and machines without SIMD).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Fovea.Kernels.Cpu;

internal static unsafe class DepthwiseFloat
{
    /// <summary>Whether the SIMD path handles this geometry (2-d, on hardware with 256-bit vectors).</summary>
    public static bool Handles(ConvGeometry g) => g.KD == 1 && g.D == 1 && Vector256.IsHardwareAccelerated;

    // The output columns ow in [lo, hi) whose input column ow * stride + offset lies in [0, inLen).
    private static (int Lo, int Hi) Valid(int outLen, int inLen, int stride, int offset)
    {
        int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int hi = offset > inLen - 1 ? 0 : Math.Min(outLen, (inLen - 1 - offset) / stride + 1);
        return (lo, Math.Max(lo, hi));
    }

    /// <summary>
    /// One output plane: y = clamp(bias + sum over taps of w[tap] * (shifted input plane), min, max). With 512-bit
    /// vectors and stride 1 or 2 the plane is first copied into a zero-padded scratch plane, so that every output column
    /// reads inside it: 16 output columns at a time then sum all taps in a register and are stored once, clamped. Other
    /// strides (and machines without AVX-512) go tap by tap over each row, skipping the taps that fall outside.
    /// Either way an output is bias then one FMA per tap in (ki, kj) order (padding adds w * 0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(float[] x, int xPlane, float[] w, int wBase, float[] y, int yPlane, float bias, ConvGeometry g,
        float min = float.NegativeInfinity, float max = float.PositiveInfinity)
    {
        int sw = g.Stride.W;
        if (!Vector512.IsHardwareAccelerated || !(sw == 1 || (sw == 2 && Avx512F.IsSupported)) || g.Taps > 64)
        {
            ForwardByTaps(x, xPlane, w, wBase, y, yPlane, bias, g, min, max);
            return;
        }
        int chunks = (g.OW + 15) / 16, ph = g.H + g.Pad.Top + g.Pad.Bottom;
        int pw = Math.Max(g.W + g.Pad.Left + g.Pad.Right, chunks * 16 * sw + (g.KW - 1) * g.Dilation.W + 16);
        // The padded plane, then a 16-float tail.
        int floats = ph * pw + 16;
        var padded = _padded is { } b && b.Length >= floats ? b : _padded = GC.AllocateUninitializedArray<float>(floats);
        var taps = stackalloc float[g.Taps];
        for (int t = 0; t < g.Taps; t++) taps[t] = w[wBase + t];
        var vmin = Vector512.Create(min);
        var vmax = Vector512.Create(max);
        bool clamp = !float.IsNegativeInfinity(min) || !float.IsPositiveInfinity(max);
        fixed (float* px = x, pp = padded, py = y)
        {
            PaddedPlane.Copy(px + xPlane, g.H, g.W, g.Pad.Top, g.Pad.Left, 1, 1, pp, ph, pw);
            float* tail = pp + ph * pw;   // the last chunk of a row when OW is not a multiple of 16
            // Blocks of four (row, 16-column chunk) pairs: four independent sums hide the FMA latency.
            int pieces = g.OH * chunks;
            var at = stackalloc float*[4];
            var to = stackalloc float*[4];
            var width = stackalloc int[4];
            for (int i0 = 0; i0 < pieces; i0 += 4)
            {
                int count = Math.Min(4, pieces - i0);
                for (int u = 0; u < 4; u++)
                {
                    int i = i0 + Math.Min(u, count - 1), oh = i / chunks, c = i % chunks;
                    at[u] = pp + oh * g.Stride.H * pw + c * 16 * sw;
                    to[u] = py + yPlane + oh * g.OW + c * 16;
                    width[u] = Math.Min(16, g.OW - c * 16);
                }
                Vector512<float> a0 = Vector512.Create(bias), a1 = a0, a2 = a0, a3 = a0;
                for (int ki = 0; ki < g.KH; ki++)
                    for (int kj = 0; kj < g.KW; kj++)
                    {
                        int off = ki * g.Dilation.H * pw + kj * g.Dilation.W;
                        var wv = Vector512.Create(taps[ki * g.KW + kj]);
                        a0 = Vector512.FusedMultiplyAdd(wv, Row(at[0] + off, sw), a0);
                        a1 = Vector512.FusedMultiplyAdd(wv, Row(at[1] + off, sw), a1);
                        a2 = Vector512.FusedMultiplyAdd(wv, Row(at[2] + off, sw), a2);
                        a3 = Vector512.FusedMultiplyAdd(wv, Row(at[3] + off, sw), a3);
                    }
                Put(a0, to[0], width[0], tail, clamp, vmin, vmax);
                if (count > 1) Put(a1, to[1], width[1], tail, clamp, vmin, vmax);
                if (count > 2) Put(a2, to[2], width[2], tail, clamp, vmin, vmax);
                if (count > 3) Put(a3, to[3], width[3], tail, clamp, vmin, vmax);
            }
        }
    }

    // 16 consecutive outputs' inputs for one tap: 16 floats, or the even ones of 32 for stride 2.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Row(float* p, int stride) =>
        stride == 1 ? Vector512.Load(p) : Avx512F.PermuteVar16x32x2(Vector512.Load(p), PaddedPlane.Evens, Vector512.Load(p + 16));

    // Stores the first `width` lanes of acc (clamped), through `tail` when fewer than 16.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(Vector512<float> acc, float* dst, int width, float* tail, bool clamp, Vector512<float> vmin, Vector512<float> vmax)
    {
        if (clamp) acc = Vector512.Min(Vector512.Max(acc, vmin), vmax);   // NaN propagates, as torch.clamp
        if (width == 16)
        {
            acc.Store(dst);
            return;
        }
        acc.Store(tail);
        new ReadOnlySpan<float>(tail, width).CopyTo(new Span<float>(dst, width));
    }

    [ThreadStatic] private static float[]? _padded;

    // The tap-by-tap form: for each row, y = bias, then y += w * x over the columns each tap sees inside the image.
    private static void ForwardByTaps(float[] x, int xPlane, float[] w, int wBase, float[] y, int yPlane, float bias, ConvGeometry g, float min, float max)
    {
        bool clamp = !float.IsNegativeInfinity(min) || !float.IsPositiveInfinity(max);
        fixed (float* px = x, pw = w, py = y)
            for (int oh = 0; oh < g.OH; oh++)
            {
                float* yRow = py + yPlane + oh * g.OW;
                new Span<float>(yRow, g.OW).Fill(bias);
                for (int ki = 0; ki < g.KH; ki++)
                {
                    int ih = oh * g.Stride.H - g.Pad.Top + ki * g.Dilation.H;
                    if ((uint)ih >= (uint)g.H) continue;
                    float* xRow = px + xPlane + ih * g.W;
                    for (int kj = 0; kj < g.KW; kj++)
                    {
                        int off = kj * g.Dilation.W - g.Pad.Left;
                        var (lo, hi) = Valid(g.OW, g.W, g.Stride.W, off);
                        Axpy(pw[wBase + ki * g.KW + kj], xRow + off, g.Stride.W, yRow, lo, hi);
                    }
                }
                if (clamp)
                {
                    var row = new Span<float>(yRow, g.OW);
                    System.Numerics.Tensors.TensorPrimitives.Max(row, min, row);   // NaN propagates, as torch.clamp
                    System.Numerics.Tensors.TensorPrimitives.Min(row, max, row);
                }
            }
    }

    /// <summary>One input-gradient plane (channel c): every output channel of c's group scatters back through its taps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardInput(float[] dy, int dyImage, float[] w, int wo, float[] dx, int dxPlane, int c, ConvGeometry g)
    {
        fixed (float* pdy = dy, pw = w, pdx = dx)
            for (int m = 0; m < g.OPerGroup; m++)
            {
                int o = c * g.OPerGroup + m;
                for (int oh = 0; oh < g.OH; oh++)
                {
                    float* dyRow = pdy + dyImage + o * g.OutPlane + oh * g.OW;
                    for (int ki = 0; ki < g.KH; ki++)
                    {
                        int ih = oh * g.Stride.H - g.Pad.Top + ki * g.Dilation.H;
                        if ((uint)ih >= (uint)g.H) continue;
                        float* dxRow = pdx + dxPlane + ih * g.W;
                        for (int kj = 0; kj < g.KW; kj++)
                        {
                            int off = kj * g.Dilation.W - g.Pad.Left;
                            var (lo, hi) = Valid(g.OW, g.W, g.Stride.W, off);
                            float wv = pw[wo + o * g.Taps + ki * g.KW + kj];
                            if (g.Stride.W == 1) Axpy(wv, dyRow, 1, dxRow + off, lo, hi);
                            else
                                for (int ow = lo; ow < hi; ow++) dxRow[ow * g.Stride.W + off] += wv * dyRow[ow];
                        }
                    }
                }
            }
    }

    /// <summary>The weight gradient of output channel o: per tap, the sum over images and rows of dy . shifted x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeight(float[] dy, int dyo, float[] x, int xo, float[] dw, int dwBase, int o, ConvGeometry g)
    {
        int c = o / g.OPerGroup;
        Span<double> acc = stackalloc double[g.Taps];
        acc.Clear();
        fixed (float* pdy = dy, px = x)
            for (int n = 0; n < g.N; n++)
            {
                float* dyPlane = pdy + dyo + (n * g.O + o) * g.OutPlane, xPlane = px + xo + (n * g.C + c) * g.InPlane;
                for (int ki = 0; ki < g.KH; ki++)
                    for (int kj = 0; kj < g.KW; kj++)
                    {
                        int off = kj * g.Dilation.W - g.Pad.Left;
                        var (lo, hi) = Valid(g.OW, g.W, g.Stride.W, off);
                        float sum = 0;
                        for (int oh = 0; oh < g.OH; oh++)
                        {
                            int ih = oh * g.Stride.H - g.Pad.Top + ki * g.Dilation.H;
                            if ((uint)ih >= (uint)g.H) continue;
                            sum += Dot(dyPlane + oh * g.OW, xPlane + ih * g.W + off, g.Stride.W, lo, hi);
                        }
                        acc[ki * g.KW + kj] += sum;
                    }
            }
        for (int t = 0; t < g.Taps; t++) dw[dwBase + t] = (float)acc[t];
    }

    // y[i] += a * x[i * stride] for i in [lo, hi).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy(float a, float* x, int stride, float* y, int lo, int hi)
    {
        int i = lo;
        if (stride == 1)
        {
            var va = Vector256.Create(a);
            for (; i + 8 <= hi; i += 8)
                Vector256.FusedMultiplyAdd(va, Vector256.Load(x + i), Vector256.Load(y + i)).Store(y + i);
            for (; i < hi; i++) y[i] = MathF.FusedMultiplyAdd(a, x[i], y[i]);
            return;
        }
        for (; i < hi; i++) y[i] = MathF.FusedMultiplyAdd(a, x[i * stride], y[i]);
    }

    // sum over i in [lo, hi) of dy[i] * x[i * stride].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(float* dy, float* x, int stride, int lo, int hi)
    {
        int i = lo;
        float s = 0;
        if (stride == 1)
        {
            var acc = Vector256<float>.Zero;
            for (; i + 8 <= hi; i += 8) acc = Vector256.FusedMultiplyAdd(Vector256.Load(dy + i), Vector256.Load(x + i), acc);
            s = Vector256.Sum(acc);
        }
        for (; i < hi; i++) s = MathF.FusedMultiplyAdd(dy[i], x[i * stride], s);
        return s;
    }
}
