// ONNX convolution, pooling and normalization operators: Conv and ConvTranspose (1-d through Fovea's 2-d
// kernels, 2-d, 3-d), MaxPool/AveragePool with explicit or automatic padding (padding Fovea's pools cannot take,
// asymmetric or wider than half the kernel, is applied beforehand), global pools, BatchNormalization (inference),
// InstanceNormalization and LayerNormalization.
namespace Fovea.IO.Onnx;

internal static partial class OnnxOps
{
    private static void AddConvolution(Dictionary<string, Func<OnnxNodeContext, Tensor[]>> t)
    {
        t["Conv"] = c => One(Conv(c));
        t["ConvTranspose"] = c => One(ConvTranspose(c));
        t["MaxPool"] = c => One(MaxPool(c));
        t["AveragePool"] = c => One(AveragePool(c));
        t["GlobalAveragePool"] = c => One(c.In(0).Mean(SpatialDims(c.In(0)), keepDim: true));
        t["GlobalMaxPool"] = c => One(c.In(0).Amax(SpatialDims(c.In(0)), keepDim: true));
        t["BatchNormalization"] = c => One(Tensor.BatchNorm(c.In(0), c.In(3), c.In(4), c.In(1), c.In(2), training: false, eps: c.Float("epsilon", 1e-5f)));
        t["InstanceNormalization"] = c => One(Tensor.InstanceNorm(c.In(0), weight: c.In(1), bias: c.In(2), eps: c.Float("epsilon", 1e-5f)));
        t["LayerNormalization"] = LayerNormalization;
    }

    private static int[] SpatialDims(Tensor x) => [.. Enumerable.Range(2, Math.Max(0, x.Rank - 2))];

    /// <summary>Strides, dilations and the padding before and after each spatial axis of a sliding-window op.</summary>
    private sealed record Window(int[] Kernel, int[] Strides, int[] Dilations, int[] Begin, int[] End)
    {
        public bool Symmetric => Begin.SequenceEqual(End);

        /// <summary>Padding pairs for Tensor.Pad (last axis first).</summary>
        public int[] PadPairs() => [.. Enumerable.Range(0, Kernel.Length).Reverse().SelectMany(i => new[] { Begin[i], End[i] })];
    }

    private static Window WindowOf(OnnxNodeContext c, Tensor x, int[] kernel)
    {
        int sp = kernel.Length;
        if (x.Rank != sp + 2) throw c.Invalid($"input must be (N, C, {sp} spatial dims), got shape {x.Shape}");
        var strides = c.Ints("strides", Filled(sp, 1));
        var dilations = c.Ints("dilations", Filled(sp, 1));
        if (strides.Length != sp || dilations.Length != sp || strides.Any(s => s < 1) || dilations.Any(d => d < 1))
            throw c.Invalid($"strides ({string.Join(", ", strides)}) and dilations ({string.Join(", ", dilations)}) must be {sp} positive values");
        var begin = new int[sp];
        var end = new int[sp];
        switch (c.String("auto_pad", "NOTSET"))
        {
            case "NOTSET":
                var pads = c.Ints("pads", Filled(2 * sp, 0));
                if (pads.Length != 2 * sp || pads.Any(p => p < 0)) throw c.Invalid($"pads ({string.Join(", ", pads)}) must be {2 * sp} non-negative values");
                Array.Copy(pads, begin, sp);
                Array.Copy(pads, sp, end, 0, sp);
                break;
            case "VALID":
                break;
            case var mode and ("SAME_UPPER" or "SAME_LOWER"):
                for (int i = 0; i < sp; i++)
                {
                    int size = x.Size(2 + i), outSize = (size + strides[i] - 1) / strides[i];
                    int total = Math.Max(0, (outSize - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
                    (begin[i], end[i]) = mode == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2);
                }
                break;
            case var other:
                throw c.Invalid($"unknown auto_pad '{other}'");
        }
        return new Window(kernel, strides, dilations, begin, end);
    }

    private static int[] Filled(int n, int v) => Enumerable.Repeat(v, n).ToArray();

    private static Tensor Conv(OnnxNodeContext c)
    {
        var x = c.In(0);
        var w = c.In(1);
        var b = c.OptNonEmpty(2);
        var kernel = w.ShapeArray[2..];
        var win = WindowOf(c, x, kernel);
        int groups = (int)c.Int("group", 1);
        var (s, d, p, e) = (win.Strides, win.Dilations, win.Begin, win.End);
        switch (kernel.Length)
        {
            case 1:
                {
                    using var x4 = x.Unsqueeze(2);
                    using var w4 = w.Unsqueeze(2);
                    using var y = Tensor.Conv2d(x4, w4, b, (1, s[0]), new Padding2d(0, 0, p[0], e[0]), (1, d[0]), groups);
                    return y.Squeeze(2);
                }
            case 2:
                return Tensor.Conv2d(x, w, b, (s[0], s[1]), new Padding2d(p[0], e[0], p[1], e[1]), (d[0], d[1]), groups);
            case 3:
                if (win.Symmetric) return Tensor.Conv3d(x, w, b, (s[0], s[1], s[2]), new Padding3d(p[0], p[1], p[2]), (d[0], d[1], d[2]), groups);
                using (var padded = Tensor.Pad(x, win.PadPairs()))
                    return Tensor.Conv3d(padded, w, b, (s[0], s[1], s[2]), 0, (d[0], d[1], d[2]), groups);
            default:
                throw new NotSupportedException($"Conv node '{c.Node.Name}' (opset {c.Opset}): {kernel.Length}-d convolution is not supported (1-3 spatial dims).");
        }
    }

    // Runs as a full transposed convolution when Fovea's symmetric padding cannot express the node, then crops
    // the padding and adds the output padding (which receives only the bias).
    private static Tensor ConvTranspose(OnnxNodeContext c)
    {
        var x = c.In(0);
        var w = c.In(1);
        var b = c.OptNonEmpty(2);
        int sp = x.Rank - 2;
        if (sp is not (1 or 2)) throw new NotSupportedException($"ConvTranspose node '{c.Node.Name}' (opset {c.Opset}): only 1-d and 2-d transposed convolutions are supported, got input {x.Shape}.");
        if (sp == 1)
        {
            using var x4 = x.Unsqueeze(2);
            using var w4 = w.Unsqueeze(2);
            using var y4 = ConvTranspose2d(c, x4, w4, b, [1, .. w.ShapeArray[2..]], oneD: true);
            return y4.Squeeze(2);
        }
        return ConvTranspose2d(c, x, w, b, w.ShapeArray[2..], oneD: false);
    }

    private static Tensor ConvTranspose2d(OnnxNodeContext c, Tensor x, Tensor w, Tensor? b, int[] kernel, bool oneD)
    {
        int[] Attr(string name, int fill) => oneD ? [fill, .. c.Ints(name, [fill])] : c.Ints(name, [fill, fill]);
        int groups = (int)c.Int("group", 1);
        var s = Attr("strides", 1);
        var d = Attr("dilations", 1);
        var op = Attr("output_padding", 0);
        if (s.Length != 2 || d.Length != 2 || op.Length != 2) throw c.Invalid("strides, dilations and output_padding must have one value per spatial dim");
        var (begin, end) = TransposePads(c, x, kernel, s, d, op, oneD);
        bool direct = begin.SequenceEqual(end) && (op[0] < s[0] || op[0] < d[0]) && (op[1] < s[1] || op[1] < d[1]);
        if (direct) return Tensor.ConvTranspose2d(x, w, b, (s[0], s[1]), (begin[0], begin[1]), (op[0], op[1]), groups, (d[0], d[1]));
        using var full = Tensor.ConvTranspose2d(x, w, null, (s[0], s[1]), 0, 0, groups, (d[0], d[1]));
        var y = Tensor.Pad(full, [-begin[1], op[1] - end[1], -begin[0], op[0] - end[0]]);
        if (b == null) return y;
        using var bias = b.Reshape(1, -1, 1, 1);
        return Replace(y, y + bias);
    }

    // Padding from pads, auto_pad or output_shape (which ONNX lets override the others).
    private static (int[] Begin, int[] End) TransposePads(OnnxNodeContext c, Tensor x, int[] k, int[] s, int[] d, int[] op, bool oneD)
    {
        int[]? outShape = c.Has("output_shape") ? c.Ints("output_shape", []) : null;
        if (outShape != null && oneD) outShape = [1, .. outShape];
        if (outShape != null && outShape.Length > 2) outShape = outShape[^2..];
        string auto = c.String("auto_pad", "NOTSET");
        if (outShape == null && auto is "NOTSET" or "VALID")
        {
            var pads = auto == "VALID" ? [0, 0, 0, 0] : oneD ? [0, .. c.Ints("pads", [0, 0])[..1], 0, .. c.Ints("pads", [0, 0])[1..]] : c.Ints("pads", [0, 0, 0, 0]);
            if (pads.Length != 4 || pads.Any(p => p < 0)) throw c.Invalid($"pads must be non-negative, one begin and one end value per spatial dim");
            return ([pads[0], pads[1]], [pads[2], pads[3]]);
        }
        var begin = new int[2];
        var end = new int[2];
        for (int i = 0; i < 2; i++)
        {
            int size = x.Size(2 + i);
            int target = outShape?[i] ?? size * s[i];
            int total = s[i] * (size - 1) + op[i] + (k[i] - 1) * d[i] + 1 - target;
            (begin[i], end[i]) = auto == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2);
        }
        return (begin, end);
    }

    private static Tensor MaxPool(OnnxNodeContext c)
    {
        if (c.Wants(1)) throw new NotSupportedException($"MaxPool node '{c.Node.Name}' (opset {c.Opset}): the Indices output is not supported.");
        var x = c.In(0);
        var win = WindowOf(c, x, c.Ints("kernel_shape", []));
        bool ceil = c.Int("ceil_mode", 0) != 0;
        if (FitsFoveaPool(win)) return MaxPoolNd(c, x, win, ceil);
        using var padded = Tensor.Pad(x, win.PadPairs(), value: double.NegativeInfinity);
        return MaxPoolNd(c, padded, win with { Begin = new int[win.Kernel.Length] }, ceil);
    }

    // Fovea's pools take the same padding on both sides, at most half the kernel.
    private static bool FitsFoveaPool(Window w) => w.Symmetric && w.Begin.Zip(w.Kernel).All(p => p.First <= p.Second / 2);

    private static Tensor MaxPoolNd(OnnxNodeContext c, Tensor x, Window w, bool ceil)
    {
        var (k, s, p, d) = (w.Kernel, w.Strides, w.Begin, w.Dilations);
        return k.Length switch
        {
            1 => Tensor.MaxPool1d(x, k[0], s[0], p[0], d[0], ceil),
            2 => Tensor.MaxPool2d(x, (k[0], k[1]), (s[0], s[1]), (p[0], p[1]), (d[0], d[1]), ceil),
            3 => Tensor.MaxPool3d(x, (k[0], k[1], k[2]), (s[0], s[1], s[2]), (p[0], p[1], p[2]), (d[0], d[1], d[2]), ceil),
            _ => throw new NotSupportedException($"MaxPool node '{c.Node.Name}' (opset {c.Opset}): {k.Length}-d pooling is not supported (1-3 spatial dims)."),
        };
    }

    // Without count_include_pad and with padding the pool cannot take, the average is the padded sum divided by the
    // padded count of real inputs.
    private static Tensor AveragePool(OnnxNodeContext c)
    {
        var x = c.In(0);
        var win = WindowOf(c, x, c.Ints("kernel_shape", []));
        if (win.Dilations.Any(v => v != 1)) throw new NotSupportedException($"AveragePool node '{c.Node.Name}' (opset {c.Opset}): dilations are not supported.");
        bool ceil = c.Int("ceil_mode", 0) != 0, includePad = c.Int("count_include_pad", 0) != 0;
        if (FitsFoveaPool(win)) return AvgPoolNd(c, x, win, ceil, includePad);
        var unpadded = win with { Begin = new int[win.Kernel.Length] };
        using var padded = Tensor.Pad(x, win.PadPairs());
        var sum = AvgPoolNd(c, padded, unpadded, ceil, true);
        if (includePad) return sum;
        using var ones = Tensor.OnesLike(x);
        using var paddedOnes = Tensor.Pad(ones, win.PadPairs());
        using var count = AvgPoolNd(c, paddedOnes, unpadded, ceil, true);
        return Replace(sum, sum / count);
    }

    private static Tensor AvgPoolNd(OnnxNodeContext c, Tensor x, Window w, bool ceil, bool includePad)
    {
        var (k, s, p) = (w.Kernel, w.Strides, w.Begin);
        return k.Length switch
        {
            1 => Tensor.AvgPool1d(x, k[0], s[0], p[0], ceil, includePad),
            2 => Tensor.AvgPool2d(x, (k[0], k[1]), (s[0], s[1]), (p[0], p[1]), ceil, includePad),
            3 => Tensor.AvgPool3d(x, (k[0], k[1], k[2]), (s[0], s[1], s[2]), (p[0], p[1], p[2]), ceil, includePad),
            _ => throw new NotSupportedException($"AveragePool node '{c.Node.Name}' (opset {c.Opset}): {k.Length}-d pooling is not supported (1-3 spatial dims)."),
        };
    }

    // Normalizes over the dims from axis on; the Mean and InvStdDev outputs are produced when asked for.
    private static Tensor[] LayerNormalization(OnnxNodeContext c)
    {
        var x = c.In(0);
        var scale = c.In(1);
        var bias = c.OptNonEmpty(2);
        int axis = c.Axis(c.Int("axis", -1), x.Rank);
        double eps = c.Float("epsilon", 1e-5f);
        int[] normalized = x.ShapeArray[axis..];
        Tensor y;
        if (scale.Shape == new Shape(normalized) && (bias == null || bias.Shape == scale.Shape))
            y = Tensor.LayerNorm(x, normalized, scale, bias, eps);
        else
        {
            using var plain = Tensor.LayerNorm(x, normalized, null, null, eps);
            using var scaled = plain * scale;
            y = bias == null ? scaled.Alias() : scaled + bias;
        }
        if (!c.Wants(1) && !c.Wants(2)) return [y];
        int[] dims = [.. Enumerable.Range(axis, x.Rank - axis)];
        var mean = x.Mean(dims, keepDim: true);
        using var variance = x.Var(dims, correction: 0, keepDim: true);
        return [y, mean, (variance + eps).Rsqrt()];
    }
}
