// Sliding-block extraction and its adjoint (torch.nn.functional.unfold / fold): im2col and col2im exposed as
// ops. Each is the other's gradient (see LinearMap), on top of the convolution family's Im2Col kernels.
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// Extracts sliding kernel-sized blocks of (N, C, H, W) (or (C, H, W)) into columns:
    /// (N, C*KH*KW, L) with L = OH*OW blocks, rows ordered (c, ki, kj) (F.unfold).
    /// <example><code>var cols = Tensor.Unfold2d(x, 3, padding: 1);   // (N, 9C, H*W)</code></example>
    /// </summary>
    public static Tensor Unfold2d(Tensor x, Size2 kernel, Size2? dilation = null, Padding2d? padding = null, Size2? stride = null)
    {
        const string op = "Unfold2d";
        if (x.Rank is not (3 or 4)) throw new ArgumentException($"{op}: input must be (N, C, H, W) or (C, H, W), got shape {x.Shape}.");
        CheckFloat(x, op);
        int n = x.Rank == 4 ? x.Size(0) : 1;
        var g = BlockGeometry(n, x.Size(-3), x.Size(-2), x.Size(-1), kernel, dilation ?? 1, padding ?? 0, stride ?? 1, op);
        var shape = x.Rank == 4 ? new Shape(n, g.C * g.KH * g.KW, g.OH * g.OW) : new Shape(g.C * g.KH * g.KW, g.OH * g.OW);
        var k = ConvolutionKernels.For(x.Device);
        return LinearMap(x, shape, op, (a, y) => k.Unfold(a, y, g), (gy, dx) => k.Fold(gy, dx, g));
    }

    /// <summary>
    /// Sums columns (N, C*KH*KW, L) (or (C*KH*KW, L)) back into an image of <paramref name="outputSize"/>,
    /// adding overlapping blocks (F.fold, the adjoint of <see cref="Unfold2d"/>).
    /// </summary>
    public static Tensor Fold2d(Tensor x, Size2 outputSize, Size2 kernel, Size2? dilation = null, Padding2d? padding = null, Size2? stride = null)
    {
        const string op = "Fold2d";
        if (x.Rank is not (2 or 3)) throw new ArgumentException($"{op}: input must be (N, C*KH*KW, L) or (C*KH*KW, L), got shape {x.Shape}.");
        CheckFloat(x, op);
        int n = x.Rank == 3 ? x.Size(0) : 1, rows = x.Size(-2), kk = kernel.H * kernel.W;
        if (kernel.H <= 0 || kernel.W <= 0) throw new ArgumentOutOfRangeException(nameof(kernel), $"{op}: kernel size must be > 0, got {kernel}.");
        if (rows % kk != 0)
            throw new ArgumentException($"{op}: input dim -2 ({rows}) must be divisible by the kernel's {kk} taps ({kernel}); input shape {x.Shape}.");
        var g = BlockGeometry(n, rows / kk, outputSize.H, outputSize.W, kernel, dilation ?? 1, padding ?? 0, stride ?? 1, op);
        if (x.Size(-1) != g.OH * g.OW)
            throw new ArgumentException($"{op}: input has {x.Size(-1)} blocks, but output size {outputSize} with kernel {kernel}, dilation {g.Dilation}, padding {g.Pad}, stride {g.Stride} gives {g.OH} x {g.OW} = {g.OH * g.OW}; input shape {x.Shape}.");
        var shape = x.Rank == 3 ? new Shape(n, g.C, outputSize.H, outputSize.W) : new Shape(g.C, outputSize.H, outputSize.W);
        var k = ConvolutionKernels.For(x.Device);
        return LinearMap(x, shape, op, (a, y) => k.Fold(a, y, g), (gy, dx) => k.Unfold(gy, dx, g));
    }

    private static void CheckFloat(Tensor x, string op)
    {
        x.ThrowIfDisposed();
        if (x.DType is not (DType.Float32 or DType.Float64)) throw new ArgumentException($"{op}: input must be float32 or float64, got {DTypes.Name(x.DType)}.");
    }

    // The im2col geometry of blocks over an (h, w) image.
    private static ConvGeometry BlockGeometry(int n, int c, int h, int w, Size2 k, Size2 d, Padding2d p, Size2 s, string op)
    {
        if (k.H <= 0 || k.W <= 0 || d.H <= 0 || d.W <= 0 || s.H <= 0 || s.W <= 0)
            throw new ArgumentOutOfRangeException(nameof(k), $"{op}: kernel size, dilation and stride must be > 0, got kernel {k}, dilation {d}, stride {s}.");
        if (p.IsSame || p.Top < 0 || p.Bottom < 0 || p.Left < 0 || p.Right < 0)
            throw new ArgumentOutOfRangeException(nameof(p), $"{op}: padding must be explicit and >= 0, got {p}.");
        if (h <= 0 || w <= 0) throw new ArgumentOutOfRangeException(nameof(h), $"{op}: image size must be > 0, got ({h}, {w}).");
        int oh = (h + p.Top + p.Bottom - d.H * (k.H - 1) - 1) / s.H + 1, ow = (w + p.Left + p.Right - d.W * (k.W - 1) - 1) / s.W + 1;
        if (h + p.Top + p.Bottom < d.H * (k.H - 1) + 1 || w + p.Left + p.Right < d.W * (k.W - 1) + 1)
            throw new ArgumentException($"{op}: kernel {k} with dilation {d} does not fit the padded image: size ({h}, {w}), padding {p} gives {oh} x {ow} blocks; output size must be > 0.");
        return new ConvGeometry(n, c, h, w, c * k.H * k.W, k.H, k.W, oh, ow, s, p, d, 1);
    }
}
