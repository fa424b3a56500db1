// Non-rigid geometric transforms: ElasticTransform (Simard et al. 2003: smoothed random displacement fields) and
// GridDistortion (piecewise-linear stretching of grid cells along each axis), plus Letterbox (aspect-preserving
// resize and pad with the scale/offset needed to map detections back).
using Fovea.Random;

namespace Fovea.Data.Augmentation;

/// <summary>
/// Elastic deformation (Simard et al., 2003): displacement fields dx, dy drawn uniform in [-1, 1] per pixel,
/// smoothed by a Gaussian of std <c>sigma</c> (pixels) and scaled by <c>alpha</c> (pixels); output pixel p samples
/// the input at p + (dx, dy)(p). Boxes follow the warped box masks; keypoints the nearest warped position.
/// </summary>
public sealed class ElasticTransform(double alpha = 34, double sigma = 4, Interpolation mode = Interpolation.Bilinear, byte[]? fill = null) : ITransform
{
    /// <summary>The sampling grid for a width x height image.</summary>
    public WarpGrid SampleGrid(int width, int height, Generator g)
    {
        var dx = Field(width, height, g);
        var dy = Field(width, height, g);
        var grid = new WarpGrid(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                grid.X[i] = x + dx[i];
                grid.Y[i] = y + dy[i];
            }
        return grid;
    }

    private float[] Field(int width, int height, Generator g)
    {
        var f = new float[width * height];
        for (int i = 0; i < f.Length; i++) f[i] = (float)(g.NextDouble() * 2 - 1);
        if (sigma > 0) f = Filters.GaussianBlurPlane(f, width, height, sigma, sigma, Filters.GaussianKernelSize(sigma), Filters.GaussianKernelSize(sigma));
        for (int i = 0; i < f.Length; i++) f[i] *= (float)alpha;
        return f;
    }

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g) => WarpByGrid(s, SampleGrid(s.Width, s.Height, g), mode, fill);

    /// <summary>Warps a sample through a grid with no closed-form forward map (boxes by mask, keypoints by search).</summary>
    public static AugmentSample WarpByGrid(AugmentSample s, WarpGrid grid, Interpolation mode, byte[]? fill)
    {
        var outS = s.With(image: Warp.Sample(s.Image, grid, mode, fill));
        if (s.Mask != null) outS.Mask = Warp.SampleMask(s.Mask, grid, s.MaskFill);
        if (s.Boxes != null) (outS.Boxes, outS.BoxLabels) = Targets.WarpBoxesByMask(s.Boxes, s.BoxLabels, grid, s.Width, s.Height, s.MinBoxVisibility, s.MinBoxSize);
        if (s.Keypoints != null) outS.Keypoints = Targets.WarpKeypointsBySearch(s.Keypoints, grid);
        return outS;
    }
}

/// <summary>
/// Grid distortion (as albumentations' GridDistortion, normalised to keep the frame): each axis is cut into
/// <c>numSteps</c> equal cells whose source lengths are scaled by factors uniform in [1 - limit, 1 + limit] and
/// renormalised to span the whole axis, so the map is monotone and piecewise linear (and so are boxes' moves).
/// </summary>
public sealed class GridDistortion(int numSteps = 5, double distortLimit = 0.3, Interpolation mode = Interpolation.Bilinear) : ITransform
{
    /// <summary>Source knot positions for an axis of length n (numSteps + 1 values from 0 to n).</summary>
    public double[] SampleKnots(int n, Generator g)
    {
        var knots = new double[numSteps + 1];
        for (int i = 0; i < numSteps; i++) knots[i + 1] = knots[i] + Rng.Uniform(g, 1 - distortLimit, 1 + distortLimit);
        double total = knots[numSteps];
        for (int i = 0; i <= numSteps; i++) knots[i] *= n / total;
        return knots;
    }

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g)
    {
        if (numSteps < 1 || distortLimit is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(numSteps), $"GridDistortion: need numSteps >= 1 and limit in [0, 1), got {numSteps}, {distortLimit}.");
        int w = s.Width, h = s.Height;
        var kx = SampleKnots(w, g);
        var ky = SampleKnots(h, g);
        var uniformX = Enumerable.Range(0, numSteps + 1).Select(i => (double)i * w / numSteps).ToArray();
        var uniformY = Enumerable.Range(0, numSteps + 1).Select(i => (double)i * h / numSteps).ToArray();
        var grid = WarpGrid.FromMap(w, h, (x, y) => (Piecewise(uniformX, kx, x), Piecewise(uniformY, ky, y)));
        return GeometricOps.WarpSample(s, grid, mode, null, (x, y) => (Piecewise(kx, uniformX, x), Piecewise(ky, uniformY, y)));
    }

    /// <summary>The piecewise-linear function through (from[i], to[i]), extended linearly past the ends.</summary>
    private static double Piecewise(double[] from, double[] to, double v)
    {
        int n = from.Length - 1, i = 0;
        while (i < n - 1 && v > from[i + 1]) i++;
        double t = (v - from[i]) / (from[i + 1] - from[i]);
        return to[i] + t * (to[i + 1] - to[i]);
    }
}

/// <summary>Where a letterboxed image sits: output = input · (ScaleX, ScaleY) + (PadX, PadY).</summary>
public readonly record struct LetterboxInfo(double ScaleX, double ScaleY, int PadX, int PadY)
{
    /// <summary>Maps xyxy boxes from letterboxed coordinates back to the original image (N x 4, new array).</summary>
    public float[,] ToOriginal(float[,] boxes)
    {
        var r = new float[boxes.GetLength(0), 4];
        for (int i = 0; i < boxes.GetLength(0); i++)
            for (int k = 0; k < 4; k++)
                r[i, k] = k % 2 == 0 ? (float)((boxes[i, k] - PadX) / ScaleX) : (float)((boxes[i, k] - PadY) / ScaleY);
        return r;
    }

    /// <summary>Maps a point from letterboxed coordinates back to the original image.</summary>
    public (double X, double Y) ToOriginal(double x, double y) => ((x - PadX) / ScaleX, (y - PadY) / ScaleY);
}

/// <summary>
/// Resizes keeping the aspect ratio so the image fits width x height (never enlarging when <c>scaleUp</c> is
/// false), then pads to exactly that size with <c>fill</c> (default 114, YOLO's grey), centred.
/// </summary>
public sealed class Letterbox(int width, int height, byte[]? fill = null, Interpolation mode = Interpolation.Bilinear, bool scaleUp = true) : ITransform
{
    private readonly byte[] _fill = fill ?? [114];

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g) => Run(s).Sample;

    /// <summary>The letterboxed sample and the mapping back to the input's coordinates.</summary>
    public (AugmentSample Sample, LetterboxInfo Info) Run(AugmentSample s)
    {
        double r = Math.Min((double)width / s.Width, (double)height / s.Height);
        if (!scaleUp) r = Math.Min(r, 1.0);
        int nw = Math.Clamp((int)Math.Round(s.Width * r), 1, width), nh = Math.Clamp((int)Math.Round(s.Height * r), 1, height);
        int padX = (width - nw) / 2, padY = (height - nh) / 2;
        var resized = GeometricOps.Resize(s, nw, nh, mode);
        var outS = GeometricOps.Pad(resized, padX, padY, width - nw - padX, height - nh - padY, PadMode.Constant, _fill);
        return (outS, new LetterboxInfo((double)nw / s.Width, (double)nh / s.Height, padX, padY));
    }
}
