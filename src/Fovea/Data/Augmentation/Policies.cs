// Learned/searched augmentation policies with torchvision's op list and magnitude tables: RandAugment,
// TrivialAugmentWide and AutoAugment's ImageNet policy. Geometric ops (shear, translate, rotate) move the targets.
using Fovea.Random;

namespace Fovea.Data.Augmentation;

/// <summary>The operations of the policies (torchvision's _apply_op names).</summary>
public enum PolicyOp
{
    Identity, ShearX, ShearY, TranslateX, TranslateY, Rotate, Brightness, Color, Contrast, Sharpness,
    Posterize, Solarize, AutoContrast, Equalize, Invert,
}

/// <summary>torchvision's _apply_op on samples.</summary>
public static class PolicyOps
{
    /// <summary>Applies one op with a (signed) magnitude, as torchvision.transforms.autoaugment._apply_op.</summary>
    public static AugmentSample Apply(AugmentSample s, PolicyOp op, double magnitude, Interpolation mode = Interpolation.Nearest, byte[]? fill = null)
    {
        double shear = Math.Atan(magnitude) * 180 / Math.PI;
        return op switch
        {
            PolicyOp.Identity => s,
            PolicyOp.ShearX => GeometricOps.Affine(s, 0, (0, 0), 1, (shear, 0), mode, fill, center: (0, 0)),
            PolicyOp.ShearY => GeometricOps.Affine(s, 0, (0, 0), 1, (0, shear), mode, fill, center: (0, 0)),
            PolicyOp.TranslateX => GeometricOps.Affine(s, 0, ((int)magnitude, 0), 1, (0, 0), mode, fill),
            PolicyOp.TranslateY => GeometricOps.Affine(s, 0, (0, (int)magnitude), 1, (0, 0), mode, fill),
            PolicyOp.Rotate => GeometricOps.Rotate(s, magnitude, mode, fill),
            PolicyOp.Brightness => s.With(image: ColorOps.Brightness(s.Image, 1 + magnitude)),
            PolicyOp.Color => s.With(image: ColorOps.Saturation(s.Image, 1 + magnitude)),
            PolicyOp.Contrast => s.With(image: ColorOps.Contrast(s.Image, 1 + magnitude)),
            PolicyOp.Sharpness => s.With(image: ColorOps.Sharpness(s.Image, 1 + magnitude)),
            PolicyOp.Posterize => s.With(image: ColorOps.Posterize(s.Image, (int)magnitude)),
            PolicyOp.Solarize => s.With(image: ColorOps.Solarize(s.Image, magnitude)),
            PolicyOp.AutoContrast => s.With(image: ColorOps.AutoContrast(s.Image)),
            PolicyOp.Equalize => s.With(image: ColorOps.Equalize(s.Image)),
            PolicyOp.Invert => s.With(image: ColorOps.Invert(s.Image)),
            _ => throw new ArgumentOutOfRangeException(nameof(op), $"PolicyOps: unknown op {op}."),
        };
    }

    /// <summary>torch.linspace(start, end, n) in float32, as double.</summary>
    public static double[] Linspace(double start, double end, int n) =>
        Enumerable.Range(0, n).Select(i => (double)(float)(n == 1 ? start : start + (end - start) * i / (n - 1))).ToArray();

    /// <summary>Posterize bits 8 - round(i / ((n - 1) / range)) for bin i (range 4 for RandAugment/AutoAugment, 6 for TrivialAugment).</summary>
    public static double[] PosterizeBits(int n, double range) =>
        Enumerable.Range(0, n).Select(i => 8.0 - Math.Round(i / ((n - 1) / range), MidpointRounding.ToEven)).ToArray();

    /// <summary>
    /// The magnitude table (values per bin, and whether the sign is random) of torchvision's RandAugment/AutoAugment
    /// (<paramref name="wide"/> false; translation up to 150/331 of the size) or TrivialAugmentWide (true).
    /// </summary>
    public static (double[] Magnitudes, bool Signed) Space(PolicyOp op, int bins, int width, int height, bool wide)
    {
        double big = wide ? 0.99 : 0.9;
        return op switch
        {
            PolicyOp.ShearX or PolicyOp.ShearY => (Linspace(0, wide ? 0.99 : 0.3, bins), true),
            PolicyOp.TranslateX => (Linspace(0, wide ? 32 : 150.0 / 331.0 * width, bins), true),
            PolicyOp.TranslateY => (Linspace(0, wide ? 32 : 150.0 / 331.0 * height, bins), true),
            PolicyOp.Rotate => (Linspace(0, wide ? 135 : 30, bins), true),
            PolicyOp.Brightness or PolicyOp.Color or PolicyOp.Contrast or PolicyOp.Sharpness => (Linspace(0, big, bins), true),
            PolicyOp.Posterize => (PosterizeBits(bins, wide ? 6 : 4), false),
            PolicyOp.Solarize => (Linspace(255, 0, bins), false),
            _ => ([0.0], false),
        };
    }

    /// <summary>Applies op at magnitude bin <paramref name="bin"/> with a random sign where signed (as torchvision).</summary>
    internal static AugmentSample ApplyBin(AugmentSample s, PolicyOp op, int bin, int bins, bool wide, bool negate, Interpolation mode, byte[]? fill)
    {
        var (mags, signed) = Space(op, bins, s.Width, s.Height, wide);
        double m = mags.Length > 1 ? mags[bin] : 0.0;
        if (signed && negate) m = -m;
        return Apply(s, op, m, mode, fill);
    }
}

/// <summary>
/// torchvision's RandAugment: <c>numOps</c> ops drawn uniformly (with repetition) from the 14-op list, each at
/// magnitude bin <c>magnitude</c> of <c>bins</c>, with a random sign for signed ops.
/// </summary>
public sealed class RandAugment(int numOps = 2, int magnitude = 9, int bins = 31, Interpolation mode = Interpolation.Nearest, byte[]? fill = null) : ITransform
{
    /// <summary>RandAugment's ops, in torchvision's order.</summary>
    public static readonly PolicyOp[] Ops =
    [
        PolicyOp.Identity, PolicyOp.ShearX, PolicyOp.ShearY, PolicyOp.TranslateX, PolicyOp.TranslateY, PolicyOp.Rotate,
        PolicyOp.Brightness, PolicyOp.Color, PolicyOp.Contrast, PolicyOp.Sharpness, PolicyOp.Posterize, PolicyOp.Solarize,
        PolicyOp.AutoContrast, PolicyOp.Equalize,
    ];

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g)
    {
        if (magnitude < 0 || magnitude >= bins) throw new ArgumentOutOfRangeException(nameof(magnitude), $"RandAugment: magnitude must be in [0, {bins}), got {magnitude}.");
        for (int i = 0; i < numOps; i++)
        {
            var op = Ops[Rng.Int(g, 0, Ops.Length)];
            bool negate = g.NextLong(2) == 1;
            s = PolicyOps.ApplyBin(s, op, magnitude, bins, wide: false, negate, mode, fill);
        }
        return s;
    }
}

/// <summary>torchvision's TrivialAugmentWide: one op uniformly from RandAugment's list, magnitude bin uniform, wide ranges.</summary>
public sealed class TrivialAugmentWide(int bins = 31, Interpolation mode = Interpolation.Nearest, byte[]? fill = null) : ITransform
{
    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g)
    {
        var op = RandAugment.Ops[Rng.Int(g, 0, RandAugment.Ops.Length)];
        var (mags, _) = PolicyOps.Space(op, bins, s.Width, s.Height, wide: true);
        int bin = Rng.Int(g, 0, mags.Length);
        bool negate = g.NextLong(2) == 1;
        return PolicyOps.ApplyBin(s, op, bin, bins, wide: true, negate, mode, fill);
    }
}

/// <summary>
/// AutoAugment (Cubuk et al., 2019) with torchvision's ImageNet policy: one of 25 sub-policies uniformly; each of
/// its two (op, probability, magnitude bin of 10) steps runs with its probability, sign random where signed.
/// </summary>
public sealed class AutoAugment(Interpolation mode = Interpolation.Nearest, byte[]? fill = null) : ITransform
{
    /// <summary>torchvision's AutoAugmentPolicy.IMAGENET sub-policies; bin -1 means no magnitude.</summary>
    public static readonly (PolicyOp Op, double P, int Bin)[][] ImageNetPolicy =
    [
        [(PolicyOp.Posterize, 0.4, 8), (PolicyOp.Rotate, 0.6, 9)],
        [(PolicyOp.Solarize, 0.6, 5), (PolicyOp.AutoContrast, 0.6, -1)],
        [(PolicyOp.Equalize, 0.8, -1), (PolicyOp.Equalize, 0.6, -1)],
        [(PolicyOp.Posterize, 0.6, 7), (PolicyOp.Posterize, 0.6, 6)],
        [(PolicyOp.Equalize, 0.4, -1), (PolicyOp.Solarize, 0.2, 4)],
        [(PolicyOp.Equalize, 0.4, -1), (PolicyOp.Rotate, 0.8, 8)],
        [(PolicyOp.Solarize, 0.6, 3), (PolicyOp.Equalize, 0.6, -1)],
        [(PolicyOp.Posterize, 0.8, 5), (PolicyOp.Equalize, 1.0, -1)],
        [(PolicyOp.Rotate, 0.2, 3), (PolicyOp.Solarize, 0.6, 8)],
        [(PolicyOp.Equalize, 0.6, -1), (PolicyOp.Posterize, 0.4, 6)],
        [(PolicyOp.Rotate, 0.8, 8), (PolicyOp.Color, 0.4, 0)],
        [(PolicyOp.Rotate, 0.4, 9), (PolicyOp.Equalize, 0.6, -1)],
        [(PolicyOp.Equalize, 0.0, -1), (PolicyOp.Equalize, 0.8, -1)],
        [(PolicyOp.Invert, 0.6, -1), (PolicyOp.Equalize, 1.0, -1)],
        [(PolicyOp.Color, 0.6, 4), (PolicyOp.Contrast, 1.0, 8)],
        [(PolicyOp.Rotate, 0.8, 8), (PolicyOp.Color, 1.0, 2)],
        [(PolicyOp.Color, 0.8, 8), (PolicyOp.Solarize, 0.8, 7)],
        [(PolicyOp.Sharpness, 0.4, 7), (PolicyOp.Invert, 0.6, -1)],
        [(PolicyOp.ShearX, 0.6, 5), (PolicyOp.Equalize, 1.0, -1)],
        [(PolicyOp.Color, 0.4, 0), (PolicyOp.Equalize, 0.6, -1)],
        [(PolicyOp.Equalize, 0.4, -1), (PolicyOp.Solarize, 0.2, 4)],
        [(PolicyOp.Solarize, 0.6, 5), (PolicyOp.AutoContrast, 0.6, -1)],
        [(PolicyOp.Invert, 0.6, -1), (PolicyOp.Equalize, 1.0, -1)],
        [(PolicyOp.Color, 0.6, 4), (PolicyOp.Contrast, 1.0, 8)],
        [(PolicyOp.Equalize, 0.8, -1), (PolicyOp.Equalize, 0.6, -1)],
    ];

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g)
    {
        var sub = ImageNetPolicy[Rng.Int(g, 0, ImageNetPolicy.Length)];
        double p0 = g.NextDouble(), p1 = g.NextDouble();
        bool n0 = g.NextLong(2) == 0, n1 = g.NextLong(2) == 0;
        double[] probs = [p0, p1];
        bool[] negate = [n0, n1];
        for (int i = 0; i < 2; i++)
        {
            var (op, p, bin) = sub[i];
            if (!(probs[i] <= p)) continue;
            s = bin < 0 ? PolicyOps.Apply(s, op, 0, mode, fill) : PolicyOps.ApplyBin(s, op, bin, 10, wide: false, negate[i], mode, fill);
        }
        return s;
    }
}
