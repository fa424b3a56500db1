// Pixel-level building blocks shared by the transforms: copy, crop, pad (constant/edge/reflect/symmetric), flips,
// and fill-colour handling. All work on 8-bit HWC images of any channel count.
using Fovea.Imaging;

namespace Fovea.Data.Augmentation;

/// <summary>Interpolation used when resampling pixels (masks always use <see cref="Nearest"/>).</summary>
public enum Interpolation
{
    Nearest,
    Bilinear,
    Bicubic,
    /// <summary>Box filter (PIL's BOX): each output pixel averages the input area it covers.</summary>
    Area,
}

/// <summary>How <see cref="ImageOps.Pad"/> fills the border (torchvision's padding modes).</summary>
public enum PadMode
{
    /// <summary>A constant fill colour.</summary>
    Constant,
    /// <summary>Repeats the edge pixel.</summary>
    Edge,
    /// <summary>Mirrors without repeating the edge pixel (abc|ba).</summary>
    Reflect,
    /// <summary>Mirrors repeating the edge pixel (abc|cb).</summary>
    Symmetric,
}

/// <summary>Crops, pads, flips and copies of 8-bit images.</summary>
public static class ImageOps
{
    /// <summary>A copy with its own pixel array.</summary>
    public static Image Copy(Image im) => new(im.Width, im.Height, im.Color, (byte[])im.Pixels.Clone());

    /// <summary>A blank image of the given size, filled with <paramref name="fill"/> (see <see cref="FillFor"/>).</summary>
    public static Image Filled(int width, int height, ColorSpace color, byte[] fill)
    {
        var im = new Image(width, height, color);
        int c = im.Channels;
        var p = im.Pixels;
        for (int i = 0; i < p.Length; i++) p[i] = fill[i % c];
        return im;
    }

    /// <summary>
    /// Expands a fill colour to one value per channel: null → zeros, one value → every colour channel (alpha gets
    /// 255), otherwise exactly <paramref name="channels"/> values.
    /// </summary>
    public static byte[] FillFor(byte[]? fill, int channels)
    {
        var f = new byte[channels];
        if (fill == null || fill.Length == 0) return f;
        if (fill.Length == channels) return fill;
        if (fill.Length != 1) throw new ArgumentException($"Fill: {fill.Length} values for a {channels}-channel image (give 1 or {channels}).");
        bool alpha = channels is 2 or 4;
        for (int i = 0; i < channels; i++) f[i] = alpha && i == channels - 1 ? (byte)255 : fill[0];
        return f;
    }

    /// <summary>The region [left, left+width) x [top, top+height); parts outside the image are filled with zeros.</summary>
    public static Image Crop(Image im, int left, int top, int width, int height, byte[]? fill = null)
    {
        int c = im.Channels;
        var outIm = Filled(width, height, im.Color, FillFor(fill, c));
        int x0 = Math.Max(0, left), x1 = Math.Min(im.Width, left + width);
        int y0 = Math.Max(0, top), y1 = Math.Min(im.Height, top + height);
        if (x1 <= x0) return outIm;
        for (int y = y0; y < y1; y++)
            Array.Copy(im.Pixels, (y * im.Width + x0) * c, outIm.Pixels, ((y - top) * width + x0 - left) * c, (x1 - x0) * c);
        return outIm;
    }

    /// <summary>Pads by the given amounts (non-negative) with the given mode; <paramref name="fill"/> for Constant.</summary>
    public static Image Pad(Image im, int left, int top, int right, int bottom, PadMode mode = PadMode.Constant, byte[]? fill = null)
    {
        if (left < 0 || top < 0 || right < 0 || bottom < 0) throw new ArgumentOutOfRangeException(nameof(left), $"Pad: padding must be non-negative, got ({left}, {top}, {right}, {bottom}).");
        if (mode == PadMode.Constant) return Crop(im, -left, -top, im.Width + left + right, im.Height + top + bottom, fill);
        if (mode == PadMode.Reflect && (left >= im.Width || right >= im.Width || top >= im.Height || bottom >= im.Height))
            throw new ArgumentException($"Pad: reflect padding ({left}, {top}, {right}, {bottom}) must be smaller than the image {im.Width}x{im.Height}.");
        int w = im.Width + left + right, h = im.Height + top + bottom, c = im.Channels;
        var outIm = new Image(w, h, im.Color);
        for (int y = 0; y < h; y++)
        {
            int sy = PadIndex(y - top, im.Height, mode);
            for (int x = 0; x < w; x++)
            {
                int sx = PadIndex(x - left, im.Width, mode);
                Array.Copy(im.Pixels, (sy * im.Width + sx) * c, outIm.Pixels, (y * w + x) * c, c);
            }
        }
        return outIm;
    }

    /// <summary>The source index for position <paramref name="i"/> of a padded axis of length <paramref name="n"/>.</summary>
    public static int PadIndex(int i, int n, PadMode mode)
    {
        if (i >= 0 && i < n) return i;
        if (mode == PadMode.Edge) return Math.Clamp(i, 0, n - 1);
        if (n == 1) return 0;
        if (mode == PadMode.Reflect)
        {
            int period = 2 * (n - 1);
            i = ((i % period) + period) % period;
            return i < n ? i : period - i;
        }
        int p2 = 2 * n;
        i = ((i % p2) + p2) % p2;
        return i < n ? i : p2 - 1 - i;
    }

    /// <summary>Mirror image left-right.</summary>
    public static Image FlipHorizontal(Image im)
    {
        int w = im.Width, c = im.Channels;
        var outIm = new Image(w, im.Height, im.Color);
        for (int y = 0; y < im.Height; y++)
            for (int x = 0; x < w; x++)
                Array.Copy(im.Pixels, (y * w + x) * c, outIm.Pixels, (y * w + w - 1 - x) * c, c);
        return outIm;
    }

    /// <summary>Mirror image top-bottom.</summary>
    public static Image FlipVertical(Image im)
    {
        int stride = im.Stride;
        var outIm = new Image(im.Width, im.Height, im.Color);
        for (int y = 0; y < im.Height; y++) Array.Copy(im.Pixels, y * stride, outIm.Pixels, (im.Height - 1 - y) * stride, stride);
        return outIm;
    }

    /// <summary>Number of colour channels (excluding alpha).</summary>
    public static int ColorChannels(Image im) => im.Color is ColorSpace.Rgb or ColorSpace.Rgba ? 3 : 1;

    /// <summary>Converts to RGB (gray replicated, alpha dropped).</summary>
    public static Image ToRgb(Image im)
    {
        if (im.Color == ColorSpace.Rgb) return im;
        var outIm = new Image(im.Width, im.Height, ColorSpace.Rgb);
        int c = im.Channels, n = im.Width * im.Height;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 3; k++)
                outIm.Pixels[i * 3 + k] = im.Pixels[i * c + (c >= 3 ? k : 0)];
        return outIm;
    }
}
