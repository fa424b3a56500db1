// Deterministic colour operations with torchvision's uint8-tensor semantics (torchvision.transforms.functional on
// uint8 tensors): float32 arithmetic, results truncated (blend-based ops) or rounded (filters) like torchvision.
// Colour channels only: an alpha channel passes through unchanged; saturation and hue leave gray images alone.
using Fovea.Imaging;

namespace Fovea.Data.Augmentation;

/// <summary>Colour operations on 8-bit images (torchvision functional semantics).</summary>
public static class ColorOps
{
    /// <summary>Applies <paramref name="f"/> to every colour sample (not alpha).</summary>
    public static Image MapColor(Image im, Func<byte, byte> f)
    {
        var lut = new byte[256];
        for (int v = 0; v < 256; v++) lut[v] = f((byte)v);
        return Lut(im, lut);
    }

    /// <summary>Maps colour samples through a 256-entry table.</summary>
    public static Image Lut(Image im, byte[] lut)
    {
        var outIm = ImageOps.Copy(im);
        int c = im.Channels, cc = ImageOps.ColorChannels(im);
        var p = outIm.Pixels;
        for (int i = 0; i < p.Length; i++) if (i % c < cc) p[i] = lut[p[i]];
        return outIm;
    }

    /// <summary>torchvision's _blend: trunc(clamp(ratio·a + (1-ratio)·b, 0, 255)) in float32, b per pixel (gray) or scalar.</summary>
    private static Image Blend(Image im, Func<int, float> other, double ratio)
    {
        var outIm = ImageOps.Copy(im);
        int c = im.Channels, cc = ImageOps.ColorChannels(im);
        float r = (float)ratio, r1 = (float)(1.0 - ratio);
        var p = outIm.Pixels;
        for (int i = 0; i < p.Length; i++)
        {
            if (i % c >= cc) continue;
            float v = r * p[i] + r1 * other(i / c);
            p[i] = (byte)Math.Clamp(v, 0f, 255f);
        }
        return outIm;
    }

    /// <summary>torchvision's rgb_to_grayscale luma per pixel: trunc(0.2989 r + 0.587 g + 0.114 b); gray images as is.</summary>
    public static byte[] Luma(Image im)
    {
        int n = im.Width * im.Height, c = im.Channels;
        var l = new byte[n];
        var p = im.Pixels;
        for (int i = 0; i < n; i++)
            l[i] = c >= 3 ? (byte)(0.2989f * p[i * c] + 0.587f * p[i * c + 1] + 0.114f * p[i * c + 2]) : p[i * c];
        return l;
    }

    /// <summary>Brightness: blends with black (factor 0 → black, 1 → unchanged).</summary>
    public static Image Brightness(Image im, double factor) => Blend(im, _ => 0f, Check(factor, "Brightness"));

    /// <summary>Contrast: blends with the mean luma (factor 0 → flat grey).</summary>
    public static Image Contrast(Image im, double factor)
    {
        var l = Luma(im);
        double sum = 0;
        foreach (var v in l) sum += v;
        float mean = (float)(sum / l.Length);
        return Blend(im, _ => mean, Check(factor, "Contrast"));
    }

    /// <summary>Saturation: blends with the luma image (factor 0 → grayscale).</summary>
    public static Image Saturation(Image im, double factor)
    {
        if (ImageOps.ColorChannels(im) == 1) return im;
        var l = Luma(im);
        return Blend(im, i => l[i], Check(factor, "Saturation"));
    }

    /// <summary>Sharpness: blends with torchvision's 3x3 smoothed image (borders unchanged).</summary>
    public static Image Sharpness(Image im, double factor)
    {
        if (im.Width <= 2 || im.Height <= 2) return im;
        var blurred = Filters.SmoothForSharpness(im);
        int c = im.Channels;
        var outIm = ImageOps.Copy(im);
        float r = (float)factor, r1 = (float)(1.0 - factor);
        int cc = ImageOps.ColorChannels(im);
        var p = outIm.Pixels;
        for (int i = 0; i < p.Length; i++)
            if (i % c < cc) p[i] = (byte)Math.Clamp(r * p[i] + r1 * blurred.Pixels[i], 0f, 255f);
        return outIm;
    }

    /// <summary>Hue shift by <paramref name="factor"/> of a turn (in [-0.5, 0.5]) through HSV, torchvision's float32 formulas.</summary>
    public static Image Hue(Image im, double factor)
    {
        if (factor is < -0.5 or > 0.5) throw new ArgumentOutOfRangeException(nameof(factor), $"Hue: factor must be in [-0.5, 0.5], got {factor}.");
        if (ImageOps.ColorChannels(im) == 1) return im;
        var outIm = ImageOps.Copy(im);
        int c = im.Channels;
        var p = outIm.Pixels;
        float hf = (float)factor;
        for (int i = 0; i < p.Length; i += c)
        {
            float r = p[i] / 255f, g = p[i + 1] / 255f, b = p[i + 2] / 255f;
            var (h, s, v) = RgbToHsv(r, g, b);
            h = Remainder(h + hf, 1f);
            (r, g, b) = HsvToRgb(h, s, v);
            p[i] = (byte)(r * 255f);
            p[i + 1] = (byte)(g * 255f);
            p[i + 2] = (byte)(b * 255f);
        }
        return outIm;
    }

    private static float Remainder(float a, float b)
    {
        float m = a % b;
        return m != 0 && (m < 0) != (b < 0) ? m + b : m;
    }

    private static (float H, float S, float V) RgbToHsv(float r, float g, float b)
    {
        float maxc = MathF.Max(r, MathF.Max(g, b)), minc = MathF.Min(r, MathF.Min(g, b));
        bool eq = maxc == minc;
        float cr = maxc - minc;
        float s = cr / (eq ? 1f : maxc);
        float div = eq ? 1f : cr;
        float rc = (maxc - r) / div, gc = (maxc - g) / div, bc = (maxc - b) / div;
        float hr = maxc == r ? bc - gc : 0f;
        float hg = maxc == g && maxc != r ? 2.0f + rc - bc : 0f;
        float hb = maxc != g && maxc != r ? 4.0f + gc - rc : 0f;
        float h = hr + hg + hb;
        h = (h / 6.0f + 1.0f) % 1.0f;
        return (h, s, maxc);
    }

    private static (float R, float G, float B) HsvToRgb(float h, float s, float v)
    {
        float fi = MathF.Floor(h * 6.0f);
        float f = h * 6.0f - fi;
        int i = (((int)fi % 6) + 6) % 6;
        float p = Math.Clamp(v * (1.0f - s), 0f, 1f);
        float q = Math.Clamp(v * (1.0f - s * f), 0f, 1f);
        float t = Math.Clamp(v * (1.0f - s * (1.0f - f)), 0f, 1f);
        return i switch
        {
            0 => (v, t, p),
            1 => (q, v, p),
            2 => (p, v, t),
            3 => (p, q, v),
            4 => (t, p, v),
            _ => (v, p, q),
        };
    }

    /// <summary>Gamma: trunc(255.999 · clamp(gain · (x/255)^gamma, 0, 1)) as torchvision's adjust_gamma.</summary>
    public static Image Gamma(Image im, double gamma, double gain = 1.0)
    {
        if (gamma < 0) throw new ArgumentOutOfRangeException(nameof(gamma), $"Gamma: gamma must be non-negative, got {gamma}.");
        return MapColor(im, v =>
        {
            float x = Math.Clamp((float)gain * MathF.Pow(v / 255f, (float)gamma), 0f, 1f);
            return (byte)(x * (255f + 1f - 1e-3f));
        });
    }

    /// <summary>Keeps the top <paramref name="bits"/> bits of each sample.</summary>
    public static Image Posterize(Image im, int bits)
    {
        if (bits is < 0 or > 8) throw new ArgumentOutOfRangeException(nameof(bits), $"Posterize: bits must be in [0, 8], got {bits}.");
        byte mask = (byte)~((1 << (8 - bits)) - 1);
        return MapColor(im, v => (byte)(v & mask));
    }

    /// <summary>Inverts samples at or above <paramref name="threshold"/>.</summary>
    public static Image Solarize(Image im, double threshold) => MapColor(im, v => v >= threshold ? (byte)(255 - v) : v);

    /// <summary>255 - x.</summary>
    public static Image Invert(Image im) => MapColor(im, v => (byte)(255 - v));

    /// <summary>torchvision's equalize: per-channel histogram equalisation (PIL's ImageOps.equalize formula).</summary>
    public static Image Equalize(Image im)
    {
        int c = im.Channels, cc = ImageOps.ColorChannels(im), n = im.Width * im.Height;
        var outIm = ImageOps.Copy(im);
        for (int ch = 0; ch < cc; ch++)
        {
            var hist = new long[256];
            for (int i = 0; i < n; i++) hist[im.Pixels[i * c + ch]]++;
            long sumNonzero = 0, last = 0;
            foreach (var h in hist) if (h != 0) { sumNonzero += h; last = h; }
            long step = (sumNonzero - last) / 255;
            if (step == 0) continue;
            var lut = new byte[256];
            long cum = 0;
            for (int v = 0; v < 256; v++)
            {
                lut[v] = (byte)Math.Clamp((cum + step / 2) / step, 0, 255);
                cum += hist[v];
            }
            for (int i = 0; i < n; i++) outIm.Pixels[i * c + ch] = lut[im.Pixels[i * c + ch]];
        }
        return outIm;
    }

    /// <summary>torchvision's autocontrast: per channel, stretches [min, max] to [0, 255] (float32, truncated).</summary>
    public static Image AutoContrast(Image im)
    {
        int c = im.Channels, cc = ImageOps.ColorChannels(im), n = im.Width * im.Height;
        var outIm = ImageOps.Copy(im);
        for (int ch = 0; ch < cc; ch++)
        {
            int lo = 255, hi = 0;
            for (int i = 0; i < n; i++) { int v = im.Pixels[i * c + ch]; lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
            // Python's bound / tensor is tensor.reciprocal() * bound in PyTorch.
            float min = lo, scale = 1f / (hi - lo) * 255f;
            if (!float.IsFinite(scale)) { min = 0; scale = 1; }
            for (int i = 0; i < n; i++)
                outIm.Pixels[i * c + ch] = (byte)Math.Clamp((im.Pixels[i * c + ch] - min) * scale, 0f, 255f);
        }
        return outIm;
    }

    /// <summary>Grayscale with torchvision's luma; keeps the channel layout (RGB stays 3 equal channels) unless <paramref name="single"/>.</summary>
    public static Image Grayscale(Image im, bool single = false)
    {
        var l = Luma(im);
        if (single) return new Image(im.Width, im.Height, ColorSpace.Gray, l);
        var outIm = ImageOps.Copy(im);
        int c = im.Channels, cc = ImageOps.ColorChannels(im);
        for (int i = 0; i < outIm.Pixels.Length; i++) if (i % c < cc) outIm.Pixels[i] = l[i / c];
        return outIm;
    }

    /// <summary>Fills the rectangle [left, left+width) x [top, top+height) with a colour (torchvision's F.erase with a constant).</summary>
    public static Image Erase(Image im, int left, int top, int width, int height, byte[] value)
    {
        var outIm = ImageOps.Copy(im);
        int c = im.Channels;
        var v = ImageOps.FillFor(value, c);
        for (int y = Math.Max(0, top); y < Math.Min(im.Height, top + height); y++)
            for (int x = Math.Max(0, left); x < Math.Min(im.Width, left + width); x++)
                for (int k = 0; k < c; k++) outIm.Pixels[(y * im.Width + x) * c + k] = v[k];
        return outIm;
    }

    private static double Check(double factor, string op) =>
        factor >= 0 && double.IsFinite(factor) ? factor : throw new ArgumentOutOfRangeException(nameof(factor), $"{op}: factor must be non-negative, got {factor}.");
}
