// Lighting changes: a global gain, a linear brightness gradient across the image, and soft shadows (random polygons
// darkened with blurred edges), multiplied together and applied to the colour channels.
using Fovea.Imaging;
using Fovea.Random;

namespace Fovea.Data.Augmentation;

/// <summary>
/// Illumination: pixel · gain · gradient(x, y) · shadow(x, y). gain is uniform in [1 - maxGain, 1 + maxGain]; the
/// gradient is 1 + s·t with t in [-1, 1] the position along a random direction and s uniform in ±maxGradient;
/// 0..maxShadows shadows are random star-shaped polygons (3-7 vertices) whose inside is multiplied by a darkness
/// uniform in [minDarkness, maxDarkness], their edges blurred with σ = softness·min(W, H).
/// </summary>
public sealed class Illumination(double maxGain = 0.2, double maxGradient = 0.3, int maxShadows = 2,
    double minDarkness = 0.4, double maxDarkness = 0.8, double softness = 0.03) : PixelTransform
{
    /// <summary>The per-pixel multiplier of one draw (row-major, width x height).</summary>
    public float[] SampleFactor(int w, int h, Generator g)
    {
        double gain = Rng.Uniform(g, 1 - maxGain, 1 + maxGain);
        double theta = Rng.Uniform(g, 0, 2 * Math.PI), strength = Rng.Uniform(g, -maxGradient, maxGradient);
        double cos = Math.Cos(theta), sin = Math.Sin(theta), extent = Math.Abs(cos) * w / 2 + Math.Abs(sin) * h / 2;
        var f = new float[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double t = ((x + 0.5 - w / 2.0) * cos + (y + 0.5 - h / 2.0) * sin) / extent;
                f[y * w + x] = (float)(gain * (1 + strength * t));
            }
        int shadows = Rng.Int(g, 0, maxShadows + 1);
        for (int i = 0; i < shadows; i++) ApplyShadow(f, w, h, g);
        return f;
    }

    private void ApplyShadow(float[] f, int w, int h, Generator g)
    {
        int n = Rng.Int(g, 3, 8);
        double cx = Rng.Uniform(g, 0, w), cy = Rng.Uniform(g, 0, h), radius = Rng.Uniform(g, 0.15, 0.5) * Math.Max(w, h);
        var angles = Enumerable.Range(0, n).Select(_ => Rng.Uniform(g, 0, 2 * Math.PI)).Order().ToArray();
        var poly = angles.Select(a =>
        {
            double r = radius * Rng.Uniform(g, 0.5, 1.0);
            return (X: cx + r * Math.Cos(a), Y: cy + r * Math.Sin(a));
        }).ToArray();
        double darkness = Rng.Uniform(g, minDarkness, maxDarkness);
        var inside = new float[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                inside[y * w + x] = PointInPolygon(poly, x + 0.5, y + 0.5) ? 1f : 0f;
        double sigma = softness * Math.Min(w, h);
        if (sigma > 0.3)
        {
            int k = Math.Min(Filters.GaussianKernelSize(sigma), 2 * Math.Min(w, h) - 1);
            if (k % 2 == 0) k--;
            inside = Filters.GaussianBlurPlane(inside, w, h, sigma, sigma, k, k);
        }
        for (int i = 0; i < f.Length; i++) f[i] *= (float)(1 - (1 - darkness) * inside[i]);
    }

    /// <summary>Even-odd rule.</summary>
    private static bool PointInPolygon((double X, double Y)[] poly, double x, double y)
    {
        bool inside = false;
        for (int i = 0, j = poly.Length - 1; i < poly.Length; j = i++)
        {
            var (xi, yi) = poly[i];
            var (xj, yj) = poly[j];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
        }
        return inside;
    }

    protected override Image Transform(Image im, Generator g)
    {
        var f = SampleFactor(im.Width, im.Height, g);
        var outIm = ImageOps.Copy(im);
        int c = im.Channels, cc = ImageOps.ColorChannels(im);
        for (int i = 0; i < outIm.Pixels.Length; i++)
            if (i % c < cc) outIm.Pixels[i] = Warp.RoundToByte(outIm.Pixels[i] * f[i / c]);
        return outIm;
    }
}
