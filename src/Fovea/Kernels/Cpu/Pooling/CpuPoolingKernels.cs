// Max and average pooling on the CPU, one task per plane (an (N, C) pair), so results do not depend on the
// thread count. All pools are 3-d pools whose unused axes have size 1 (see PoolWindows); adaptive pools only
// differ in their windows. Index gathers and scatters serve the max pools' backward and max-unpooling.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Fovea.Runtime.Threading;

namespace Fovea.Kernels.Cpu;

internal sealed class CpuPoolingKernels : IPoolingKernels
{
    public static readonly CpuPoolingKernels Instance = new();

    public void MaxForward(Tensor x, Tensor y, Tensor idx, PoolWindows win)
    {
        if (x.DType == DType.Float64) MaxForward<double>(x, y, idx, win); else MaxForward<float>(x, y, idx, win);
    }

    // Without indices (inference), float32 2-d windows take two passes per output row: the maximum down the window's
    // rows for every input column (SIMD), then across each window's columns. Other cases compute indices and drop them.
    public void MaxForwardValues(Tensor x, Tensor y, PoolWindows w)
    {
        if (x.DType != DType.Float32 || w.D.In != 1 || w.D.Out != 1 || w.W.Kernel == 0 || TileSize(w) == 2)
        {
            using var idx = Tensor.Empty(y.Shape, DType.Int64);
            MaxForward(x, y, idx, w);
            return;
        }
        float[] xa = x.RawArray<float>(), ya = y.RawArray<float>();
        int xo = x.Offset, yo = y.Offset, inPlane = w.InPlane, outPlane = w.OutPlane;
        if (Avx512F.IsSupported && w.W.Kernel == 3 && w.W.Stride == 2 && w.W.Step == 1 && w.H.Step == 1 && w.W.Pad + w.W.In <= (w.W.Out + 15) / 16 * 32 + 18)
            WorkerPool.For(w.Planes, p => MaxValuesPlane3x2(xa.AsSpan(xo + p * inPlane, inPlane), w.W.In, w.H, w.W, ya.AsSpan(yo + p * outPlane, outPlane)));
        else
            WorkerPool.For(w.Planes, p => MaxValuesPlane2d(xa.AsSpan(xo + p * inPlane, inPlane), w.W.In, w.H, w.W, ya.AsSpan(yo + p * outPlane, outPlane)));
    }

    [ThreadStatic] private static float[]? _rowMax, _rowWindowMax;

    // Per output row: the maximum down the window's rows into a row padded with -infinity on both sides (so every
    // window is kernel taps of one padded row), then the maximum over the taps for every start column (SIMD, one pass per
    // tap), sampled every stride. -infinity never wins over a value, and NaN propagates through TensorPrimitives.Max.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxValuesPlane2d(ReadOnlySpan<float> x, int wi, PoolAxis ah, PoolAxis aw, Span<float> y)
    {
        int outW = aw.Out, k = aw.Kernel, stride = aw.Stride, pad = aw.Pad, step = aw.Step;
        int starts = (outW - 1) * stride + 1, width = Math.Max(pad + wi, starts + (k - 1) * step);
        var m = _rowMax is { } r && r.Length >= width ? r.AsSpan(0, width) : (_rowMax = new float[width]).AsSpan();
        var hm = _rowWindowMax is { } q && q.Length >= starts ? q.AsSpan(0, starts) : (_rowWindowMax = new float[starts]).AsSpan();
        m[..pad].Fill(float.NegativeInfinity);
        m[(pad + wi)..].Fill(float.NegativeInfinity);
        var row = m.Slice(pad, wi);
        for (int oh = 0; oh < ah.Out; oh++)
        {
            int h0 = ah.Start[oh], h1 = ah.End[oh];
            x.Slice(h0 * wi, wi).CopyTo(row);
            for (int h = h0 + ah.Step; h < h1; h += ah.Step) System.Numerics.Tensors.TensorPrimitives.Max(row, x.Slice(h * wi, wi), row);
            m[..starts].CopyTo(hm);
            for (int t = 1; t < k; t++) System.Numerics.Tensors.TensorPrimitives.Max(hm, m.Slice(t * step, starts), hm);
            var yr = y.Slice(oh * outW, outW);
            if (stride == 1) hm.CopyTo(yr);
            else for (int ow = 0; ow < outW; ow++) yr[ow] = hm[ow * stride];
        }
    }

    // 3-wide windows at stride 2 along rows (ResNet's stem pool, 3x3 / 2): after the maximum down the window's rows into
    // the padded row m, output ow is the maximum of padded columns 2ow .. 2ow + 2: 16 outputs are the even lanes of
    // the maximum of three 32-float loads one column apart.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MaxValuesPlane3x2(ReadOnlySpan<float> x, int wi, PoolAxis ah, PoolAxis aw, Span<float> y)
    {
        int outW = aw.Out, pad = aw.Pad, width = (outW + 15) / 16 * 32 + 18;
        var m = _rowMax is { } r && r.Length >= width ? r.AsSpan(0, width) : (_rowMax = new float[width]).AsSpan();
        m.Fill(float.NegativeInfinity);
        var row = m.Slice(pad, wi);
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        fixed (float* pm = m, py = y)
            for (int oh = 0; oh < ah.Out; oh++)
            {
                int h0 = ah.Start[oh], h1 = ah.End[oh];
                x.Slice(h0 * wi, wi).CopyTo(row);
                for (int h = h0 + 1; h < h1; h++) System.Numerics.Tensors.TensorPrimitives.Max(row, x.Slice(h * wi, wi), row);
                float* yr = py + (long)oh * outW;
                for (int ow = 0; ow < outW; ow += 16)
                {
                    float* at = pm + 2 * ow;
                    var lo = Vector512.Max(Vector512.Max(Vector512.Load(at), Vector512.Load(at + 1)), Vector512.Load(at + 2));
                    var hi = Vector512.Max(Vector512.Max(Vector512.Load(at + 16), Vector512.Load(at + 17)), Vector512.Load(at + 18));
                    var v = Avx512F.PermuteVar16x32x2(lo, evens, hi);
                    if (ow + 16 <= outW) v.Store(yr + ow);
                    else Avx512F.MaskStore(yr + ow, LaneMask.First(outW - ow), v);
                }
            }
    }

    public void AvgForward(Tensor x, Tensor y, PoolWindows win)
    {
        if (x.DType == DType.Float64) AvgForward<double>(x, y, win); else AvgForward<float>(x, y, win);
    }

    public void AvgBackward(Tensor dy, Tensor dx, PoolWindows win)
    {
        if (dy.DType == DType.Float64) AvgBackward<double>(dy, dx, win); else AvgBackward<float>(dy, dx, win);
    }

    public void GatherPlanes(Tensor src, Tensor idx, Tensor dst, int planes)
    {
        if (src.DType == DType.Float64) Gather<double>(src, idx, dst, planes); else Gather<float>(src, idx, dst, planes);
    }

    public void ScatterPlanes(Tensor src, Tensor idx, Tensor dst, int planes, bool accumulate)
    {
        if (src.DType == DType.Float64) Scatter<double>(src, idx, dst, planes, accumulate); else Scatter<float>(src, idx, dst, planes, accumulate);
    }

    private static void MaxForward<T>(Tensor xt, Tensor yt, Tensor it, PoolWindows w) where T : unmanaged, INumber<T>
    {
        T[] x = xt.RawArray<T>(), y = yt.RawArray<T>();
        long[] ix = it.RawArray<long>();
        int xo = xt.Offset, yo = yt.Offset, io = it.Offset, inPlane = w.InPlane, outPlane = w.OutPlane;
        int hw = w.H.In * w.W.In, wi = w.W.In;
        if (TileSize(w) == 2)
        {
            if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated && wi % 2 == 0)
            {
                float[] xf = (float[])(object)x, yf = (float[])(object)y;
                WorkerPool.For(w.Planes, p => MaxPlane2x2Simd(xf, xo + p * inPlane, w.H.In, wi, yf, yo + p * outPlane, ix, io + p * outPlane));
            }
            else WorkerPool.For(w.Planes, p => MaxPlane2x2(x, xo + p * inPlane, wi, y, yo + p * outPlane, ix, io + p * outPlane, w.H.Out, w.W.Out));
            return;
        }
        if (w.D.In == 1 && w.D.Out == 1)
        {
            WorkerPool.For(w.Planes, p => MaxPlane2d(x.AsSpan(xo + p * inPlane, inPlane), wi, w.H, w.W, y.AsSpan(yo + p * outPlane, outPlane), ix.AsSpan(io + p * outPlane, outPlane)));
            return;
        }
        WorkerPool.For(w.Planes, p =>
        {
            int xp = xo + p * inPlane, o = p * outPlane;
            for (int od = 0; od < w.D.Out; od++)
                for (int oh = 0; oh < w.H.Out; oh++)
                    for (int ow = 0; ow < w.W.Out; ow++, o++)
                    {
                        int best = w.D.Start[od] * hw + w.H.Start[oh] * wi + w.W.Start[ow];
                        T max = T.Zero;
                        bool any = false;
                        for (int d = w.D.Start[od]; d < w.D.End[od]; d += w.D.Step)
                            for (int h = w.H.Start[oh]; h < w.H.End[oh]; h += w.H.Step)
                                for (int c = w.W.Start[ow]; c < w.W.End[ow]; c += w.W.Step)
                                {
                                    int i = d * hw + h * wi + c;
                                    T v = x[xp + i];
                                    if (!any || v > max || T.IsNaN(v)) { max = v; best = i; any = true; }
                                }
                        y[yo + o] = max;
                        ix[io + o] = best;
                    }
        });
    }

    // The general loop for one 2-d plane (any kernel, stride, padding, dilation), with the window bounds hoisted:
    // the first maximum in scan order wins, and NaN wins over numbers (the last NaN), as in PyTorch.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxPlane2d<T>(ReadOnlySpan<T> x, int wi, PoolAxis ah, PoolAxis aw, Span<T> y, Span<long> ix) where T : unmanaged, INumber<T>
    {
        int[] hs = ah.Start, he = ah.End, ws = aw.Start, we = aw.End;
        int hStep = ah.Step, wStep = aw.Step, outW = aw.Out, o = 0;
        for (int oh = 0; oh < hs.Length; oh++)
        {
            int h0 = hs[oh], h1 = he[oh];
            for (int ow = 0; ow < outW; ow++, o++)
            {
                int c0 = ws[ow], c1 = we[ow], best = h0 * wi + c0;
                T max = T.Zero;
                bool any = false;
                for (int h = h0; h < h1; h += hStep)
                {
                    var row = x.Slice(h * wi);
                    for (int c = c0; c < c1; c += wStep)
                    {
                        T v = row[c];
                        if (!any || v > max || T.IsNaN(v)) { max = v; best = h * wi + c; any = true; }
                    }
                }
                y[o] = max;
                ix[o] = best;
            }
        }
    }

    // k when every window is a k x k tile of a 2-d plane (stride k, no padding, no dilation, nothing clipped), else 0.
    private static int TileSize(PoolWindows w)
    {
        if (w.D.In != 1 || w.D.Out != 1 || w.H.Step != 1 || w.W.Step != 1) return 0;
        int k = w.W.End[0] - w.W.Start[0];
        return IsTiled(w.H, k) && IsTiled(w.W, k) ? k : 0;
    }

    private static bool IsTiled(PoolAxis a, int k)
    {
        for (int o = 0; o < a.Out; o++)
            if (a.Start[o] != o * k || a.End[o] != o * k + k) return false;
        return a.Out > 0;
    }

    // 2x2 tiles of one plane: the same scan order and tie/NaN rules as the general loop (first maximum, NaN wins).
    private static void MaxPlane2x2<T>(T[] x, int xp, int wi, T[] y, int yp, long[] ix, int ip, int oh, int ow) where T : unmanaged, INumber<T>
    {
        for (int r = 0; r < oh; r++)
        {
            int top = 2 * r * wi;
            var row0 = x.AsSpan(xp + top, 2 * ow);
            var row1 = x.AsSpan(xp + top + wi, 2 * ow);
            var yr = y.AsSpan(yp + r * ow, ow);
            var ir = ix.AsSpan(ip + r * ow, ow);
            for (int c = 0; c < ow; c++)
            {
                T a = row0[2 * c], b = row0[2 * c + 1], d = row1[2 * c], e = row1[2 * c + 1];
                T m = a;
                int best = 0;
                if (b > m || T.IsNaN(b)) { m = b; best = 1; }
                if (d > m || T.IsNaN(d)) { m = d; best = wi; }
                if (e > m || T.IsNaN(e)) { m = e; best = wi + 1; }
                yr[c] = m;
                ir[c] = top + 2 * c + best;
            }
        }
    }

    // The float 2x2 pool in two vector passes, equivalent to the scan above: horizontally, each pair (2j, 2j+1) of the
    // flattened plane (W must be even, so pairs never straddle rows) keeps its first maximum (NaN wins); vertically, the
    // pair from the lower row replaces the upper one if it is greater or NaN.
    private static void MaxPlane2x2Simd(float[] x, int xp, int hi, int wi, float[] y, int yp, long[] ix, int ip)
    {
        int oh = hi / 2, ow = wi / 2, pairs = 2 * oh * ow;
        var (hm, hidx) = PairScratch.Get(pairs);
        var plane = x.AsSpan(xp, 2 * oh * wi);
        int j = 0;
        var lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        for (; j <= pairs - 8; j += 8)
        {
            // Even and odd elements of 16 inputs (one permute per 8 puts evens low, odds high).
            var lo = Vector256.Shuffle(Vector256.Create(plane.Slice(2 * j, 8)), Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7));
            var up = Vector256.Shuffle(Vector256.Create(plane.Slice(2 * j + 8, 8)), Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7));
            var even = Vector256.Create(lo.GetLower(), up.GetLower());
            var odd = Vector256.Create(lo.GetUpper(), up.GetUpper());
            var take = Vector256.GreaterThan(odd, even) | ~Vector256.Equals(odd, odd);
            Vector256.ConditionalSelect(take, odd, even).CopyTo(hm.AsSpan(j, 8));
            (Vector256.Create(2 * j) + lanes * 2 - take.AsInt32()).CopyTo(hidx.AsSpan(j, 8));
        }
        for (; j < pairs; j++)
        {
            float a = plane[2 * j], b = plane[2 * j + 1];
            bool take = b > a || float.IsNaN(b);
            hm[j] = take ? b : a;
            hidx[j] = 2 * j + (take ? 1 : 0);
        }
        for (int r = 0; r < oh; r++)
        {
            int top = 2 * r * ow, bottom = top + ow;
            var yr = y.AsSpan(yp + r * ow, ow);
            var ir = ix.AsSpan(ip + r * ow, ow);
            // Vectors of 8 (or 4) columns; the last one is shifted left to end at the row's end, recomputing a few
            // columns with identical results rather than leaving a scalar tail.
            int c = ow;
            if (ow >= 8)
                for (c = 0; c < ow; c += 8)
                {
                    int cc = Math.Min(c, ow - 8);
                    var h0 = Vector256.Create(hm.AsSpan(top + cc, 8));
                    var h1 = Vector256.Create(hm.AsSpan(bottom + cc, 8));
                    var take = Vector256.GreaterThan(h1, h0) | ~Vector256.Equals(h1, h1);
                    Vector256.ConditionalSelect(take, h1, h0).CopyTo(yr.Slice(cc, 8));
                    var (i0, i1) = Vector256.Widen(Vector256.ConditionalSelect(take.AsInt32(), Vector256.Create(hidx.AsSpan(bottom + cc, 8)), Vector256.Create(hidx.AsSpan(top + cc, 8))));
                    i0.CopyTo(ir.Slice(cc, 4));
                    i1.CopyTo(ir.Slice(cc + 4, 4));
                }
            else if (ow >= 4)
                for (c = 0; c < ow; c += 4)
                {
                    int cc = Math.Min(c, ow - 4);
                    var h0 = Vector128.Create(hm.AsSpan(top + cc, 4));
                    var h1 = Vector128.Create(hm.AsSpan(bottom + cc, 4));
                    var take = Vector128.GreaterThan(h1, h0) | ~Vector128.Equals(h1, h1);
                    Vector128.ConditionalSelect(take, h1, h0).CopyTo(yr.Slice(cc, 4));
                    var (i0, i1) = Vector128.Widen(Vector128.ConditionalSelect(take.AsInt32(), Vector128.Create(hidx.AsSpan(bottom + cc, 4)), Vector128.Create(hidx.AsSpan(top + cc, 4))));
                    i0.CopyTo(ir.Slice(cc, 2));
                    i1.CopyTo(ir.Slice(cc + 2, 2));
                }
            else c = 0;
            for (; c < ow; c++)
            {
                float h0 = hm[top + c], h1 = hm[bottom + c];
                bool take = h1 > h0 || float.IsNaN(h1);
                yr[c] = take ? h1 : h0;
                ir[c] = take ? hidx[bottom + c] : hidx[top + c];
            }
        }
    }

    /// <summary>Per-thread buffers for the horizontal pass of the 2x2 pool: pair maxima and their plane indices.</summary>
    private static class PairScratch
    {
        [ThreadStatic] private static float[]? _max;
        [ThreadStatic] private static int[]? _idx;

        public static (float[] Max, int[] Index) Get(int n)
        {
            if (_max == null || _max.Length < n) { _max = new float[n]; _idx = new int[n]; }
            return (_max, _idx!);
        }
    }

    private static void AvgForward<T>(Tensor xt, Tensor yt, PoolWindows w) where T : unmanaged, INumber<T>
    {
        T[] x = xt.RawArray<T>(), y = yt.RawArray<T>();
        int xo = xt.Offset, yo = yt.Offset, inPlane = w.InPlane, outPlane = w.OutPlane, hw = w.H.In * w.W.In, wi = w.W.In;
        WorkerPool.For(w.Planes, p =>
        {
            int xp = xo + p * inPlane, o = yo + p * outPlane;
            for (int od = 0; od < w.D.Out; od++)
                for (int oh = 0; oh < w.H.Out; oh++)
                    for (int ow = 0; ow < w.W.Out; ow++, o++)
                    {
                        T sum = T.Zero;
                        bool any = false;
                        for (int d = w.D.Start[od]; d < w.D.End[od]; d++)
                            for (int h = w.H.Start[oh]; h < w.H.End[oh]; h++)
                                for (int c = w.W.Start[ow]; c < w.W.End[ow]; c++)
                                {
                                    sum += x[xp + d * hw + h * wi + c];
                                    any = true;
                                }
                        y[o] = any ? sum / T.CreateTruncating(w.Divisor(od, oh, ow)) : T.Zero;
                    }
        });
    }

    private static void AvgBackward<T>(Tensor dyt, Tensor dxt, PoolWindows w) where T : unmanaged, INumber<T>
    {
        T[] dy = dyt.RawArray<T>(), dx = dxt.RawArray<T>();
        int dyo = dyt.Offset, dxo = dxt.Offset, inPlane = w.InPlane, outPlane = w.OutPlane, hw = w.H.In * w.W.In, wi = w.W.In;
        WorkerPool.For(w.Planes, p =>
        {
            int xp = dxo + p * inPlane, o = dyo + p * outPlane;
            dx.AsSpan(xp, inPlane).Clear();
            for (int od = 0; od < w.D.Out; od++)
                for (int oh = 0; oh < w.H.Out; oh++)
                    for (int ow = 0; ow < w.W.Out; ow++, o++)
                    {
                        if (w.D.Start[od] >= w.D.End[od] || w.H.Start[oh] >= w.H.End[oh] || w.W.Start[ow] >= w.W.End[ow]) continue;
                        T g = dy[o] / T.CreateTruncating(w.Divisor(od, oh, ow));
                        for (int d = w.D.Start[od]; d < w.D.End[od]; d++)
                            for (int h = w.H.Start[oh]; h < w.H.End[oh]; h++)
                                for (int c = w.W.Start[ow]; c < w.W.End[ow]; c++)
                                    dx[xp + d * hw + h * wi + c] += g;
                    }
        });
    }

    private static void Gather<T>(Tensor st, Tensor it, Tensor dt, int planes) where T : unmanaged
    {
        T[] s = st.RawArray<T>(), d = dt.RawArray<T>();
        long[] ix = it.RawArray<long>();
        int so = st.Offset, io = it.Offset, dso = dt.Offset;
        int sp = planes == 0 ? 0 : st.NumElements / planes, n = planes == 0 ? 0 : it.NumElements / planes;
        WorkerPool.For(planes, p =>
        {
            for (int i = 0; i < n; i++)
            {
                long j = ix[io + p * n + i];
                if ((ulong)j >= (ulong)sp) throw new ArgumentOutOfRangeException(nameof(it), $"Pooling index {j} is out of range for planes of {sp} elements.");
                d[dso + p * n + i] = s[so + p * sp + (int)j];
            }
        });
    }

    private static void Scatter<T>(Tensor st, Tensor it, Tensor dt, int planes, bool accumulate) where T : unmanaged, INumber<T>
    {
        T[] s = st.RawArray<T>(), d = dt.RawArray<T>();
        long[] ix = it.RawArray<long>();
        int so = st.Offset, io = it.Offset, dso = dt.Offset;
        int dp = planes == 0 ? 0 : dt.NumElements / planes, n = planes == 0 ? 0 : it.NumElements / planes;
        WorkerPool.For(planes, p =>
        {
            var plane = d.AsSpan(dso + p * dp, dp);
            plane.Clear();
            for (int i = 0; i < n; i++)
            {
                long j = ix[io + p * n + i];
                if ((ulong)j >= (ulong)dp) throw new ArgumentOutOfRangeException(nameof(it), $"Pooling index {j} is out of range for planes of {dp} elements.");
                T v = s[so + p * n + i];
                plane[(int)j] = accumulate ? plane[(int)j] + v : v;
            }
        });
    }
}
