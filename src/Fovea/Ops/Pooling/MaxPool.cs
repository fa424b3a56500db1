// Max pooling (torch.nn.functional.max_pool1d/2d/3d, adaptive_max_pool1d/2d/3d, max_unpool2d). Indices are flat
// positions inside each input plane, as PyTorch returns them; the gradient routes each output's gradient to
// the position its maximum came from.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// 2-d max pooling of (N, C, H, W) or (C, H, W); <paramref name="stride"/> defaults to the kernel size.
    /// <example><code>var y = Tensor.MaxPool2d(x, 2);                      // halves H and W
    /// var z = Tensor.MaxPool2d(x, 3, stride: 2, padding: 1);</code></example>
    /// </summary>
    public static Tensor MaxPool2d(Tensor x, Size2 kernel, Size2? stride = null, Padding2d? padding = null, Size2? dilation = null, bool ceilMode = false)
    {
        if (Graph.Needs(x)) return ValuesOnly(MaxPool2dWithIndices(x, kernel, stride, padding, dilation, ceilMode));
        // No gradient to route: the values alone (no index tensor to fill).
        Size2 s = stride ?? kernel, p = PoolPadding(padding, "MaxPool2d"), d = dilation ?? 1;
        var win = FixedPoolWindows(x, 2, new PoolSpec((1, kernel.H, kernel.W), (1, s.H, s.W), (0, p.H, p.W), (1, d.H, d.W), ceilMode), "MaxPool2d");
        var y = Empty(PoolOutShape(x, 2, win), x.DType);
        using (var xc = KernelInput(x)) PoolingKernels.For(x.Device).MaxForwardValues(xc, y, win);
        return y;
    }

    /// <summary>2-d max pooling that also returns, per output, the flat index (h*W + w) of the maximum in its input plane (int64).</summary>
    public static (Tensor Values, Tensor Indices) MaxPool2dWithIndices(Tensor x, Size2 kernel, Size2? stride = null, Padding2d? padding = null, Size2? dilation = null, bool ceilMode = false)
    {
        Size2 s = stride ?? kernel, p = PoolPadding(padding, "MaxPool2d"), d = dilation ?? 1;
        var spec = new PoolSpec((1, kernel.H, kernel.W), (1, s.H, s.W), (0, p.H, p.W), (1, d.H, d.W), ceilMode);
        return MaxPool(x, 2, FixedPoolWindows(x, 2, spec, "MaxPool2d"), "MaxPool2d");
    }

    /// <summary>1-d max pooling of (N, C, L) or (C, L).</summary>
    public static Tensor MaxPool1d(Tensor x, int kernel, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        ValuesOnly(MaxPool1dWithIndices(x, kernel, stride, padding, dilation, ceilMode));

    /// <summary>1-d max pooling with the index of each maximum along L.</summary>
    public static (Tensor Values, Tensor Indices) MaxPool1dWithIndices(Tensor x, int kernel, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
    {
        var spec = new PoolSpec((1, 1, kernel), (1, 1, stride ?? kernel), (0, 0, padding), (1, 1, dilation), ceilMode);
        return MaxPool(x, 1, FixedPoolWindows(x, 1, spec, "MaxPool1d"), "MaxPool1d");
    }

    /// <summary>3-d max pooling of (N, C, D, H, W) or (C, D, H, W).</summary>
    public static Tensor MaxPool3d(Tensor x, Size3 kernel, Size3? stride = null, Size3? padding = null, Size3? dilation = null, bool ceilMode = false) =>
        ValuesOnly(MaxPool3dWithIndices(x, kernel, stride, padding, dilation, ceilMode));

    /// <summary>3-d max pooling with the flat index (d*H*W + h*W + w) of each maximum.</summary>
    public static (Tensor Values, Tensor Indices) MaxPool3dWithIndices(Tensor x, Size3 kernel, Size3? stride = null, Size3? padding = null, Size3? dilation = null, bool ceilMode = false)
    {
        var spec = new PoolSpec(kernel, stride ?? kernel, padding ?? 0, dilation ?? 1, ceilMode);
        return MaxPool(x, 3, FixedPoolWindows(x, 3, spec, "MaxPool3d"), "MaxPool3d");
    }

    /// <summary>Adaptive 2-d max pooling to an output of <paramref name="output"/> (windows as in PyTorch: floor/ceil bounds).</summary>
    public static Tensor AdaptiveMaxPool2d(Tensor x, Size2 output) => ValuesOnly(AdaptiveMaxPool2dWithIndices(x, output));

    /// <summary>Adaptive 2-d max pooling with the flat index (h*W + w) of each maximum.</summary>
    public static (Tensor Values, Tensor Indices) AdaptiveMaxPool2dWithIndices(Tensor x, Size2 output) =>
        MaxPool(x, 2, AdaptivePoolWindows(x, 2, (1, output.H, output.W), "AdaptiveMaxPool2d"), "AdaptiveMaxPool2d");

    /// <summary>Adaptive 1-d max pooling to length <paramref name="output"/>.</summary>
    public static Tensor AdaptiveMaxPool1d(Tensor x, int output) => ValuesOnly(AdaptiveMaxPool1dWithIndices(x, output));

    /// <summary>Adaptive 1-d max pooling with the index of each maximum.</summary>
    public static (Tensor Values, Tensor Indices) AdaptiveMaxPool1dWithIndices(Tensor x, int output) =>
        MaxPool(x, 1, AdaptivePoolWindows(x, 1, (1, 1, output), "AdaptiveMaxPool1d"), "AdaptiveMaxPool1d");

    /// <summary>Adaptive 3-d max pooling to an output of <paramref name="output"/>.</summary>
    public static Tensor AdaptiveMaxPool3d(Tensor x, Size3 output) =>
        ValuesOnly(MaxPool(x, 3, AdaptivePoolWindows(x, 3, output, "AdaptiveMaxPool3d"), "AdaptiveMaxPool3d"));

    /// <summary>
    /// The partial inverse of <see cref="MaxPool2dWithIndices"/>: zeros of the pre-pooling size with each value
    /// put back at its index. The output size defaults to (in - 1) * stride - 2 * padding + kernel.
    /// </summary>
    public static Tensor MaxUnpool2d(Tensor x, Tensor indices, Size2 kernel, Size2? stride = null, Padding2d? padding = null, Size2? outputSize = null)
    {
        const string op = "MaxUnpool2d";
        CheckSpatialInput(x, 2, op);
        if (indices.Shape != x.Shape || indices.DType != DType.Int64)
            throw new ArgumentException($"{op}: indices must be int64 of the input's shape {x.Shape}, got {DTypes.Name(indices.DType)} {indices.Shape}.");
        Size2 s = stride ?? kernel, p = PoolPadding(padding, op);
        var size = outputSize ?? new Size2((x.Size(-2) - 1) * s.H - 2 * p.H + kernel.H, (x.Size(-1) - 1) * s.W - 2 * p.W + kernel.W);
        if (size.H <= 0 || size.W <= 0)
            throw new ArgumentOutOfRangeException(nameof(outputSize), $"{op}: output size must be > 0, got {size} for input {x.Shape}, kernel {kernel}, stride {s}, padding {p}.");
        return ScatterPlanes(x, indices, SpatialShape(x, 2, size.H, size.W), 2, accumulate: false, op);
    }

    // Runs the max kernel; the gradient scatters into the input's shape at the indices.
    private static (Tensor Values, Tensor Indices) MaxPool(Tensor x, int spatial, PoolWindows win, string op)
    {
        var outShape = PoolOutShape(x, spatial, win);
        var y = Empty(outShape, x.DType);
        var idx = Empty(outShape, DType.Int64);
        using (var xc = KernelInput(x)) PoolingKernels.For(x.Device).MaxForward(xc, y, idx, win);
        if (!Graph.Needs(x)) return (y, idx);
        var inShape = x.Shape;
        return (Graph.Record(y, op, [x], g => [ScatterPlanes(g, idx, inShape, spatial, accumulate: true, op + "Backward")], idx), idx);
    }

    // The values of a (values, indices) pair; the indices are released unless the graph keeps them.
    private static Tensor ValuesOnly((Tensor Values, Tensor Indices) r)
    {
        if (r.Values.GradFn == null) r.Indices.Dispose();
        return r.Values;
    }
}
