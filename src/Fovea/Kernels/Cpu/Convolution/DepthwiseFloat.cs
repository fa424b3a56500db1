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
    /// vectors and stride 1 or 2, the columns every tap sees inside the image are computed 16 at a time with all taps
    /// summed in a register (one store per output); the border columns and other strides go tap by tap over the row.
    /// Either way each output is bias then one FMA per tap in (ki, kj) order, so both give the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(float[] x, int xPlane, float[] w, int wBase, float[] y, int yPlane, float bias, ConvGeometry g,
        float min = float.NegativeInfinity, float max = float.PositiveInfinity)
    {
        int sw = g.Stride.W;
        bool registers = Vector512.IsHardwareAccelerated && (sw == 1 || (sw == 2 && Avx512F.IsSupported)) && g.Taps <= 64;
        // The interior: output columns whose every tap reads inside the row.
        int inLo = 0, inHi = g.OW;
        for (int kj = 0; kj < g.KW; kj++)
        {
            var (lo, hi) = Valid(g.OW, g.W, sw, kj * g.Dilation.W - g.Pad.Left);
            inLo = Math.Max(inLo, lo);
            inHi = Math.Min(inHi, hi);
        }
        bool clamp = !float.IsNegativeInfinity(min) || !float.IsPositiveInfinity(max);
        var rows = stackalloc float*[g.KH];
        var taps = stackalloc float[g.KH * g.KW];
        fixed (float* px = x, pw = w, py = y)
            for (int oh = 0; oh < g.OH; oh++)
            {
                float* yRow = py + yPlane + oh * g.OW;
                int valid = 0;
                for (int ki = 0; ki < g.KH; ki++)
                {
                    int ih = oh * g.Stride.H - g.Pad.Top + ki * g.Dilation.H;
                    if ((uint)ih >= (uint)g.H) continue;
                    rows[valid] = px + xPlane + ih * g.W - g.Pad.Left;
                    for (int kj = 0; kj < g.KW; kj++) taps[valid * g.KW + kj] = pw[wBase + ki * g.KW + kj];
                    valid++;
                }
                int ow = 0;
                if (registers && inHi - inLo >= 16)
                {
                    // Tap by tap over the left border, registers over the interior, tap by tap over the right border.
                    RowByTaps(rows, taps, valid, yRow, bias, g, 0, inLo);
                    // Stride 2 reads 32 columns per tap: the last one must still be in the row.
                    int lastTap = (g.KW - 1) * g.Dilation.W - g.Pad.Left;
                    for (ow = inLo; ow + 16 <= inHi && (sw == 1 || ow * 2 + lastTap + 32 <= g.W); ow += 16)
                    {
                        var acc = Vector512.Create(bias);
                        for (int r = 0; r < valid; r++)
                            for (int kj = 0; kj < g.KW; kj++)
                            {
                                float* p = rows[r] + ow * sw + kj * g.Dilation.W;
                                var v = sw == 1 ? Vector512.Load(p) : Avx512F.PermuteVar16x32x2(Vector512.Load(p), Evens, Vector512.Load(p + 16));
                                acc = Vector512.FusedMultiplyAdd(Vector512.Create(taps[r * g.KW + kj]), v, acc);
                            }
                        acc.Store(yRow + ow);
                    }
                }
                RowByTaps(rows, taps, valid, yRow, bias, g, ow, g.OW);
                if (clamp)
                {
                    var row = new Span<float>(yRow, g.OW);
                    System.Numerics.Tensors.TensorPrimitives.Max(row, min, row);   // NaN propagates, as torch.clamp
                    System.Numerics.Tensors.TensorPrimitives.Min(row, max, row);
                }
            }
    }

    private static readonly Vector512<int> Evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);

    // Output columns [from, to) of one row, tap by tap: y = bias, then y += w * x over the columns each tap sees.
    private static void RowByTaps(float** rows, float* taps, int valid, float* yRow, float bias, ConvGeometry g, int from, int to)
    {
        if (to <= from) return;
        new Span<float>(yRow + from, to - from).Fill(bias);
        for (int r = 0; r < valid; r++)
            for (int kj = 0; kj < g.KW; kj++)
            {
                int off = kj * g.Dilation.W - g.Pad.Left;
                var (lo, hi) = Valid(g.OW, g.W, g.Stride.W, off);
                Axpy(taps[r * g.KW + kj], rows[r] + g.Pad.Left + off, g.Stride.W, yRow, Math.Max(lo, from), Math.Min(hi, to));
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
