// The one resampler behind Resize, RandomResizedCrop, Letterbox and the preview: a port of Pillow's
// ImagingResample (separable convolution, horizontal pass then vertical, 22-bit fixed-point coefficients, each
// pass rounded to 8 bits) for Bilinear, Bicubic (a = -0.5) and Area (box filter), which antialias when
// shrinking; and Pillow's nearest-neighbour scale (source = floor((x + 0.5) * in/out)). Results equal
// PIL.Image.resize on 8-bit Gray/RGB images (RGBA is resized per channel, without Pillow's premultiplied alpha).
using Fovea.Imaging;

namespace Fovea.Data.Augmentation;

/// <summary>Image resizing with Pillow's algorithms.</summary>
public static class Resampler
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes to <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static Image Resize(Image im, int width, int height, Interpolation mode)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"Resize: output size must be positive, got {width}x{height}.");
        if (width == im.Width && height == im.Height) return ImageOps.Copy(im);
        if (mode == Interpolation.Nearest) return Nearest(im, width, height);
        var (support, filter) = Filter(mode);
        var tmp = im;
        if (width != im.Width) tmp = Horizontal(im, width, support, filter);
        if (height != im.Height) tmp = Vertical(tmp, height, support, filter);
        return tmp;
    }

    private static (double Support, Func<double, double> Filter) Filter(Interpolation mode) => mode switch
    {
        Interpolation.Bilinear => (1.0, x => { x = Math.Abs(x); return x < 1.0 ? 1.0 - x : 0.0; }),
        Interpolation.Bicubic => (2.0, Bicubic),
        Interpolation.Area => (0.5, x => x > -0.5 && x <= 0.5 ? 1.0 : 0.0),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), $"Resize: unknown interpolation {mode}."),
    };

    private static double Bicubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    /// <summary>Per output index: first source index, tap count, and fixed-point weights (Pillow's precompute_coeffs).</summary>
    private static (int[] Start, int[] Count, int[] Weights, int KSize) Coefficients(int inSize, int outSize, double support, Func<double, double> filter)
    {
        double scale = (double)inSize / outSize, filterScale = Math.Max(scale, 1.0);
        support *= filterScale;
        int ksize = (int)Math.Ceiling(support) * 2 + 1;
        var start = new int[outSize];
        var count = new int[outSize];
        var weights = new int[outSize * ksize];
        var k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale, ww = 0, ss = 1.0 / filterScale;
            int xmin = Math.Max(0, (int)(center - support + 0.5));
            int xmax = Math.Min(inSize, (int)(center + support + 0.5)) - xmin;
            for (int x = 0; x < xmax; x++)
            {
                k[x] = filter((x + xmin - center + 0.5) * ss);
                ww += k[x];
            }
            for (int x = 0; x < xmax; x++)
            {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                weights[xx * ksize + x] = v < 0 ? (int)(-0.5 + v * (1 << PrecisionBits)) : (int)(0.5 + v * (1 << PrecisionBits));
            }
            start[xx] = xmin;
            count[xx] = Math.Max(xmax, 0);
        }
        return (start, count, weights, ksize);
    }

    private static byte Clip8(int v) => v >= (1 << PrecisionBits << 8) ? (byte)255 : v <= 0 ? (byte)0 : (byte)(v >> PrecisionBits);

    private static Image Horizontal(Image im, int outW, double support, Func<double, double> filter)
    {
        var (start, count, w, ksize) = Coefficients(im.Width, outW, support, filter);
        int c = im.Channels, inW = im.Width;
        var outIm = new Image(outW, im.Height, im.Color);
        var src = im.Pixels;
        var dst = outIm.Pixels;
        Span<int> sums = stackalloc int[c];
        for (int y = 0; y < im.Height; y++)
            for (int xx = 0; xx < outW; xx++)
            {
                // All channels of a pixel per tap (integer sums: the same result in any order).
                sums.Fill(1 << (PrecisionBits - 1));
                int baseIdx = (y * inW + start[xx]) * c;
                var weights = w.AsSpan(xx * ksize, count[xx]);
                for (int x = 0; x < weights.Length; x++)
                {
                    int wx = weights[x], p = baseIdx + x * c;
                    for (int ch = 0; ch < c; ch++) sums[ch] += src[p + ch] * wx;
                }
                int o = (y * outW + xx) * c;
                for (int ch = 0; ch < c; ch++) dst[o + ch] = Clip8(sums[ch]);
            }
        return outIm;
    }

    private static Image Vertical(Image im, int outH, double support, Func<double, double> filter)
    {
        var (start, count, w, ksize) = Coefficients(im.Height, outH, support, filter);
        int stride = im.Stride;
        var outIm = new Image(im.Width, outH, im.Color);
        var src = im.Pixels;
        var dst = outIm.Pixels;
        var acc = new int[stride];
        for (int yy = 0; yy < outH; yy++)
        {
            // Whole rows per tap, in memory order (integer sums: the same result in any order).
            Array.Fill(acc, 1 << (PrecisionBits - 1));
            for (int y = 0; y < count[yy]; y++)
            {
                int wy = w[yy * ksize + y];
                var row = src.AsSpan((start[yy] + y) * stride, stride);
                for (int i = 0; i < row.Length; i++) acc[i] += row[i] * wy;
            }
            var outRow = dst.AsSpan(yy * stride, stride);
            for (int i = 0; i < outRow.Length; i++) outRow[i] = Clip8(acc[i]);
        }
        return outIm;
    }

    /// <summary>Pillow's ImagingScaleAffine: source index = (int)(accumulated (x + 0.5) * in/out).</summary>
    private static Image Nearest(Image im, int outW, int outH)
    {
        int c = im.Channels;
        var xs = NearestIndices(im.Width, outW);
        var ys = NearestIndices(im.Height, outH);
        var outIm = new Image(outW, outH, im.Color);
        for (int y = 0; y < outH; y++)
            for (int x = 0; x < outW; x++)
                Array.Copy(im.Pixels, (ys[y] * im.Width + xs[x]) * c, outIm.Pixels, (y * outW + x) * c, c);
        return outIm;
    }

    private static int[] NearestIndices(int inSize, int outSize)
    {
        double a = (double)inSize / outSize, xo = a * 0.5;
        var idx = new int[outSize];
        for (int x = 0; x < outSize; x++)
        {
            idx[x] = Math.Clamp((int)xo, 0, inSize - 1);
            xo += a;
        }
        return idx;
    }
}
