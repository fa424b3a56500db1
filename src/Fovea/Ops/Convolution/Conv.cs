// Convolutions (torch.nn.functional.conv1d/conv2d/conv3d): validation, geometry and autograd; the arithmetic is in
// Kernels/Cpu/Convolution. Inputs are NCHW, weights (out_channels, in_channels / groups, KH, KW).
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// 2-d convolution (cross-correlation, as in PyTorch) of input (N, C, H, W) with weight (O, C/groups, KH, KW).
    /// <example><code>var y = Tensor.Conv2d(x, w, b, stride: 2, padding: 1);   // or padding: Padding2d.Same</code></example>
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, Size2? stride = null, Padding2d? padding = null, Size2? dilation = null, int groups = 1)
    {
        var g = Conv2dGeometry(input, weight, bias, stride ?? 1, padding ?? 0, dilation ?? 1, groups, "Conv2d");
        return Convolution(input, weight, bias, g, [g.N, g.O, g.OH, g.OW], "Conv2d");
    }

    /// <summary>
    /// 3-d convolution of input (N, C, D, H, W) with weight (O, C/groups, KD, KH, KW), e.g. for volumetric (CT, MRI) data.
    /// <example><code>var y = Tensor.Conv3d(volume, w, b, stride: (1, 2, 2), padding: 1);</code></example>
    /// </summary>
    public static Tensor Conv3d(Tensor input, Tensor weight, Tensor? bias = null, Size3? stride = null, Padding3d? padding = null, Size3? dilation = null, int groups = 1)
    {
        const string op = "Conv3d";
        if (input.Rank != 5) throw new ArgumentException($"{op}: input must be (N, C, D, H, W), got shape {input.Shape}.");
        if (weight.Rank != 5) throw new ArgumentException($"{op}: weight must be (out_channels, in_channels / groups, KD, KH, KW), got shape {weight.Shape}.");
        Size3 s = stride ?? 1, d = dilation ?? 1;
        var p = padding ?? 0;
        if (s.D < 1 || d.D < 1) throw new ArgumentOutOfRangeException(nameof(stride), $"{op}: stride and dilation must be >= 1, got {s} and {d}.");
        int depth = input.Size(2), kd = weight.Size(2);
        // Depth is checked here; channels, height and width go through the 2-d checks on the first depth slices.
        int tapsD = d.D * (kd - 1);
        var (front, back) = p.IsSame ? (tapsD / 2, tapsD - tapsD / 2) : (p.D, p.D);
        if (p.IsSame && s != new Size3(1, 1, 1)) throw new ArgumentException($"{op}: padding 'same' requires stride 1, got stride {s}.");
        if (front < 0) throw new ArgumentOutOfRangeException(nameof(padding), $"{op}: padding must be >= 0, got {p}.");
        if (tapsD + 1 > depth + front + back)
            throw new ArgumentException($"{op}: kernel depth {kd} (dilation {d.D}) is larger than the padded input depth {depth + front + back}; input shape {input.Shape}.");
        if (depth < 1 || kd < 1) throw new ArgumentException($"{op}: input and kernel depth must be >= 1; input shape {input.Shape}, weight shape {weight.Shape}.");
        using var x4 = input.Select(2, 0);
        using var w4 = weight.Select(2, 0);
        Padding2d hw = p.IsSame ? Padding2d.Same : (p.H, p.W);
        var g2 = Conv2dGeometry(x4, w4, bias, (s.H, s.W), hw, (d.H, d.W), groups, op);
        int od = (depth + front + back - tapsD - 1) / s.D + 1;
        var g = g2 with { D = depth, KD = kd, OD = od, StrideD = s.D, PadFront = front, DilationD = d.D };
        return Convolution(input, weight, bias, g, [g.N, g.O, od, g.OH, g.OW], op);
    }

    // The shared forward and backward of Conv2d and Conv3d on a resolved geometry.
    private static Tensor Convolution(Tensor input, Tensor weight, Tensor? bias, ConvGeometry g, int[] outShape, string op)
    {
        var dt = input.DType;
        using var xc = input.Contiguous();
        using var wc = weight.Contiguous();
        using var bc = bias?.Contiguous();
        var y = Empty(new Shape(outShape), dt);
        var kernels = ConvolutionKernels.For(input.Device);
        kernels.Forward(xc, wc, bc, y, g);
        if (!Graph.Needs(input, weight) && !(bias != null && Graph.Needs(bias))) return y;
        int[] biasDims = outShape.Length == 5 ? [0, 2, 3, 4] : [0, 2, 3];
        return Graph.Record(y, op, [input, weight, bias], dy =>
        {
            using var dyc = dy.Contiguous();
            Tensor? dx = null, dw = null, db = null;
            if (input.RequiresGrad)
            {
                dx = Empty(input.Shape, dt);
                using var wk = weight.Contiguous();
                kernels.BackwardInput(dyc, wk, dx, g);
            }
            if (weight.RequiresGrad)
            {
                dw = Empty(weight.Shape, dt);
                using var xk = input.Contiguous();
                kernels.BackwardWeight(dyc, xk, dw, g);
            }
            if (bias is { RequiresGrad: true }) db = dy.Sum(biasDims);
            return [dx, dw, db];
        }, input, weight);
    }

    /// <summary>1-d convolution of input (N, C, L) with weight (O, C/groups, K), via <see cref="Conv2d"/> with height 1.</summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool samePadding = false)
    {
        if (input.Rank != 3) throw new ArgumentException($"Conv1d: input must be (N, C, L), got shape {input.Shape}.");
        if (weight.Rank != 3) throw new ArgumentException($"Conv1d: weight must be (out_channels, in_channels / groups, kernel), got shape {weight.Shape}.");
        Padding2d pad = samePadding ? Padding2d.Same : (0, padding);
        var y = Conv2d(input.Unsqueeze(2), weight.Unsqueeze(2), bias, (1, stride), pad, (1, dilation), groups);
        return y.Squeeze(2);
    }

    private static ConvGeometry Conv2dGeometry(Tensor x, Tensor w, Tensor? bias, Size2 stride, Padding2d padding, Size2 dilation, int groups, string op) =>
        Conv2dGeometry(x.Shape, x.DType, w, bias, stride, padding, dilation, groups, op);

    // The same for an input of shape xShape and type xType (one that is not made yet: a fused layer's intermediate).
    private static ConvGeometry Conv2dGeometry(Shape xShape, DType xType, Tensor w, Tensor? bias, Size2 stride, Padding2d padding, Size2 dilation, int groups,
        string op)
    {
        var x = (Shape: xShape, DType: xType, Rank: xShape.Rank);
        if (x.Rank != 4) throw new ArgumentException($"{op}: input must be (N, C, H, W), got shape {x.Shape}.");
        if (w.Rank != 4) throw new ArgumentException($"{op}: weight must be (out_channels, in_channels / groups, KH, KW), got shape {w.Shape}.");
        if (!DTypes.IsFloatingPoint(x.DType) || x.DType != w.DType || x.DType is DType.Float16 or DType.BFloat16)
            throw new ArgumentException($"{op}: input and weight must both be float32 or float64, got {DTypes.Name(x.DType)} and {DTypes.Name(w.DType)}.");
        if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), $"{op}: groups must be >= 1, got {groups}.");
        if (stride.H < 1 || stride.W < 1 || dilation.H < 1 || dilation.W < 1) throw new ArgumentOutOfRangeException(nameof(stride), $"{op}: stride and dilation must be >= 1, got {stride} and {dilation}.");
        int n = xShape[0], c = xShape[1], h = xShape[2], wd = xShape[3], o = w.Size(0), kh = w.Size(2), kw = w.Size(3);
        if (c % groups != 0 || o % groups != 0)
            throw new ArgumentException($"{op}: in_channels {c} and out_channels {o} must both be divisible by groups {groups}.");
        if (w.Size(1) * groups != c)
            throw new ArgumentException($"{op}: input has {c} channel{(c == 1 ? "" : "s")}, weight expects {w.Size(1) * groups} (in_channels {w.Size(1) * groups} / groups {groups}); input shape {x.Shape}, weight shape {w.Shape}.");
        if (bias != null && (bias.Rank != 1 || bias.Size(0) != o || bias.DType != x.DType))
            throw new ArgumentException($"{op}: bias must have shape ({o},) and dtype {DTypes.Name(x.DType)}, got {bias.Shape} {DTypes.Name(bias.DType)}.");
        var pad = padding.Resolve(new Size2(kh, kw), dilation, stride, op);
        if (pad.Top < 0 || pad.Bottom < 0 || pad.Left < 0 || pad.Right < 0) throw new ArgumentOutOfRangeException(nameof(padding), $"{op}: padding must be >= 0, got {pad}.");
        int effH = dilation.H * (kh - 1) + 1, effW = dilation.W * (kw - 1) + 1;
        int ph = h + pad.Top + pad.Bottom, pw = wd + pad.Left + pad.Right;
        if (effH > ph || effW > pw)
            throw new ArgumentException($"{op}: kernel {kh}x{kw} (dilation {dilation}) is larger than the padded input {ph}x{pw}; input shape {x.Shape}, padding {pad}.");
        int oh = (ph - effH) / stride.H + 1, ow = (pw - effW) / stride.W + 1;
        return new ConvGeometry(n, c, h, wd, o, kh, kw, oh, ow, stride, pad, dilation, groups);
    }
}
