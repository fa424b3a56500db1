// Depthwise 2-d convolution (one input channel per group) in float32 with SIMD. The loops walk output rows: for each
// tap (ki, kj) the output columns whose input column falls inside the image form one contiguous range, so the inner
// loop is a branch-free multiply-add over a row (vectorised when the stride is 1). The plain loops in
// CpuConvolutionKernels stay the reference (float64, 3-d and machines without SIMD).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Fovea.Runtime.Threading;

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
    /// Output planes t0 .. t1 - 1 of a depthwise convolution (plane t: image t / O, channel t % O), each
    /// y = clamp(bias + sum over taps of w[tap] * (shifted input plane), min, max). With 512-bit vectors and stride 1
    /// or 2, 16 output columns at a time sum all taps in a register and are stored once, clamped, eight output rows at
    /// once (independent sums hide the FMA latency). Taps read the input in place: rows above or below the image read
    /// a row of zeros, and the columns left and right of it are masked out of the loads (in the first and last 16
    /// columns only); what depends only on the shapes is worked out once for the run of planes. Other strides (and
    /// machines without AVX-512) go tap by tap over each row, skipping the taps that fall outside. Either way an output
    /// is bias then one FMA per tap in (ki, kj) order (padding adds w * 0). Input and output planes are
    /// <paramref name="xPlane"/> and <paramref name="yPlane"/> floats apart when those are given (g then describes a strip
    /// of rows of larger planes), else the planes' sizes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    public static void Forward(float[] x, int xo, float[] w, int wo, float[]? bias, int bo, float[] y, int yo, ConvGeometry g, int t0, int t1,
        float min = float.NegativeInfinity, float max = float.PositiveInfinity, long xPlane = 0, long yPlane = 0)
    {
        int sw = g.Stride.W;
        long inPlane = xPlane > 0 ? xPlane : g.InPlane, chw = g.C * inPlane, ohw = yPlane > 0 ? yPlane : g.OutPlane;
        if (!Avx512F.IsSupported || !(sw == 1 || sw == 2) || g.Taps > 64 || g.OH * g.KH > 4096)
        {
            for (int t = t0; t < t1; t++)
            {
                int o = t % g.O;
                ForwardByTaps(x, (int)(xo + t / g.O * chw + o / g.OPerGroup * inPlane), w, wo + o * g.Taps, y, (int)(yo + t * ohw), bias?[bo + o] ?? 0, g, min, max);
            }
            return;
        }
        // The zero row: room on its left for the padding columns, then as far as any load of a padding row reaches (32
        // inputs per load at stride 2).
        int zeroFloats = 3 * g.Pad.Left + 32 * sw + (g.KW - 1) * g.Dilation.W + g.OW * sw + 64;
        var zeros = _zeros is { } z && z.Length >= zeroFloats ? z : _zeros = new float[zeroFloats];
        var taps = stackalloc float[g.Taps];
        var rows = stackalloc float*[g.OH * g.KH];
        // Input row of (oh, ki) in the plane, or -1 for the zero row.
        var inputRow = stackalloc int[g.OH * g.KH];
        for (int oh = 0; oh < g.OH; oh++)
            for (int ki = 0; ki < g.KH; ki++)
            {
                int ih = oh * g.Stride.H - g.Pad.Top + ki * g.Dilation.H;
                inputRow[oh * g.KH + ki] = (uint)ih < (uint)g.H ? ih : -1;
            }
        // Per 16-column chunk and tap column: the loads' masks (input columns inside the image) and first column;
        // a chunk whose loads all fall inside the image needs no masks.
        int chunks = (g.OW + 15) / 16;
        var masks = stackalloc Vector512<float>[chunks * 2 * g.KW];
        var start = stackalloc int[chunks * g.KW];
        var inside = stackalloc bool[chunks];
        for (int c = 0; c < chunks; c++)
        {
            int first = c * 16 * sw - g.Pad.Left, last = first + (sw == 1 ? 15 : 31) + (g.KW - 1) * g.Dilation.W;
            inside[c] = first >= 0 && last < g.W;
            for (int kj = 0; kj < g.KW; kj++)
            {
                int col = first + kj * g.Dilation.W;
                start[c * g.KW + kj] = col;
                var lanes = Vector512<int>.Indices + Vector512.Create(col);
                masks[(c * g.KW + kj) * 2] = InImage(lanes, g.W);
                masks[(c * g.KW + kj) * 2 + 1] = InImage(lanes + Vector512.Create(16), g.W);
            }
        }
        fixed (float* px = x, py = y, pz = zeros)
        {
            // The zero row has room on its left for the padding columns.
            float* zero = pz + g.Pad.Left + 16;
            for (int t = t0; t < t1; t++)
            {
                int o = t % g.O;
                float* plane = px + xo + (t / g.O) * chw + (o / g.OPerGroup) * inPlane;
                for (int j = 0; j < g.OH * g.KH; j++) rows[j] = inputRow[j] < 0 ? zero : plane + (long)inputRow[j] * g.W;
                for (int k = 0; k < g.Taps; k++) taps[k] = w[wo + o * g.Taps + k];
                // Row groups outside, chunks inside: the input is read in order.
                var job = new PlaneJob(rows, taps, masks, start, py + yo + (long)t * ohw, bias?[bo + o] ?? 0, min, max, g);
                for (int oh0 = 0; oh0 < g.OH; oh0 += 8)
                    for (int c = 0; c < chunks; c++)
                    {
                        if (sw == 1 && inside[c]) job.Rows<Inside, Stride1>(c, oh0);
                        else if (sw == 1) job.Rows<Edge, Stride1>(c, oh0);
                        else if (inside[c]) job.Rows<Inside, Stride2>(c, oh0);
                        else job.Rows<Edge, Stride2>(c, oh0);
                    }
            }
        }
    }

    /// <summary>Output planes of several images and channels, over the worker threads in runs of about 4096 outputs (at least eight runs when there are enough planes).</summary>
    public static void ForwardAll(float[] x, int xo, float[] w, int wo, float[]? bias, int bo, float[] y, int yo, ConvGeometry g,
        float min = float.NegativeInfinity, float max = float.PositiveInfinity)
    {
        int planes = g.N * g.O, grain = Math.Clamp(4096 / Math.Max(1, g.OutPlane), 1, Math.Max(1, planes / 8));
        WorkerPool.ForRange(planes, grain, (t0, t1) => Forward(x, xo, w, wo, bias, bo, y, yo, g, t0, t1, min, max));
    }

    // Lanes whose input column lies in [0, w).
    private static Vector512<float> InImage(Vector512<int> cols, int w) =>
        (Vector512.GreaterThanOrEqual(cols, Vector512<int>.Zero) & Vector512.LessThan(cols, Vector512.Create(w))).AsSingle();

    [ThreadStatic] private static float[]? _zeros;

    // Whether a chunk's loads must mask out columns outside the image.
    private interface IColumns
    {
        static abstract bool Masked { get; }
    }

    private struct Inside : IColumns
    {
        public static bool Masked => false;
    }

    private struct Edge : IColumns
    {
        public static bool Masked => true;
    }

    // The column stride of the outputs' inputs.
    private interface IStride
    {
        static abstract bool Two { get; }
    }

    private struct Stride1 : IStride
    {
        public static bool Two => false;
    }

    private struct Stride2 : IStride
    {
        public static bool Two => true;
    }

    private readonly unsafe struct PlaneJob(float** rows, float* taps, Vector512<float>* masks, int* start, float* y, float bias, float min, float max,
        ConvGeometry g)
    {
        // Output columns [16c, 16c + 16) of rows oh0 .. oh0 + 7.
        public void Rows<TC, TS>(int c, int oh0) where TC : struct, IColumns where TS : struct, IStride
        {
            int kh = g.KH, kw = g.KW, ow0 = c * 16, width = Math.Min(16, g.OW - ow0);
            bool clamp = !float.IsNegativeInfinity(min) || !float.IsPositiveInfinity(max);
            var vmin = Vector512.Create(min);
            var vmax = Vector512.Create(max);
            var store = LaneMask.First(width);
            Vector512<float>* chunkMasks = masks + c * kw * 2;
            int* chunkStart = start + c * kw;
            int count = Math.Min(8, g.OH - oh0), lastRow = g.OH - 1;
            // Rows past the last are computed again from the last one and not stored.
            float** r0 = rows + oh0 * kh, r1 = rows + Math.Min(oh0 + 1, lastRow) * kh, r2 = rows + Math.Min(oh0 + 2, lastRow) * kh,
                r3 = rows + Math.Min(oh0 + 3, lastRow) * kh, r4 = rows + Math.Min(oh0 + 4, lastRow) * kh,
                r5 = rows + Math.Min(oh0 + 5, lastRow) * kh, r6 = rows + Math.Min(oh0 + 6, lastRow) * kh,
                r7 = rows + Math.Min(oh0 + 7, lastRow) * kh;
            Vector512<float> a0 = Vector512.Create(bias), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int ki = 0; ki < kh; ki++)
            {
                // The eight rows' pointers for this tap row, in registers for the tap columns' loads.
                float* p0 = r0[ki], p1 = r1[ki], p2 = r2[ki], p3 = r3[ki], p4 = r4[ki], p5 = r5[ki], p6 = r6[ki], p7 = r7[ki];
                float* tapRow = taps + ki * kw;
                for (int kj = 0; kj < kw; kj++)
                {
                    var wv = Vector512.Create(tapRow[kj]);
                    int at = chunkStart[kj];
                    Vector512<float> m0 = TC.Masked ? chunkMasks[2 * kj] : default, m1 = TC.Masked && TS.Two ? chunkMasks[2 * kj + 1] : default;
                    a0 = Vector512.FusedMultiplyAdd(wv, Load<TC, TS>(p0 + at, m0, m1), a0);
                    a1 = Vector512.FusedMultiplyAdd(wv, Load<TC, TS>(p1 + at, m0, m1), a1);
                    a2 = Vector512.FusedMultiplyAdd(wv, Load<TC, TS>(p2 + at, m0, m1), a2);
                    a3 = Vector512.FusedMultiplyAdd(wv, Load<TC, TS>(p3 + at, m0, m1), a3);
                    a4 = Vector512.FusedMultiplyAdd(wv, Load<TC, TS>(p4 + at, m0, m1), a4);
                    a5 = Vector512.FusedMultiplyAdd(wv, Load<TC, TS>(p5 + at, m0, m1), a5);
                    a6 = Vector512.FusedMultiplyAdd(wv, Load<TC, TS>(p6 + at, m0, m1), a6);
                    a7 = Vector512.FusedMultiplyAdd(wv, Load<TC, TS>(p7 + at, m0, m1), a7);
                }
            }
            float* dst = y + (long)oh0 * g.OW + ow0;
            Put(a0, dst, width, store, clamp, vmin, vmax);
            if (count > 1) Put(a1, dst + g.OW, width, store, clamp, vmin, vmax);
            if (count > 2) Put(a2, dst + 2 * g.OW, width, store, clamp, vmin, vmax);
            if (count > 3) Put(a3, dst + 3 * g.OW, width, store, clamp, vmin, vmax);
            if (count > 4) Put(a4, dst + 4 * g.OW, width, store, clamp, vmin, vmax);
            if (count > 5) Put(a5, dst + 5 * g.OW, width, store, clamp, vmin, vmax);
            if (count > 6) Put(a6, dst + 6 * g.OW, width, store, clamp, vmin, vmax);
            if (count > 7) Put(a7, dst + 7 * g.OW, width, store, clamp, vmin, vmax);
        }
    }

    // 16 consecutive outputs' inputs for one tap: 16 floats, or the even ones of 32 for stride 2; masked at the edges.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load<TC, TS>(float* p, Vector512<float> m0, Vector512<float> m1) where TC : struct, IColumns where TS : struct, IStride
    {
        var lo = TC.Masked ? Avx512F.MaskLoad(p, m0, Vector512<float>.Zero) : Vector512.Load(p);
        if (!TS.Two) return lo;
        var hi = TC.Masked ? Avx512F.MaskLoad(p + 16, m1, Vector512<float>.Zero) : Vector512.Load(p + 16);
        // The even lanes of lo:hi, as a constant: a static readonly field's read is not folded in code compiled before the
        // field's class is initialised.
        return Avx512F.PermuteVar16x32x2(lo, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), hi);
    }

    // Stores the first `width` lanes of acc (clamped).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(Vector512<float> acc, float* dst, int width, Vector512<float> mask, bool clamp, Vector512<float> vmin, Vector512<float> vmax)
    {
        if (clamp) acc = Vector512.Min(Vector512.Max(acc, vmin), vmax);   // NaN propagates, as torch.clamp
        if (width == 16) acc.Store(dst);
        else Avx512F.MaskStore(dst, mask, acc);
    }

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
