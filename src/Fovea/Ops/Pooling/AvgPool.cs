// Average pooling (torch.nn.functional.avg_pool1d/2d/3d, adaptive_avg_pool1d/2d/3d): linear maps whose
// gradient spreads each output's gradient evenly over its window (see LinearMap).
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// 2-d average pooling of (N, C, H, W) or (C, H, W); <paramref name="stride"/> defaults to the kernel size.
    /// With <paramref name="countIncludePad"/> false, padded positions are left out of the divisor;
    /// <paramref name="divisorOverride"/> replaces the divisor altogether.
    /// </summary>
    public static Tensor AvgPool2d(Tensor x, Size2 kernel, Size2? stride = null, Padding2d? padding = null, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
    {
        Size2 s = stride ?? kernel, p = PoolPadding(padding, "AvgPool2d");
        var spec = new PoolSpec((1, kernel.H, kernel.W), (1, s.H, s.W), (0, p.H, p.W), 1, ceilMode);
        return AvgPool(x, 2, FixedPoolWindows(x, 2, spec, "AvgPool2d", countIncludePad, divisorOverride), "AvgPool2d");
    }

    /// <summary>1-d average pooling of (N, C, L) or (C, L).</summary>
    public static Tensor AvgPool1d(Tensor x, int kernel, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
    {
        var spec = new PoolSpec((1, 1, kernel), (1, 1, stride ?? kernel), (0, 0, padding), 1, ceilMode);
        return AvgPool(x, 1, FixedPoolWindows(x, 1, spec, "AvgPool1d", countIncludePad), "AvgPool1d");
    }

    /// <summary>3-d average pooling of (N, C, D, H, W) or (C, D, H, W).</summary>
    public static Tensor AvgPool3d(Tensor x, Size3 kernel, Size3? stride = null, Size3? padding = null, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
    {
        var spec = new PoolSpec(kernel, stride ?? kernel, padding ?? 0, 1, ceilMode);
        return AvgPool(x, 3, FixedPoolWindows(x, 3, spec, "AvgPool3d", countIncludePad, divisorOverride), "AvgPool3d");
    }

    /// <summary>Adaptive 2-d average pooling to an output of <paramref name="output"/> (windows [floor(i*in/out), ceil((i+1)*in/out))).</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor x, Size2 output) =>
        AvgPool(x, 2, AdaptivePoolWindows(x, 2, (1, output.H, output.W), "AdaptiveAvgPool2d"), "AdaptiveAvgPool2d");

    /// <summary>Adaptive 1-d average pooling to length <paramref name="output"/>.</summary>
    public static Tensor AdaptiveAvgPool1d(Tensor x, int output) =>
        AvgPool(x, 1, AdaptivePoolWindows(x, 1, (1, 1, output), "AdaptiveAvgPool1d"), "AdaptiveAvgPool1d");

    /// <summary>Adaptive 3-d average pooling to an output of <paramref name="output"/>.</summary>
    public static Tensor AdaptiveAvgPool3d(Tensor x, Size3 output) =>
        AvgPool(x, 3, AdaptivePoolWindows(x, 3, output, "AdaptiveAvgPool3d"), "AdaptiveAvgPool3d");

    private static Tensor AvgPool(Tensor x, int spatial, PoolWindows win, string op)
    {
        var k = PoolingKernels.For(x.Device);
        return LinearMap(x, PoolOutShape(x, spatial, win), op, (a, y) => k.AvgForward(a, y, win), (g, dx) => k.AvgBackward(g, dx, win));
    }
}
