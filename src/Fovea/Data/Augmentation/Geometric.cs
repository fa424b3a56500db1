// Random geometric transforms: flips, rotation, affine, crops (torchvision's RandomResizedCrop sampling), pad,
// resize, perspective. Each draws its parameters from the generator and calls GeometricOps.
using Fovea.Random;

namespace Fovea.Data.Augmentation;

/// <summary>Mirrors left-right with probability <c>p</c>.</summary>
public sealed class HorizontalFlip(double p = 0.5) : ITransform
{
    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g) => g.NextDouble() < p ? GeometricOps.FlipHorizontal(s) : s;
}

/// <summary>Mirrors top-bottom with probability <c>p</c>.</summary>
public sealed class VerticalFlip(double p = 0.5) : ITransform
{
    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g) => g.NextDouble() < p ? GeometricOps.FlipVertical(s) : s;
}

/// <summary>Rotates by an angle uniform in [minDegrees, maxDegrees] (counter-clockwise positive), keeping the size.</summary>
public sealed class Rotate(double minDegrees, double maxDegrees, Interpolation mode = Interpolation.Bilinear, byte[]? fill = null) : ITransform
{
    /// <summary>Angle uniform in [-degrees, degrees].</summary>
    public Rotate(double degrees) : this(-degrees, degrees) { }

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g) => GeometricOps.Rotate(s, Rng.Uniform(g, minDegrees, maxDegrees), mode, fill);
}

/// <summary>
/// torchvision's RandomAffine: angle uniform in <c>degrees</c>; translation up to <c>translate</c> (fractions of
/// width/height, rounded to whole pixels); scale uniform in <c>scale</c>; shear x (and y) uniform in the ranges.
/// </summary>
public sealed class Affine : ITransform
{
    private readonly (double Min, double Max) _degrees;
    private readonly (double X, double Y) _translate;
    private readonly (double Min, double Max) _scale;
    private readonly (double Min, double Max) _shearX, _shearY;
    private readonly Interpolation _mode;
    private readonly byte[]? _fill;

    public Affine((double Min, double Max) degrees, (double X, double Y)? translate = null, (double Min, double Max)? scale = null,
        (double Min, double Max)? shearX = null, (double Min, double Max)? shearY = null, Interpolation mode = Interpolation.Bilinear, byte[]? fill = null)
    {
        _degrees = degrees;
        _translate = translate ?? (0, 0);
        _scale = scale ?? (1, 1);
        if (_translate.X is < 0 or > 1 || _translate.Y is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(translate), $"Affine: translate fractions must be in [0, 1], got {_translate}.");
        if (_scale.Min <= 0 || _scale.Max < _scale.Min) throw new ArgumentOutOfRangeException(nameof(scale), $"Affine: scale range must be positive and ordered, got {_scale}.");
        _shearX = shearX ?? (0, 0);
        _shearY = shearY ?? (0, 0);
        _mode = mode;
        _fill = fill;
    }

    /// <summary>Draws (angle, translate, scale, shear) like torchvision's RandomAffine.get_params.</summary>
    public (double Angle, (int X, int Y) Translate, double Scale, (double X, double Y) Shear) Sample(int width, int height, Generator g)
    {
        double angle = Rng.Uniform(g, _degrees.Min, _degrees.Max);
        double maxDx = _translate.X * width, maxDy = _translate.Y * height;
        int tx = (int)Math.Round(Rng.Uniform(g, -maxDx, maxDx)), ty = (int)Math.Round(Rng.Uniform(g, -maxDy, maxDy));
        double scale = Rng.Uniform(g, _scale.Min, _scale.Max);
        double shx = Rng.Uniform(g, _shearX.Min, _shearX.Max), shy = Rng.Uniform(g, _shearY.Min, _shearY.Max);
        return (angle, (tx, ty), scale, (shx, shy));
    }

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g)
    {
        var (angle, t, scale, shear) = Sample(s.Width, s.Height, g);
        return GeometricOps.Affine(s, angle, (t.X, t.Y), scale, shear, _mode, _fill);
    }
}

/// <summary>
/// torchvision's RandomResizedCrop: a crop with area fraction in <c>scale</c> and log-uniform aspect ratio in
/// <c>ratio</c> (10 tries, then a centre crop clamped to the ratio range), resized to width x height.
/// </summary>
public sealed class RandomResizedCrop(int height, int width, (double Min, double Max)? scale = null, (double Min, double Max)? ratio = null,
    Interpolation mode = Interpolation.Bilinear) : ITransform
{
    private readonly (double Min, double Max) _scale = scale ?? (0.08, 1.0);
    private readonly (double Min, double Max) _ratio = ratio ?? (3.0 / 4, 4.0 / 3);

    /// <summary>Square output.</summary>
    public RandomResizedCrop(int size) : this(size, size) { }

    /// <summary>The crop (top, left, height, width), drawn as torchvision's get_params.</summary>
    public (int Top, int Left, int Height, int Width) Sample(int imgW, int imgH, Generator g)
    {
        double area = (double)imgW * imgH;
        double logR0 = Math.Log(_ratio.Min), logR1 = Math.Log(_ratio.Max);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * Rng.Uniform(g, _scale.Min, _scale.Max);
            double aspect = Math.Exp(Rng.Uniform(g, logR0, logR1));
            int w = (int)Math.Round(Math.Sqrt(target * aspect), MidpointRounding.ToEven);
            int h = (int)Math.Round(Math.Sqrt(target / aspect), MidpointRounding.ToEven);
            if (w > 0 && w <= imgW && h > 0 && h <= imgH)
                return (Rng.Int(g, 0, imgH - h + 1), Rng.Int(g, 0, imgW - w + 1), h, w);
        }
        double inRatio = (double)imgW / imgH;
        int cw = imgW, ch = imgH;
        if (inRatio < _ratio.Min) ch = (int)Math.Round(cw / _ratio.Min, MidpointRounding.ToEven);
        else if (inRatio > _ratio.Max) cw = (int)Math.Round(ch * _ratio.Max, MidpointRounding.ToEven);
        return ((imgH - ch) / 2, (imgW - cw) / 2, ch, cw);
    }

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g)
    {
        var (top, left, h, w) = Sample(s.Width, s.Height, g);
        return GeometricOps.Resize(GeometricOps.Crop(s, left, top, w, h), width, height, mode);
    }
}

/// <summary>torchvision's CenterCrop: offsets round((size - crop) / 2) half-to-even; pads with zeros when the crop is larger.</summary>
public sealed class CenterCrop(int height, int width) : ITransform
{
    /// <summary>Square crop.</summary>
    public CenterCrop(int size) : this(size, size) { }

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g) => Run(s);

    /// <summary>The deterministic crop.</summary>
    public AugmentSample Run(AugmentSample s)
    {
        if (width > s.Width || height > s.Height)
        {
            int padL = width > s.Width ? (width - s.Width) / 2 : 0, padT = height > s.Height ? (height - s.Height) / 2 : 0;
            int padR = width > s.Width ? (width - s.Width + 1) / 2 : 0, padB = height > s.Height ? (height - s.Height + 1) / 2 : 0;
            s = GeometricOps.Pad(s, padL, padT, padR, padB);
            if (s.Width == width && s.Height == height) return s;
        }
        int top = (int)Math.Round((s.Height - height) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((s.Width - width) / 2.0, MidpointRounding.ToEven);
        return GeometricOps.Crop(s, left, top, width, height);
    }
}

/// <summary>
/// torchvision's RandomCrop: optional padding on every side first, optional padding up to the crop size, then a
/// uniformly placed crop.
/// </summary>
public sealed class RandomCrop(int height, int width, int padding = 0, bool padIfNeeded = false, PadMode padMode = PadMode.Constant, byte[]? fill = null) : ITransform
{
    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g)
    {
        if (padding > 0) s = GeometricOps.Pad(s, padding, padding, padding, padding, padMode, fill);
        if (padIfNeeded && s.Width < width) { int d = width - s.Width; s = GeometricOps.Pad(s, d, 0, d, 0, padMode, fill); }
        if (padIfNeeded && s.Height < height) { int d = height - s.Height; s = GeometricOps.Pad(s, 0, d, 0, d, padMode, fill); }
        if (s.Width < width || s.Height < height)
            throw new ArgumentException($"RandomCrop: crop {width}x{height} is larger than the (padded) image {s.Width}x{s.Height}.");
        int top = Rng.Int(g, 0, s.Height - height + 1), left = Rng.Int(g, 0, s.Width - width + 1);
        return GeometricOps.Crop(s, left, top, width, height);
    }
}

/// <summary>Pads by fixed amounts.</summary>
public sealed class Pad(int left, int top, int right, int bottom, PadMode mode = PadMode.Constant, byte[]? fill = null) : ITransform
{
    /// <summary>The same padding on every side.</summary>
    public Pad(int all, PadMode mode = PadMode.Constant, byte[]? fill = null) : this(all, all, all, all, mode, fill) { }

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g) => GeometricOps.Pad(s, left, top, right, bottom, mode, fill);
}

/// <summary>
/// Resizes to a fixed size, or (with one size) so that the shorter side equals it and the longer side is
/// truncated from size·long/short, as torchvision's Resize.
/// </summary>
public sealed class Resize : ITransform
{
    private readonly int _height, _width;
    private readonly bool _shorterSide;
    private readonly Interpolation _mode;

    /// <summary>Fixed output size.</summary>
    public Resize(int height, int width, Interpolation mode = Interpolation.Bilinear)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"Resize: size must be positive, got {width}x{height}.");
        (_height, _width, _mode) = (height, width, mode);
    }

    /// <summary>Shorter side to <paramref name="size"/>, keeping the aspect ratio.</summary>
    public Resize(int size, Interpolation mode = Interpolation.Bilinear) : this(size, size, mode) => _shorterSide = true;

    /// <summary>The output size for an input of width x height.</summary>
    public (int Width, int Height) OutputSize(int width, int height)
    {
        if (!_shorterSide) return (_width, _height);
        return width <= height ? (_width, (int)((long)_width * height / width)) : ((int)((long)_height * width / height), _height);
    }

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g)
    {
        var (w, h) = OutputSize(s.Width, s.Height);
        return GeometricOps.Resize(s, w, h, _mode);
    }
}

/// <summary>
/// torchvision's RandomPerspective: with probability <c>p</c>, moves each corner inward by up to
/// distortionScale·half the width/height and warps accordingly.
/// </summary>
public sealed class Perspective(double distortionScale = 0.5, double p = 0.5, Interpolation mode = Interpolation.Bilinear, byte[]? fill = null) : ITransform
{
    /// <summary>Start and end corners (top-left, top-right, bottom-right, bottom-left), as torchvision's get_params.</summary>
    public static ((double X, double Y)[] Start, (double X, double Y)[] End) Sample(int width, int height, double distortionScale, Generator g)
    {
        int hw = width / 2, hh = height / 2;
        int dx = (int)(distortionScale * hw), dy = (int)(distortionScale * hh);
        (double, double) tl = (Rng.Int(g, 0, dx + 1), Rng.Int(g, 0, dy + 1));
        (double, double) tr = (Rng.Int(g, width - dx - 1, width), Rng.Int(g, 0, dy + 1));
        (double, double) br = (Rng.Int(g, width - dx - 1, width), Rng.Int(g, height - dy - 1, height));
        (double, double) bl = (Rng.Int(g, 0, dx + 1), Rng.Int(g, height - dy - 1, height));
        return ([(0, 0), (width - 1, 0), (width - 1, height - 1), (0, height - 1)], [tl, tr, br, bl]);
    }

    /// <inheritdoc/>
    public AugmentSample Apply(AugmentSample s, Generator g)
    {
        if (!(g.NextDouble() < p)) return s;
        var (start, end) = Sample(s.Width, s.Height, distortionScale, g);
        return GeometricOps.Perspective(s, start, end, mode, fill);
    }
}
