// Resampling on the CPU: separable interpolation as per-axis taps (nearest: 1, linear: 2, cubic: 4), one
// task per plane, so results do not depend on the thread count.
using System.Numerics;
using Fovea.Runtime.Threading;

namespace Fovea.Kernels.Cpu;

internal sealed partial class CpuResamplingKernels : IResamplingKernels
{
    public static readonly CpuResamplingKernels Instance = new();

    public void Resample(Tensor x, Tensor y, int planes, ResampleTaps h, ResampleTaps w)
    {
        if (x.DType == DType.Float64) Resample<double>(x, y, planes, h, w); else Resample<float>(x, y, planes, h, w);
    }

    public void ResampleAdjoint(Tensor dy, Tensor dx, int planes, ResampleTaps h, ResampleTaps w)
    {
        if (dy.DType == DType.Float64) ResampleAdjoint<double>(dy, dx, planes, h, w); else ResampleAdjoint<float>(dy, dx, planes, h, w);
    }

    private static T[] Weights<T>(ResampleTaps t) where T : INumber<T> => Array.ConvertAll(t.Weight, T.CreateTruncating);

    private static void Resample<T>(Tensor xt, Tensor yt, int planes, ResampleTaps th, ResampleTaps tw) where T : unmanaged, INumber<T>
    {
        T[] x = xt.RawArray<T>(), y = yt.RawArray<T>(), wh = Weights<T>(th), ww = Weights<T>(tw);
        int xo = xt.Offset, yo = yt.Offset, inW = tw.In, inPlane = th.In * tw.In, outPlane = th.Out * tw.Out, kh = th.K, kw = tw.K;
        WorkerPool.For(planes, p =>
        {
            int xp = xo + p * inPlane, o = yo + p * outPlane;
            for (int oh = 0; oh < th.Out; oh++)
                for (int ow = 0; ow < tw.Out; ow++, o++)
                {
                    T acc = T.Zero;
                    for (int i = 0; i < kh; i++)
                    {
                        int row = xp + th.Index[oh * kh + i] * inW;
                        T racc = T.Zero;
                        for (int j = 0; j < kw; j++) racc += ww[ow * kw + j] * x[row + tw.Index[ow * kw + j]];
                        acc += wh[oh * kh + i] * racc;
                    }
                    y[o] = acc;
                }
        });
    }

    private static void ResampleAdjoint<T>(Tensor dyt, Tensor dxt, int planes, ResampleTaps th, ResampleTaps tw) where T : unmanaged, INumber<T>
    {
        T[] dy = dyt.RawArray<T>(), dx = dxt.RawArray<T>(), wh = Weights<T>(th), ww = Weights<T>(tw);
        int dyo = dyt.Offset, dxo = dxt.Offset, inW = tw.In, inPlane = th.In * tw.In, outPlane = th.Out * tw.Out, kh = th.K, kw = tw.K;
        WorkerPool.For(planes, p =>
        {
            int xp = dxo + p * inPlane, o = dyo + p * outPlane;
            dx.AsSpan(xp, inPlane).Clear();
            for (int oh = 0; oh < th.Out; oh++)
                for (int ow = 0; ow < tw.Out; ow++, o++)
                {
                    T g = dy[o];
                    for (int i = 0; i < kh; i++)
                    {
                        int row = xp + th.Index[oh * kh + i] * inW;
                        T gh = wh[oh * kh + i] * g;
                        for (int j = 0; j < kw; j++) dx[row + tw.Index[ow * kw + j]] += ww[ow * kw + j] * gh;
                    }
                }
        });
    }
}
