// Transposed convolution (torch.nn.functional.conv_transpose2d), the adjoint of Conv2d: its forward is Conv2d's
// input gradient, its input gradient is Conv2d's forward, and its weight gradient is Conv2d's weight gradient with
// the roles of input and output swapped. Weights are (in_channels, out_channels / groups, KH, KW), as in PyTorch.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// 2-d transposed convolution of input (N, C_in, H, W) with weight (C_in, C_out / groups, KH, KW). The output is
    /// (H - 1) stride - 2 padding + dilation (KH - 1) + outputPadding + 1 high (likewise wide).
    /// <example><code>var up = Tensor.ConvTranspose2d(x, w, b, stride: 2, padding: 1, outputPadding: 1);   // doubles H and W for 3x3</code></example>
    /// </summary>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, Size2? stride = null, Size2? padding = null,
        Size2? outputPadding = null, int groups = 1, Size2? dilation = null)
    {
        var g = ConvTranspose2dGeometry(input, weight, bias, stride ?? 1, padding ?? 0, outputPadding ?? 0, dilation ?? 1, groups);
        var kernels = ConvolutionKernels.For(input.Device);
        using var xc = input.Contiguous();
        using var wc = weight.Contiguous();
        var y = Empty(new Shape(g.N, g.C, g.H, g.W), input.DType);
        kernels.BackwardInput(xc, wc, y, g);
        if (bias != null)
            using (GradMode.NoGrad())
            {
                using var b = bias.Reshape(1, g.C, 1, 1);
                y.AddInPlace(b);
            }
        if (!Graph.Needs(input, weight) && !(bias != null && Graph.Needs(bias))) return y;
        return Graph.Record(y, "ConvTranspose2d", [input, weight, bias], dy =>
        {
            using var dyc = dy.Contiguous();
            Tensor? dx = null, dw = null, db = null;
            if (input.RequiresGrad)
            {
                dx = Empty(input.Shape, input.DType);
                using var wk = weight.Contiguous();
                kernels.Forward(dyc, wk, null, dx, g);
            }
            if (weight.RequiresGrad)
            {
                dw = Empty(weight.Shape, weight.DType);
                using var xk = input.Contiguous();
                kernels.BackwardWeight(xk, dyc, dw, g);
            }
            if (bias is { RequiresGrad: true }) db = dy.Sum([0, 2, 3]);
            return [dx, dw, db];
        }, input, weight);
    }

    // The geometry of the convolution this op is the adjoint of: its input is our output and its output our input.
    private static ConvGeometry ConvTranspose2dGeometry(Tensor x, Tensor w, Tensor? bias, Size2 stride, Size2 padding, Size2 outputPadding,
        Size2 dilation, int groups)
    {
        const string op = "ConvTranspose2d";
        if (x.Rank != 4) throw new ArgumentException($"{op}: input must be (N, C, H, W), got shape {x.Shape}.");
        if (w.Rank != 4) throw new ArgumentException($"{op}: weight must be (in_channels, out_channels / groups, KH, KW), got shape {w.Shape}.");
        if (!DTypes.IsFloatingPoint(x.DType) || x.DType != w.DType || x.DType is DType.Float16 or DType.BFloat16)
            throw new ArgumentException($"{op}: input and weight must both be float32 or float64, got {DTypes.Name(x.DType)} and {DTypes.Name(w.DType)}.");
        if (groups < 1 || x.Size(1) % groups != 0)
            throw new ArgumentException($"{op}: in_channels {x.Size(1)} must be divisible by groups {groups}.");
        if (w.Size(0) != x.Size(1))
            throw new ArgumentException($"{op}: input has {x.Size(1)} channels, weight expects {w.Size(0)}; input shape {x.Shape}, weight shape {w.Shape}.");
        if (stride.H < 1 || stride.W < 1 || dilation.H < 1 || dilation.W < 1 || padding.H < 0 || padding.W < 0)
            throw new ArgumentOutOfRangeException(nameof(stride), $"{op}: stride and dilation must be >= 1 and padding >= 0, got stride {stride}, dilation {dilation}, padding {padding}.");
        if (outputPadding.H < 0 || outputPadding.W < 0 || (outputPadding.H >= stride.H && outputPadding.H >= dilation.H) || (outputPadding.W >= stride.W && outputPadding.W >= dilation.W))
            throw new ArgumentOutOfRangeException(nameof(outputPadding), $"{op}: output padding {outputPadding} must be smaller than stride {stride} or dilation {dilation}.");
        int n = x.Size(0), cin = x.Size(1), h = x.Size(2), wd = x.Size(3), cout = w.Size(1) * groups, kh = w.Size(2), kw = w.Size(3);
        if (bias != null && (bias.Rank != 1 || bias.Size(0) != cout || bias.DType != x.DType))
            throw new ArgumentException($"{op}: bias must have shape ({cout},) and dtype {DTypes.Name(x.DType)}, got {bias.Shape} {DTypes.Name(bias.DType)}.");
        int oh = (h - 1) * stride.H - 2 * padding.H + dilation.H * (kh - 1) + outputPadding.H + 1;
        int ow = (wd - 1) * stride.W - 2 * padding.W + dilation.W * (kw - 1) + outputPadding.W + 1;
        if (oh <= 0 || ow <= 0) throw new ArgumentException($"{op}: output size {oh}x{ow} is not positive; input shape {x.Shape}, padding {padding}.");
        // The adjoint convolution maps (N, cout, oh, ow) to (N, cin, h, w) with weight (cin, cout / groups, kh, kw).
        return new ConvGeometry(n, cout, oh, ow, cin, kh, kw, h, wd, stride,
            new Padding2d(padding.H, padding.H, padding.W, padding.W), dilation, groups);
    }
}
