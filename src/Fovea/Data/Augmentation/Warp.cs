// Inverse-mapped warping shared by Rotate, Affine, Perspective, ElasticTransform and GridDistortion: a grid holds,
// per output pixel, the source position in index space (pixel centres at integers), and sampling follows
// torch.nn.functional.grid_sample (align_corners=False, zero padding) plus torchvision's fill handling, in
// float32, rounded half-to-even like torchvision's uint8 path.
using Fovea.Imaging;

namespace Fovea.Data.Augmentation;

/// <summary>Source positions (index space: pixel centres at integers) for every output pixel, row-major.</summary>
public sealed class WarpGrid(int width, int height)
{
    public int Width { get; } = width;
    public int Height { get; } = height;
    public float[] X { get; } = new float[width * height];
    public float[] Y { get; } = new float[width * height];

    /// <summary>Fills the grid from a map of continuous output coordinates to continuous source coordinates.</summary>
    public static WarpGrid FromMap(int width, int height, Func<double, double, (double X, double Y)> map)
    {
        var grid = new WarpGrid(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var (sx, sy) = map(x + 0.5, y + 0.5);
                grid.X[y * width + x] = (float)(sx - 0.5);
                grid.Y[y * width + x] = (float)(sy - 0.5);
            }
        return grid;
    }
}

/// <summary>Samples images through a <see cref="WarpGrid"/>.</summary>
public static class Warp
{
    /// <summary>
    /// Samples <paramref name="im"/> at the grid positions (Nearest or Bilinear). With <paramref name="fill"/> null,
    /// outside pixels count as 0 (grid_sample's zero padding); otherwise, like torchvision, a bilinear result v with
    /// in-frame weight m becomes v·m + (1-m)·fill and a nearest one takes fill when its source is outside.
    /// </summary>
    public static Image Sample(Image im, WarpGrid grid, Interpolation mode, byte[]? fill)
    {
        if (mode is not (Interpolation.Nearest or Interpolation.Bilinear))
            throw new ArgumentException($"Warp: interpolation must be Nearest or Bilinear, got {mode}.");
        int c = im.Channels, w = im.Width, h = im.Height;
        var fillValues = fill == null ? null : ImageOps.FillFor(fill, c);
        var outIm = new Image(grid.Width, grid.Height, im.Color);
        var src = im.Pixels;
        var dst = outIm.Pixels;
        Span<float> acc = stackalloc float[c];
        for (int i = 0; i < grid.X.Length; i++)
        {
            float ix = grid.X[i], iy = grid.Y[i];
            if (mode == Interpolation.Nearest)
            {
                int nx = (int)MathF.Round(ix, MidpointRounding.ToEven), ny = (int)MathF.Round(iy, MidpointRounding.ToEven);
                bool inside = float.IsFinite(ix) && float.IsFinite(iy) && nx >= 0 && nx < w && ny >= 0 && ny < h;
                for (int k = 0; k < c; k++)
                    dst[i * c + k] = inside ? src[(ny * w + nx) * c + k] : fillValues?[k] ?? (byte)0;
                continue;
            }
            acc.Clear();
            float m = 0;
            if (float.IsFinite(ix) && float.IsFinite(iy) && ix > -1 && iy > -1 && ix < w && iy < h)
            {
                float fx = MathF.Floor(ix), fy = MathF.Floor(iy);
                int x0 = (int)fx, y0 = (int)fy;
                float e = ix - fx, s = iy - fy, wx = (fx + 1) - ix, ny = (fy + 1) - iy;
                m += Tap(src, w, h, c, x0, y0, wx * ny, acc);
                m += Tap(src, w, h, c, x0 + 1, y0, e * ny, acc);
                m += Tap(src, w, h, c, x0, y0 + 1, wx * s, acc);
                m += Tap(src, w, h, c, x0 + 1, y0 + 1, e * s, acc);
            }
            for (int k = 0; k < c; k++)
            {
                float v = fillValues == null ? acc[k] : acc[k] * m + (1f - m) * fillValues[k];
                dst[i * c + k] = RoundToByte(v);
            }
        }
        return outIm;
    }

    private static float Tap(byte[] src, int w, int h, int c, int x, int y, float weight, Span<float> acc)
    {
        if (x < 0 || x >= w || y < 0 || y >= h) return 0;
        int o = (y * w + x) * c;
        for (int k = 0; k < c; k++) acc[k] += src[o + k] * weight;
        return weight;
    }

    /// <summary>Rounds half to even and clamps to [0, 255] (torch.round then the uint8 cast).</summary>
    public static byte RoundToByte(float v) => (byte)Math.Clamp(MathF.Round(v, MidpointRounding.ToEven), 0f, 255f);

    /// <summary>Warps a mask with nearest neighbour; outside → <paramref name="fill"/>.</summary>
    public static Image SampleMask(Image mask, WarpGrid grid, byte fill) => Sample(mask, grid, Interpolation.Nearest, [fill]);
}
