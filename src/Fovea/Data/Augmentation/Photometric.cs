// Random photometric transforms (pixels only; targets untouched): brightness, contrast, saturation, hue, gamma,
// ColorJitter (torchvision semantics, random order), grayscale, equalise, autocontrast, posterize, solarize, noise,
// blurs, JPEG artefacts.
using Fovea.Imaging;
using Fovea.Imaging.Codecs;
using Fovea.Random;

namespace Fovea.Data.Augmentation;

/// <summary>A factor range for the colour transforms (torchvision: delta d → [max(0, 1-d), 1+d]).</summary>
public readonly record struct FactorRange(double Min, double Max)
{
    /// <summary>[max(0, 1 - delta), 1 + delta].</summary>
    public static FactorRange AroundOne(double delta)
    {
        if (delta < 0) throw new ArgumentOutOfRangeException(nameof(delta), $"FactorRange: delta must be non-negative, got {delta}.");
        return new(Math.Max(0, 1 - delta), 1 + delta);
    }

    /// <summary>A uniform draw in [Min, Max).</summary>
    public double Draw(Generator g) => Rng.Uniform(g, Min, Max);
}

/// <summary>Applies an image function to a sample's image only.</summary>
public abstract class PixelTransform : ITransform
{
    /// <summary>The new image for this draw.</summary>
    protected abstract Image Transform(Image im, Generator g);

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g) => s.With(image: Transform(s.Image, g));
}

/// <summary>Brightness factor uniform in the range.</summary>
public sealed class Brightness(FactorRange range) : PixelTransform
{
    public Brightness(double delta) : this(FactorRange.AroundOne(delta)) { }
    protected override Image Transform(Image im, Generator g) => ColorOps.Brightness(im, range.Draw(g));
}

/// <summary>Contrast factor uniform in the range.</summary>
public sealed class Contrast(FactorRange range) : PixelTransform
{
    public Contrast(double delta) : this(FactorRange.AroundOne(delta)) { }
    protected override Image Transform(Image im, Generator g) => ColorOps.Contrast(im, range.Draw(g));
}

/// <summary>Saturation factor uniform in the range.</summary>
public sealed class Saturation(FactorRange range) : PixelTransform
{
    public Saturation(double delta) : this(FactorRange.AroundOne(delta)) { }
    protected override Image Transform(Image im, Generator g) => ColorOps.Saturation(im, range.Draw(g));
}

/// <summary>Hue shift uniform in [-delta, delta] (delta ≤ 0.5 turn).</summary>
public sealed class Hue(double delta) : PixelTransform
{
    protected override Image Transform(Image im, Generator g) => ColorOps.Hue(im, Rng.Uniform(g, -delta, delta));
}

/// <summary>Gamma uniform in the range (output = 255·gain·(x/255)^gamma).</summary>
public sealed class Gamma(double min, double max, double gain = 1.0) : PixelTransform
{
    protected override Image Transform(Image im, Generator g) => ColorOps.Gamma(im, Rng.Uniform(g, min, max), gain);
}

/// <summary>
/// torchvision's ColorJitter: brightness/contrast/saturation deltas d give factors in [max(0, 1-d), 1+d], hue in
/// [-h, h]; the four are applied in a random order (zero deltas skip their op).
/// </summary>
public sealed class ColorJitter(double brightness = 0, double contrast = 0, double saturation = 0, double hue = 0) : PixelTransform
{
    /// <summary>The order (0 brightness, 1 contrast, 2 saturation, 3 hue) and factors of one draw.</summary>
    public (int[] Order, double Brightness, double Contrast, double Saturation, double Hue) Sample(Generator g)
    {
        var order = Rng.Permutation(g, 4);
        double b = brightness > 0 ? FactorRange.AroundOne(brightness).Draw(g) : 1;
        double c = contrast > 0 ? FactorRange.AroundOne(contrast).Draw(g) : 1;
        double s = saturation > 0 ? FactorRange.AroundOne(saturation).Draw(g) : 1;
        double h = hue > 0 ? Rng.Uniform(g, -hue, hue) : 0;
        return (order, b, c, s, h);
    }

    protected override Image Transform(Image im, Generator g)
    {
        var (order, b, c, s, h) = Sample(g);
        foreach (int op in order)
            im = op switch
            {
                0 when brightness > 0 => ColorOps.Brightness(im, b),
                1 when contrast > 0 => ColorOps.Contrast(im, c),
                2 when saturation > 0 => ColorOps.Saturation(im, s),
                3 when hue > 0 => ColorOps.Hue(im, h),
                _ => im,
            };
        return im;
    }
}

/// <summary>Converts to grayscale with probability <c>p</c> (channel layout kept: RGB gets three equal channels).</summary>
public sealed class Grayscale(double p = 1.0) : PixelTransform
{
    protected override Image Transform(Image im, Generator g) => g.NextDouble() < p ? ColorOps.Grayscale(im) : im;
}

/// <summary>torchvision's RandomGrayscale (p = 0.1).</summary>
public sealed class RandomGrayscale(double p = 0.1) : PixelTransform
{
    protected override Image Transform(Image im, Generator g) => g.NextDouble() < p ? ColorOps.Grayscale(im) : im;
}

/// <summary>Histogram equalisation with probability <c>p</c>.</summary>
public sealed class HistogramEqualize(double p = 1.0) : PixelTransform
{
    protected override Image Transform(Image im, Generator g) => g.NextDouble() < p ? ColorOps.Equalize(im) : im;
}

/// <summary>Autocontrast with probability <c>p</c>.</summary>
public sealed class AutoContrast(double p = 1.0) : PixelTransform
{
    protected override Image Transform(Image im, Generator g) => g.NextDouble() < p ? ColorOps.AutoContrast(im) : im;
}

/// <summary>Keeps a number of bits uniform in [minBits, maxBits], with probability <c>p</c>.</summary>
public sealed class Posterize(int minBits, int maxBits, double p = 1.0) : PixelTransform
{
    public Posterize(int bits) : this(bits, bits) { }
    protected override Image Transform(Image im, Generator g) => g.NextDouble() < p ? ColorOps.Posterize(im, Rng.Int(g, minBits, maxBits + 1)) : im;
}

/// <summary>Inverts samples at or above a threshold uniform in [min, max], with probability <c>p</c>.</summary>
public sealed class Solarize(double minThreshold, double maxThreshold, double p = 1.0) : PixelTransform
{
    public Solarize(double threshold) : this(threshold, threshold) { }
    protected override Image Transform(Image im, Generator g) => g.NextDouble() < p ? ColorOps.Solarize(im, Rng.Uniform(g, minThreshold, maxThreshold)) : im;
}

/// <summary>Adds N(0, σ²) noise, σ uniform in [minStd, maxStd] (pixel units), per sample or shared across channels.</summary>
public sealed class GaussianNoise(double minStd, double maxStd, bool perChannel = true) : PixelTransform
{
    protected override Image Transform(Image im, Generator g)
    {
        double std = Rng.Uniform(g, minStd, maxStd);
        var outIm = ImageOps.Copy(im);
        int c = im.Channels, cc = ImageOps.ColorChannels(im);
        var p = outIm.Pixels;
        double shared = 0;
        for (int i = 0; i < p.Length; i++)
        {
            int k = i % c;
            if (k >= cc) continue;
            if (perChannel || k == 0) shared = Rng.Normal(g) * std;
            p[i] = Warp.RoundToByte((float)(p[i] + shared));
        }
        return outIm;
    }
}

/// <summary>Sets a fraction (uniform in [minAmount, maxAmount]) of pixels to white (salt) or black (pepper).</summary>
public sealed class SaltAndPepper(double minAmount, double maxAmount, double saltRatio = 0.5) : PixelTransform
{
    protected override Image Transform(Image im, Generator g)
    {
        double amount = Rng.Uniform(g, minAmount, maxAmount);
        var outIm = ImageOps.Copy(im);
        int c = im.Channels, cc = ImageOps.ColorChannels(im), n = im.Width * im.Height;
        for (int i = 0; i < n; i++)
        {
            if (!(g.NextDouble() < amount)) continue;
            byte v = g.NextDouble() < saltRatio ? (byte)255 : (byte)0;
            for (int k = 0; k < cc; k++) outIm.Pixels[i * c + k] = v;
        }
        return outIm;
    }
}

/// <summary>torchvision's GaussianBlur: odd kernel size, σ uniform in [minSigma, maxSigma].</summary>
public sealed class GaussianBlur(int kernelSize, double minSigma = 0.1, double maxSigma = 2.0) : PixelTransform
{
    protected override Image Transform(Image im, Generator g)
    {
        double sigma = Rng.Uniform(g, minSigma, maxSigma);
        return Filters.GaussianBlur(im, kernelSize, kernelSize, sigma, sigma);
    }
}

/// <summary>
/// Motion blur: averages along a line through the kernel centre at a uniform random angle; kernel size odd,
/// uniform among the odd sizes in [minSize, maxSize].
/// </summary>
public sealed class MotionBlur(int minSize = 3, int maxSize = 9) : PixelTransform
{
    /// <summary>The normalised line kernel of one draw.</summary>
    public float[,] SampleKernel(Generator g)
    {
        if (minSize < 3 || maxSize < minSize) throw new ArgumentOutOfRangeException(nameof(minSize), $"MotionBlur: sizes must satisfy 3 <= min <= max, got {minSize}, {maxSize}.");
        int lo = (minSize - 1) / 2, hi = (maxSize - 1) / 2;
        int r = Rng.Int(g, lo, hi + 1), size = 2 * r + 1;
        double angle = Rng.Uniform(g, 0, Math.PI);
        var k = new float[size, size];
        int count = 0;
        for (int t = -4 * r; t <= 4 * r; t++)
        {
            double d = t / 4.0;
            int x = r + (int)Math.Round(d * Math.Cos(angle)), y = r + (int)Math.Round(d * Math.Sin(angle));
            if (k[y, x] == 0) { k[y, x] = 1; count++; }
        }
        for (int y = 0; y < size; y++) for (int x = 0; x < size; x++) k[y, x] /= count;
        return k;
    }

    protected override Image Transform(Image im, Generator g) => Filters.Convolve(im, SampleKernel(g));
}

/// <summary>Re-encodes as JPEG at a quality uniform in [minQuality, maxQuality] (4:2:0) and decodes (alpha kept).</summary>
public sealed class JpegCompression(int minQuality = 30, int maxQuality = 90) : PixelTransform
{
    protected override Image Transform(Image im, Generator g)
    {
        if (minQuality < 1 || maxQuality > 100 || maxQuality < minQuality) throw new ArgumentOutOfRangeException(nameof(minQuality), $"JpegCompression: qualities must satisfy 1 <= min <= max <= 100, got {minQuality}, {maxQuality}.");
        int q = Rng.Int(g, minQuality, maxQuality + 1);
        var decoded = JpegDecoder.Decode(JpegEncoder.Encode(im, q));
        if (decoded.Channels == im.Channels) return decoded;
        // Alpha was dropped by the encoder: copy it back.
        var outIm = ImageOps.Copy(im);
        int c = im.Channels, dc = decoded.Channels, cc = ImageOps.ColorChannels(im);
        for (int i = 0; i < im.Width * im.Height; i++)
            for (int k = 0; k < cc; k++) outIm.Pixels[i * c + k] = decoded.Pixels[i * dc + Math.Min(k, dc - 1)];
        return outIm;
    }
}
