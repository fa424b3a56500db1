// Convolution filters on 8-bit images and float planes: torchvision's Gaussian kernel and blur (reflect padding,
// computed separably in float32, rounded half-to-even), the 3x3 smoothing behind adjust_sharpness, and a general
// 2-D kernel (motion blur).
using Fovea.Imaging;

namespace Fovea.Data.Augmentation;

/// <summary>Image filters.</summary>
public static class Filters
{
    /// <summary>torchvision's _get_gaussian_kernel1d: exp(-x²/2σ²) at x = -(k-1)/2 .. (k-1)/2, normalised (float32).</summary>
    public static float[] GaussianKernel(int size, double sigma)
    {
        if (size <= 0 || size % 2 == 0) throw new ArgumentOutOfRangeException(nameof(size), $"GaussianKernel: size must be odd and positive, got {size}.");
        if (!(sigma > 0)) throw new ArgumentOutOfRangeException(nameof(sigma), $"GaussianKernel: sigma must be positive, got {sigma}.");
        var k = new float[size];
        float half = (size - 1) * 0.5f, sum = 0, s = (float)sigma;
        for (int i = 0; i < size; i++)
        {
            float x = -half + i;
            k[i] = MathF.Exp(-0.5f * (x / s) * (x / s));
            sum += k[i];
        }
        for (int i = 0; i < size; i++) k[i] /= sum;
        return k;
    }

    /// <summary>An odd kernel size covering ±4σ (int(8σ + 1), made odd), as torchvision's ElasticTransform.</summary>
    public static int GaussianKernelSize(double sigma)
    {
        int k = (int)(8 * sigma + 1);
        return k % 2 == 0 ? k + 1 : k;
    }

    /// <summary>Separable convolution of a float plane with reflect-padded borders (horizontal kernel, then vertical).</summary>
    public static float[] ConvolveSeparable(float[] plane, int w, int h, float[] kx, float[] ky)
    {
        var tmp = new float[plane.Length];
        var outP = new float[plane.Length];
        int rx = kx.Length / 2, ry = ky.Length / 2;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float acc = 0;
                for (int k = 0; k < kx.Length; k++) acc += kx[k] * plane[y * w + ImageOps.PadIndex(x + k - rx, w, PadMode.Reflect)];
                tmp[y * w + x] = acc;
            }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float acc = 0;
                for (int k = 0; k < ky.Length; k++) acc += ky[k] * tmp[ImageOps.PadIndex(y + k - ry, h, PadMode.Reflect) * w + x];
                outP[y * w + x] = acc;
            }
        return outP;
    }

    /// <summary>Gaussian blur of a float plane.</summary>
    public static float[] GaussianBlurPlane(float[] plane, int w, int h, double sigmaX, double sigmaY, int sizeX, int sizeY) =>
        ConvolveSeparable(plane, w, h, GaussianKernel(sizeX, sigmaX), GaussianKernel(sizeY, sigmaY));

    /// <summary>torchvision's F.gaussian_blur (kernel sizes odd; every channel, alpha included).</summary>
    public static Image GaussianBlur(Image im, int sizeX, int sizeY, double sigmaX, double sigmaY) =>
        MapPlanes(im, (plane, w, h) => GaussianBlurPlane(plane, w, h, sigmaX, sigmaY, sizeX, sizeY));

    /// <summary>2-D convolution (correlation) with an odd-sized kernel, reflect padding, colour channels only.</summary>
    public static Image Convolve(Image im, float[,] kernel)
    {
        int kh = kernel.GetLength(0), kw = kernel.GetLength(1);
        return MapPlanes(im, (plane, w, h) =>
        {
            var outP = new float[plane.Length];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    float acc = 0;
                    for (int i = 0; i < kh; i++)
                    {
                        int sy = ImageOps.PadIndex(y + i - kh / 2, h, PadMode.Reflect);
                        for (int j = 0; j < kw; j++)
                            if (kernel[i, j] != 0) acc += kernel[i, j] * plane[sy * w + ImageOps.PadIndex(x + j - kw / 2, w, PadMode.Reflect)];
                    }
                    outP[y * w + x] = acc;
                }
            return outP;
        }, colorOnly: true);
    }

    /// <summary>torchvision's _blurred_degenerate_image: 3x3 kernel [1 1 1; 1 5 1; 1 1 1]/13 inside, borders unchanged.</summary>
    public static Image SmoothForSharpness(Image im)
    {
        var k = new float[3, 3];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) k[i, j] = (i == 1 && j == 1 ? 5f : 1f) / 13f;
        var blurred = Convolve(im, k);
        int c = im.Channels, w = im.Width, h = im.Height;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (y == 0 || x == 0 || y == h - 1 || x == w - 1)
                    Array.Copy(im.Pixels, (y * w + x) * c, blurred.Pixels, (y * w + x) * c, c);
        return blurred;
    }

    /// <summary>Applies a float-plane filter to each channel (or colour channels only) and rounds back to bytes.</summary>
    private static Image MapPlanes(Image im, Func<float[], int, int, float[]> f, bool colorOnly = false)
    {
        int c = im.Channels, n = im.Width * im.Height, cc = colorOnly ? ImageOps.ColorChannels(im) : c;
        var outIm = ImageOps.Copy(im);
        var plane = new float[n];
        for (int ch = 0; ch < cc; ch++)
        {
            for (int i = 0; i < n; i++) plane[i] = im.Pixels[i * c + ch];
            var r = f(plane, im.Width, im.Height);
            for (int i = 0; i < n; i++) outIm.Pixels[i * c + ch] = Warp.RoundToByte(r[i]);
        }
        return outIm;
    }
}
