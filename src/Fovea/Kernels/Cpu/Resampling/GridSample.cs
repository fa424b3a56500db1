// Grid sampling on the CPU (torch.nn.functional.grid_sample, 2-d): bilinear or nearest sampling of
// (N, C, H, W) at normalised grid points, with zeros/border/reflection padding and PyTorch's coordinate and
// gradient rules. Forward: one task per (image, output row). Backward: the input gradient with one task per
// (image, channel) plane, the grid gradient with one task per (image, output row), so no two tasks write the
// same element and results do not depend on the thread count.
using System.Numerics;
using Fovea.Runtime.Threading;

namespace Fovea.Kernels.Cpu;

internal sealed partial class CpuResamplingKernels
{
    public void GridSample(Tensor x, Tensor grid, Tensor y, GridSampleOptions o)
    {
        if (x.DType == DType.Float64) GridForward<double>(x, grid, y, o); else GridForward<float>(x, grid, y, o);
    }

    public void GridSampleBackward(Tensor dy, Tensor x, Tensor grid, Tensor? dx, Tensor? dgrid, GridSampleOptions o)
    {
        if (x.DType == DType.Float64) GridBackward<double>(dy, x, grid, dx, dgrid, o); else GridBackward<float>(dy, x, grid, dx, dgrid, o);
    }

    /// <summary>The pixel coordinate of normalised <paramref name="coord"/> along an axis of <paramref name="size"/>, and d(pixel)/d(coord).</summary>
    private static (T Pixel, T Grad) SourceIndex<T>(T coord, int size, GridSampleOptions o) where T : IFloatingPointIeee754<T>
    {
        T one = T.One, two = one + one, n = T.CreateTruncating(size);
        // unnormalize: -1 and 1 are the corner pixels' centres (alignCorners) or their outer edges.
        T pixel = o.AlignCorners ? (coord + one) / two * (n - one) : ((coord + one) * n - one) / two;
        T grad = o.AlignCorners ? (n - one) / two : n / two;
        if (o.Padding == GridPadding.Border)
        {
            (pixel, T g) = Clip(pixel, size);
            grad *= g;
        }
        else if (o.Padding == GridPadding.Reflection)
        {
            (pixel, T g1) = o.AlignCorners ? Reflect(pixel, T.Zero, two * (n - one)) : Reflect(pixel, -one, two * n - one);
            (pixel, T g2) = Clip(pixel, size);
            grad *= g1 * g2;
        }
        return (pixel, grad);
    }

    // Clamps to [0, size-1]; the border itself counts as clipped (gradient 0), as in PyTorch.
    private static (T, T) Clip<T>(T v, int size) where T : IFloatingPointIeee754<T>
    {
        T max = T.CreateTruncating(size - 1);
        if (v <= T.Zero) return (T.Zero, T.Zero);
        if (v >= max) return (max, T.Zero);
        return (v, T.One);
    }

    // Reflects v into [low, high] where twiceLow = 2 * low and twiceHigh = 2 * high; returns the sign of the slope too.
    private static (T, T) Reflect<T>(T v, T twiceLow, T twiceHigh) where T : IFloatingPointIeee754<T>
    {
        if (twiceLow == twiceHigh) return (T.Zero, T.Zero);
        T two = T.One + T.One, min = twiceLow / two, span = (twiceHigh - twiceLow) / two;
        v -= min;
        T sign = T.One;
        if (v < T.Zero) { sign = -T.One; v = -v; }
        T extra = v % span;
        bool evenFlips = T.Floor(v / span) % two == T.Zero;
        return evenFlips ? (extra + min, sign) : (span - extra + min, -sign);
    }

    /// <summary>The 2-d sample point of grid element (n, oh, ow): pixel coordinates and their derivatives.</summary>
    private readonly record struct Point<T>(T X, T Y, T GradX, T GradY);

    private static Point<T> SamplePoint<T>(T[] g, int at, int h, int w, GridSampleOptions o) where T : IFloatingPointIeee754<T>
    {
        var (x, gx) = SourceIndex(g[at], w, o);
        var (y, gy) = SourceIndex(g[at + 1], h, o);
        return new(x, y, gx, gy);
    }

    private static void GridForward<T>(Tensor xt, Tensor gt, Tensor yt, GridSampleOptions o) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = xt.RawArray<T>(), g = gt.RawArray<T>(), y = yt.RawArray<T>();
        int n = xt.Size(0), c = xt.Size(1), h = xt.Size(2), w = xt.Size(3), oh = yt.Size(2), ow = yt.Size(3);
        int xo = xt.Offset, go = gt.Offset, yo = yt.Offset, hw = h * w, ohw = oh * ow;
        WorkerPool.For(n * oh, t =>
        {
            int b = t / oh, r = t % oh;
            for (int q = 0; q < ow; q++)
            {
                int pix = r * ow + q;
                var p = SamplePoint(g, go + (b * ohw + pix) * 2, h, w, o);
                for (int ch = 0; ch < c; ch++)
                    y[yo + (b * c + ch) * ohw + pix] = Sample(x, xo + (b * c + ch) * hw, h, w, p, o.Nearest);
            }
        });
    }

    private static T Sample<T>(T[] x, int plane, int h, int w, Point<T> p, bool nearest) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (nearest)
        {
            int ix = int.CreateSaturating(T.Round(p.X)), iy = int.CreateSaturating(T.Round(p.Y));
            return Inside(ix, iy, h, w) ? x[plane + iy * w + ix] : T.Zero;
        }
        var k = Corners(p);
        T acc = T.Zero;
        for (int i = 0; i < 4; i++)
        {
            int cx = k.X0 + (i & 1), cy = k.Y0 + (i >> 1);
            if (Inside(cx, cy, h, w)) acc += x[plane + cy * w + cx] * k.Weight(i);
        }
        return acc;
    }

    private static bool Inside(int x, int y, int h, int w) => (uint)x < (uint)w && (uint)y < (uint)h;

    /// <summary>Bilinear corners: (X0, Y0) is the north-west one; corner i = (X0 + (i &amp; 1), Y0 + (i >> 1)).</summary>
    private readonly record struct BilinearCorners<T>(int X0, int Y0, T Fx, T Fy) where T : IFloatingPointIeee754<T>
    {
        // Fx, Fy: distances from the north-west corner.
        public T Weight(int i) => ((i & 1) == 0 ? T.One - Fx : Fx) * ((i >> 1) == 0 ? T.One - Fy : Fy);
        /// <summary>d weight / d x and d weight / d y of corner i.</summary>
        public T DwDx(int i) => ((i & 1) == 0 ? -T.One : T.One) * ((i >> 1) == 0 ? T.One - Fy : Fy);
        public T DwDy(int i) => ((i >> 1) == 0 ? -T.One : T.One) * ((i & 1) == 0 ? T.One - Fx : Fx);
    }

    private static BilinearCorners<T> Corners<T>(Point<T> p) where T : IFloatingPointIeee754<T>
    {
        T fx = T.Floor(p.X), fy = T.Floor(p.Y);
        return new(int.CreateSaturating(fx), int.CreateSaturating(fy), p.X - fx, p.Y - fy);
    }

    private static void GridBackward<T>(Tensor dyt, Tensor xt, Tensor gt, Tensor? dxt, Tensor? dgt, GridSampleOptions o) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] dy = dyt.RawArray<T>(), x = xt.RawArray<T>(), g = gt.RawArray<T>();
        int n = xt.Size(0), c = xt.Size(1), h = xt.Size(2), w = xt.Size(3), oh = dyt.Size(2), ow = dyt.Size(3);
        int dyo = dyt.Offset, xo = xt.Offset, go = gt.Offset, hw = h * w, ohw = oh * ow;
        if (dxt != null)
        {
            T[] dx = dxt.RawArray<T>();
            int dxo = dxt.Offset;
            WorkerPool.For(n * c, t =>
            {
                int b = t / c, plane = dxo + t * hw, gplane = dyo + t * ohw;
                dx.AsSpan(plane, hw).Clear();
                for (int pix = 0; pix < ohw; pix++)
                {
                    var p = SamplePoint(g, go + (b * ohw + pix) * 2, h, w, o);
                    T d = dy[gplane + pix];
                    if (o.Nearest)
                    {
                        int ix = int.CreateSaturating(T.Round(p.X)), iy = int.CreateSaturating(T.Round(p.Y));
                        if (Inside(ix, iy, h, w)) dx[plane + iy * w + ix] += d;
                        continue;
                    }
                    var k = Corners(p);
                    for (int i = 0; i < 4; i++)
                    {
                        int cx = k.X0 + (i & 1), cy = k.Y0 + (i >> 1);
                        if (Inside(cx, cy, h, w)) dx[plane + cy * w + cx] += k.Weight(i) * d;
                    }
                }
            });
        }
        if (dgt == null) return;
        T[] dg = dgt.RawArray<T>();
        int dgo = dgt.Offset;
        if (o.Nearest) { dgt.AsSpan<T>().Clear(); return; }
        WorkerPool.For(n * oh, t =>
        {
            int b = t / oh, r = t % oh;
            for (int q = 0; q < ow; q++)
            {
                int pix = r * ow + q, at = (b * ohw + pix) * 2;
                var p = SamplePoint(g, go + at, h, w, o);
                var k = Corners(p);
                T gx = T.Zero, gy = T.Zero;
                for (int ch = 0; ch < c; ch++)
                {
                    T d = dy[dyo + (b * c + ch) * ohw + pix];
                    int plane = xo + (b * c + ch) * hw;
                    for (int i = 0; i < 4; i++)
                    {
                        int cx = k.X0 + (i & 1), cy = k.Y0 + (i >> 1);
                        if (!Inside(cx, cy, h, w)) continue;
                        T v = x[plane + cy * w + cx] * d;
                        gx += v * k.DwDx(i);
                        gy += v * k.DwDy(i);
                    }
                }
                dg[dgo + at] = gx * p.GradX;
                dg[dgo + at + 1] = gy * p.GradY;
            }
        });
    }
}
