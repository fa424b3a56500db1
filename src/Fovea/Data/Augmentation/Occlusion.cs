// Occlusion transforms: RandomErasing (torchvision's sampling), Cutout (fixed-size holes) and GridMask (a regular
// grid of masked squares). They change pixels only; boxes, masks and keypoints stay as they are.
using Fovea.Imaging;
using Fovea.Random;

namespace Fovea.Data.Augmentation;

/// <summary>
/// torchvision's RandomErasing: with probability <c>p</c>, a rectangle of area fraction in <c>scale</c> and
/// log-uniform aspect (h/w) in <c>ratio</c> (10 tries; nothing erased if none fits strictly inside) is filled with
/// <c>value</c>, or with uniform random bytes when value is null.
/// </summary>
public sealed class RandomErasing(double p = 0.5, (double Min, double Max)? scale = null, (double Min, double Max)? ratio = null, byte[]? value = null) : PixelTransform
{
    private readonly (double Min, double Max) _scale = scale ?? (0.02, 0.33);
    private readonly (double Min, double Max) _ratio = ratio ?? (0.3, 3.3);

    /// <summary>The rectangle (top, left, height, width) of one draw, or null when none fits.</summary>
    public (int Top, int Left, int Height, int Width)? SampleBox(int imgW, int imgH, Generator g)
    {
        double area = (double)imgW * imgH, lr0 = Math.Log(_ratio.Min), lr1 = Math.Log(_ratio.Max);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double eraseArea = area * Rng.Uniform(g, _scale.Min, _scale.Max);
            double aspect = Math.Exp(Rng.Uniform(g, lr0, lr1));
            int h = (int)Math.Round(Math.Sqrt(eraseArea * aspect), MidpointRounding.ToEven);
            int w = (int)Math.Round(Math.Sqrt(eraseArea / aspect), MidpointRounding.ToEven);
            if (!(h < imgH && w < imgW)) continue;
            return (Rng.Int(g, 0, imgH - h + 1), Rng.Int(g, 0, imgW - w + 1), h, w);
        }
        return null;
    }

    protected override Image Transform(Image im, Generator g)
    {
        if (!(g.NextDouble() < p)) return im;
        var box = SampleBox(im.Width, im.Height, g);
        if (box == null) return im;
        var (top, left, h, w) = box.Value;
        if (value != null) return ColorOps.Erase(im, left, top, w, h, value);
        var outIm = ImageOps.Copy(im);
        int c = im.Channels;
        for (int y = top; y < top + h; y++)
            for (int x = left; x < left + w; x++)
                for (int k = 0; k < c; k++) outIm.Pixels[(y * im.Width + x) * c + k] = (byte)g.NextLong(256);
        return outIm;
    }
}

/// <summary>
/// Cutout (DeVries and Taylor, 2017): <c>holes</c> squares of side <c>size</c> pixels, centred uniformly in the
/// image (so they may be cut by the border), filled with <c>value</c>.
/// </summary>
public sealed class Cutout(int holes = 1, int size = 16, byte[]? value = null) : PixelTransform
{
    protected override Image Transform(Image im, Generator g)
    {
        var fill = value ?? [0];
        for (int i = 0; i < holes; i++)
        {
            int cx = Rng.Int(g, 0, im.Width), cy = Rng.Int(g, 0, im.Height);
            im = ColorOps.Erase(im, cx - size / 2, cy - size / 2, size, size, fill);
        }
        return im;
    }
}

/// <summary>
/// GridMask (Chen et al., 2020): a grid of period d (uniform integer in [minPeriod, maxPeriod] pixels) with random
/// offsets; in each d x d cell a square of side round(d · (1 - keepRatio)) is filled with <c>value</c>.
/// Applied with probability <c>p</c>.
/// </summary>
public sealed class GridMask(int minPeriod = 16, int maxPeriod = 48, double keepRatio = 0.6, double p = 1.0, byte[]? value = null) : PixelTransform
{
    protected override Image Transform(Image im, Generator g)
    {
        if (!(g.NextDouble() < p)) return im;
        int d = Rng.Int(g, minPeriod, maxPeriod + 1);
        int l = (int)Math.Round(d * (1 - keepRatio));
        int ox = Rng.Int(g, 0, d), oy = Rng.Int(g, 0, d);
        var fill = ImageOps.FillFor(value ?? [0], im.Channels);
        var outIm = ImageOps.Copy(im);
        int c = im.Channels;
        for (int y = 0; y < im.Height; y++)
        {
            if ((y + oy) % d >= l) continue;
            for (int x = 0; x < im.Width; x++)
                if ((x + ox) % d < l)
                    for (int k = 0; k < c; k++) outIm.Pixels[(y * im.Width + x) * c + k] = fill[k];
        }
        return outIm;
    }
}
