// Max and average pooling on the CPU, one task per plane (an (N, C) pair), so results do not depend on the
// thread count. All pools are 3-d pools whose unused axes have size 1 (see PoolWindows); adaptive pools only
// differ in their windows. Index gathers and scatters serve the max pools' backward and max-unpooling.
using System.Numerics;
using Fovea.Runtime.Threading;

namespace Fovea.Kernels.Cpu;

internal sealed class CpuPoolingKernels : IPoolingKernels
{
    public static readonly CpuPoolingKernels Instance = new();

    public void MaxForward(Tensor x, Tensor y, Tensor idx, PoolWindows win)
    {
        if (x.DType == DType.Float64) MaxForward<double>(x, y, idx, win); else MaxForward<float>(x, y, idx, win);
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
