// Resampling layers: Upsample (torch.nn.Upsample over Tensor.Interpolate), PixelShuffle and PixelUnshuffle.
namespace Fovea.NN;

/// <summary>Resizes (N, C, H, W) or (N, C, L) to a size or by a scale factor: nearest, bilinear, bicubic ...</summary>
public sealed class Upsample : Module
{
    public Upsample(Size2? size = null, double? scaleFactor = null, string mode = "nearest", bool? alignCorners = null)
    {
        if ((size == null) == (scaleFactor == null)) throw new ArgumentException("Upsample: give exactly one of size and scaleFactor.");
        (Size, ScaleFactor, Mode, AlignCorners) = (size, scaleFactor, mode, alignCorners);
    }

    public Size2? Size { get; }
    public double? ScaleFactor { get; }
    public string Mode { get; }
    public bool? AlignCorners { get; }

    public override Tensor Forward(Tensor input) =>
        Tensor.Interpolate(input, Size, ScaleFactor is { } s ? (s, s) : null, Mode, AlignCorners);

    protected override string ExtraRepr() => (Size is { } sz ? $"size={sz}" : $"scale_factor={ScaleFactor}") + $", mode='{Mode}'";
}

/// <summary>(N, C r^2, H, W) to (N, C, H r, W r): sub-pixel convolution upsampling (Shi et al. 2016).</summary>
public sealed class PixelShuffle(int upscaleFactor) : Module
{
    public override Tensor Forward(Tensor input) => Tensor.PixelShuffle(input, upscaleFactor);
    protected override string ExtraRepr() => $"upscale_factor={upscaleFactor}";
}

/// <summary>(N, C, H r, W r) to (N, C r^2, H, W), the inverse of <see cref="PixelShuffle"/>.</summary>
public sealed class PixelUnshuffle(int downscaleFactor) : Module
{
    public override Tensor Forward(Tensor input) => Tensor.PixelUnshuffle(input, downscaleFactor);
    protected override string ExtraRepr() => $"downscale_factor={downscaleFactor}";
}
