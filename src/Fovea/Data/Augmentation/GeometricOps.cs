// Deterministic geometric operations on whole samples (image, mask, boxes, keypoints together), with torchvision's
// conventions: flips, crop, pad, resize, affine (torchvision's inverse-matrix construction and float32 sampling
// grid) and perspective (torchvision's 8-coefficient homography). The random transforms draw parameters and call
// these.
using Fovea.Imaging;

namespace Fovea.Data.Augmentation;

/// <summary>Geometric operations on samples; each keeps the targets consistent with the pixels.</summary>
public static class GeometricOps
{
    /// <summary>Mirrors left-right: x → W - x.</summary>
    public static AugmentSample FlipHorizontal(AugmentSample s)
    {
        int w = s.Width;
        var outS = Targets.MapPoints(s, w, s.Height, (x, y) => (w - x, y));
        outS.Image = ImageOps.FlipHorizontal(s.Image);
        if (s.Mask != null) outS.Mask = ImageOps.FlipHorizontal(s.Mask);
        return outS;
    }

    /// <summary>Mirrors top-bottom: y → H - y.</summary>
    public static AugmentSample FlipVertical(AugmentSample s)
    {
        int h = s.Height;
        var outS = Targets.MapPoints(s, s.Width, h, (x, y) => (x, h - y));
        outS.Image = ImageOps.FlipVertical(s.Image);
        if (s.Mask != null) outS.Mask = ImageOps.FlipVertical(s.Mask);
        return outS;
    }

    /// <summary>The region [left, left+width) x [top, top+height); outside parts get <paramref name="fill"/> (mask: MaskFill).</summary>
    public static AugmentSample Crop(AugmentSample s, int left, int top, int width, int height, byte[]? fill = null)
    {
        var outS = Targets.MapPoints(s, width, height, (x, y) => (x - left, y - top));
        outS.Image = ImageOps.Crop(s.Image, left, top, width, height, fill);
        if (s.Mask != null) outS.Mask = ImageOps.Crop(s.Mask, left, top, width, height, [s.MaskFill]);
        return outS;
    }

    /// <summary>Pads the image (mask: same mode, constant padding uses MaskFill); targets shift by (left, top).</summary>
    public static AugmentSample Pad(AugmentSample s, int left, int top, int right, int bottom, PadMode mode = PadMode.Constant, byte[]? fill = null)
    {
        var im = ImageOps.Pad(s.Image, left, top, right, bottom, mode, fill);
        var outS = Targets.MapPoints(s, im.Width, im.Height, (x, y) => (x + left, y + top));
        outS.Image = im;
        if (s.Mask != null) outS.Mask = ImageOps.Pad(s.Mask, left, top, right, bottom, mode, [s.MaskFill]);
        return outS;
    }

    /// <summary>Resizes to width x height with <see cref="Resampler"/>; the mask uses nearest neighbour.</summary>
    public static AugmentSample Resize(AugmentSample s, int width, int height, Interpolation mode = Interpolation.Bilinear)
    {
        double fx = (double)width / s.Width, fy = (double)height / s.Height;
        var outS = Targets.MapPoints(s, width, height, (x, y) => (x * fx, y * fy));
        outS.Image = Resampler.Resize(s.Image, width, height, mode);
        if (s.Mask != null) outS.Mask = Resampler.Resize(s.Mask, width, height, Interpolation.Nearest);
        return outS;
    }

    /// <summary>
    /// torchvision's F.affine: rotation by <paramref name="angle"/> degrees (clockwise, as torchvision's affine),
    /// translation in pixels, scale, and shear (x, y) in degrees, about <paramref name="center"/> (pixels; image
    /// centre when null). Output keeps the input size; see <see cref="Warp.Sample"/> for <paramref name="fill"/>.
    /// </summary>
    public static AugmentSample Affine(AugmentSample s, double angle, (double X, double Y) translate, double scale, (double X, double Y) shear,
        Interpolation mode = Interpolation.Bilinear, byte[]? fill = null, (double X, double Y)? center = null)
    {
        int w = s.Width, h = s.Height;
        var c = center.HasValue ? (center.Value.X - w * 0.5, center.Value.Y - h * 0.5) : (0.0, 0.0);
        var m = InverseAffineMatrix(c, angle, translate, scale, shear);
        var grid = AffineGrid(m, w, h);
        double det = m[0] * m[4] - m[1] * m[3];
        // Forward map: p_out = A⁻¹ (p_src - C - b) + C, with C the image centre and M = [A | b].
        (double, double) Forward(double x, double y)
        {
            double u = x - w * 0.5 - m[2], v = y - h * 0.5 - m[5];
            return ((m[4] * u - m[1] * v) / det + w * 0.5, (-m[3] * u + m[0] * v) / det + h * 0.5);
        }
        return WarpSample(s, grid, mode, fill, Forward);
    }

    /// <summary>torchvision's F.rotate (counter-clockwise for positive angles, no expansion).</summary>
    public static AugmentSample Rotate(AugmentSample s, double angle, Interpolation mode = Interpolation.Bilinear, byte[]? fill = null) =>
        Affine(s, -angle, (0, 0), 1.0, (0, 0), mode, fill);

    /// <summary>Warps image and mask through the grid and moves boxes/keypoints with the forward map.</summary>
    public static AugmentSample WarpSample(AugmentSample s, WarpGrid grid, Interpolation mode, byte[]? fill, Func<double, double, (double, double)> forward)
    {
        var outS = Targets.MapPoints(s, grid.Width, grid.Height, forward);
        outS.Image = Warp.Sample(s.Image, grid, mode, fill);
        if (s.Mask != null) outS.Mask = Warp.SampleMask(s.Mask, grid, s.MaskFill);
        return outS;
    }

    /// <summary>torchvision's _get_inverse_affine_matrix (inverted = true), in image-centred coordinates.</summary>
    public static double[] InverseAffineMatrix((double X, double Y) center, double angle, (double X, double Y) translate, double scale, (double X, double Y) shear)
    {
        if (!(scale > 0)) throw new ArgumentOutOfRangeException(nameof(scale), $"Affine: scale must be positive, got {scale}.");
        double rot = angle * Math.PI / 180, sx = shear.X * Math.PI / 180, sy = shear.Y * Math.PI / 180;
        double a = Math.Cos(rot - sy) / Math.Cos(sy);
        double b = -Math.Cos(rot - sy) * Math.Tan(sx) / Math.Cos(sy) - Math.Sin(rot);
        double c = Math.Sin(rot - sy) / Math.Cos(sy);
        double d = -Math.Sin(rot - sy) * Math.Tan(sx) / Math.Cos(sy) + Math.Cos(rot);
        var m = new[] { d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0 };
        double cx = center.X, cy = center.Y, tx = translate.X, ty = translate.Y;
        m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
        m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
        m[2] += cx;
        m[5] += cy;
        return m;
    }

    /// <summary>torchvision's _gen_affine_grid followed by grid_sample's unnormalisation, in float32.</summary>
    public static WarpGrid AffineGrid(double[] m, int w, int h)
    {
        var grid = new WarpGrid(w, h);
        float hw = 0.5f * w, hh = 0.5f * h;
        float t0 = (float)m[0] / hw, t1 = (float)m[1] / hw, t2 = (float)m[2] / hw;
        float t3 = (float)m[3] / hh, t4 = (float)m[4] / hh, t5 = (float)m[5] / hh;
        for (int y = 0; y < h; y++)
        {
            float by = -h * 0.5f + 0.5f + y;
            for (int x = 0; x < w; x++)
            {
                float bx = -w * 0.5f + 0.5f + x;
                float gx = bx * t0 + by * t1 + t2, gy = bx * t3 + by * t4 + t5;
                grid.X[y * w + x] = ((gx + 1) * w - 1) / 2;
                grid.Y[y * w + x] = ((gy + 1) * h - 1) / 2;
            }
        }
        return grid;
    }

    /// <summary>
    /// torchvision's F.perspective: maps the quadrilateral <paramref name="startPoints"/> (top-left, top-right,
    /// bottom-right, bottom-left; pixels) onto <paramref name="endPoints"/>.
    /// </summary>
    public static AugmentSample Perspective(AugmentSample s, (double X, double Y)[] startPoints, (double X, double Y)[] endPoints,
        Interpolation mode = Interpolation.Bilinear, byte[]? fill = null)
    {
        var inverse = PerspectiveCoefficients(startPoints, endPoints);
        var forward = PerspectiveCoefficients(endPoints, startPoints);
        int w = s.Width, h = s.Height;
        var grid = new WarpGrid(w, h);
        var c = inverse.Select(v => (float)v).ToArray();
        float hw = 0.5f * w, hh = 0.5f * h;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float bx = x + 0.5f, by = y + 0.5f;
                float g1x = bx * (c[0] / hw) + by * (c[1] / hw) + c[2] / hw;
                float g1y = bx * (c[3] / hh) + by * (c[4] / hh) + c[5] / hh;
                float g2 = bx * c[6] + by * c[7] + 1f;
                float gx = g1x / g2 - 1f, gy = g1y / g2 - 1f;
                grid.X[y * w + x] = ((gx + 1) * w - 1) / 2;
                grid.Y[y * w + x] = ((gy + 1) * h - 1) / 2;
            }
        return WarpSample(s, grid, mode, fill, (x, y) => ApplyHomography(forward, x, y));
    }

    /// <summary>(a..h) with (x, y) → ((ax+by+c)/(gx+hy+1), (dx+ey+f)/(gx+hy+1)) taking endPoints to startPoints.</summary>
    public static double[] PerspectiveCoefficients((double X, double Y)[] startPoints, (double X, double Y)[] endPoints)
    {
        if (startPoints.Length != 4 || endPoints.Length != 4) throw new ArgumentException($"Perspective: needs 4 start and 4 end points, got {startPoints.Length} and {endPoints.Length}.");
        var a = new double[8, 9];
        for (int i = 0; i < 4; i++)
        {
            var (ex, ey) = endPoints[i];
            var (sx, sy) = startPoints[i];
            double[] r0 = [ex, ey, 1, 0, 0, 0, -sx * ex, -sx * ey, sx];
            double[] r1 = [0, 0, 0, ex, ey, 1, -sy * ex, -sy * ey, sy];
            for (int j = 0; j < 9; j++) { a[2 * i, j] = r0[j]; a[2 * i + 1, j] = r1[j]; }
        }
        return Solve(a);
    }

    private static (double, double) ApplyHomography(double[] c, double x, double y)
    {
        double den = c[6] * x + c[7] * y + 1;
        return ((c[0] * x + c[1] * y + c[2]) / den, (c[3] * x + c[4] * y + c[5]) / den);
    }

    /// <summary>Gaussian elimination with partial pivoting on an n x (n+1) augmented matrix.</summary>
    private static double[] Solve(double[,] a)
    {
        int n = a.GetLength(0);
        for (int col = 0; col < n; col++)
        {
            int piv = col;
            for (int r = col + 1; r < n; r++) if (Math.Abs(a[r, col]) > Math.Abs(a[piv, col])) piv = r;
            if (Math.Abs(a[piv, col]) < 1e-12) throw new ArgumentException("Perspective: the points are degenerate (three of them collinear).");
            for (int j = 0; j <= n; j++) (a[col, j], a[piv, j]) = (a[piv, j], a[col, j]);
            for (int r = 0; r < n; r++)
            {
                if (r == col) continue;
                double f = a[r, col] / a[col, col];
                for (int j = col; j <= n; j++) a[r, j] -= f * a[col, j];
            }
        }
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = a[i, n] / a[i, i];
        return x;
    }
}
