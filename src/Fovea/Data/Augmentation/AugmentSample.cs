// The unit the augmentation library works on: an image plus optional targets (boxes with labels, a segmentation
// mask, keypoints) that geometric transforms move together with the pixels.
using Fovea.Imaging;

namespace Fovea.Data.Augmentation;

/// <summary>
/// An image and its optional targets. Coordinates are continuous pixel coordinates: pixel (row i, column j) covers
/// [j, j+1) x [i, i+1), so its centre is (j + 0.5, i + 0.5) and the frame spans [0, Width] x [0, Height].
/// <list type="bullet">
/// <item><see cref="Boxes"/>: N x 4 rows (x1, y1, x2, y2) with <see cref="BoxLabels"/> (length N) kept in step.
/// Geometric transforms clip boxes to the frame and drop those whose visible area is below
/// <see cref="MinBoxVisibility"/> of their transformed area, or whose clipped width or height is below
/// <see cref="MinBoxSize"/> pixels.</item>
/// <item><see cref="Mask"/>: a Gray image of the same size (class ids, or 0/255); always resampled with nearest
/// neighbour; uncovered areas get <see cref="MaskFill"/>.</item>
/// <item><see cref="Keypoints"/>: K x 3 rows (x, y, visibility). Points moved outside the frame get visibility 0;
/// points with visibility 0 are moved but stay invisible. The row order is never changed.</item>
/// </list>
/// Transforms return a new sample (or the same one when they change nothing); they never modify their input's arrays.
/// </summary>
public sealed class AugmentSample
{
    public AugmentSample(Image image, float[,]? boxes = null, int[]? boxLabels = null, Image? mask = null, float[,]? keypoints = null)
    {
        Image = image;
        Boxes = boxes;
        BoxLabels = boxLabels;
        Mask = mask;
        Keypoints = keypoints;
        Validate();
    }

    /// <summary>The pixels (8-bit).</summary>
    public Image Image { get; set; }
    /// <summary>N x 4 boxes (x1, y1, x2, y2) in pixels, or null.</summary>
    public float[,]? Boxes { get; set; }
    /// <summary>One label per box, or null.</summary>
    public int[]? BoxLabels { get; set; }
    /// <summary>A Gray mask the size of <see cref="Image"/>, or null.</summary>
    public Image? Mask { get; set; }
    /// <summary>K x 3 keypoints (x, y, visibility), or null.</summary>
    public float[,]? Keypoints { get; set; }
    /// <summary>Smallest visible fraction of a transformed box's area for the box to be kept (default 0).</summary>
    public float MinBoxVisibility { get; set; }
    /// <summary>Smallest clipped box width and height in pixels for the box to be kept (default 1).</summary>
    public float MinBoxSize { get; set; } = 1f;
    /// <summary>Mask value for areas a geometric transform uncovers (default 0; e.g. 255 for an ignore class).</summary>
    public byte MaskFill { get; set; }

    /// <summary>Width of the image.</summary>
    public int Width => Image.Width;
    /// <summary>Height of the image.</summary>
    public int Height => Image.Height;

    /// <summary>A shallow copy sharing images and arrays (transforms replace rather than modify them).</summary>
    public AugmentSample With(Image? image = null, float[,]? boxes = null, int[]? boxLabels = null, Image? mask = null, float[,]? keypoints = null)
    {
        var s = (AugmentSample)MemberwiseClone();
        if (image != null) s.Image = image;
        if (boxes != null) s.Boxes = boxes;
        if (boxLabels != null) s.BoxLabels = boxLabels;
        if (mask != null) s.Mask = mask;
        if (keypoints != null) s.Keypoints = keypoints;
        return s;
    }

    /// <summary>A copy that owns copies of every array (for callers that want to mutate the result).</summary>
    public AugmentSample DeepCopy()
    {
        var s = (AugmentSample)MemberwiseClone();
        s.Image = ImageOps.Copy(Image);
        s.Mask = Mask == null ? null : ImageOps.Copy(Mask);
        s.Boxes = (float[,]?)Boxes?.Clone();
        s.BoxLabels = (int[]?)BoxLabels?.Clone();
        s.Keypoints = (float[,]?)Keypoints?.Clone();
        return s;
    }

    /// <summary>Checks target shapes against the image; throws ArgumentException naming the mismatch.</summary>
    public void Validate()
    {
        if (Image.BitDepth != 8) throw new ArgumentException($"AugmentSample: only 8-bit images are supported, got {Image}.");
        if (Boxes != null && Boxes.GetLength(1) != 4) throw new ArgumentException($"AugmentSample: boxes must be N x 4, got {Boxes.GetLength(0)} x {Boxes.GetLength(1)}.");
        if (BoxLabels != null && (Boxes == null || BoxLabels.Length != Boxes.GetLength(0)))
            throw new ArgumentException($"AugmentSample: {BoxLabels.Length} box labels for {Boxes?.GetLength(0) ?? 0} boxes.");
        if (Mask != null && (Mask.Color != ColorSpace.Gray || Mask.Width != Image.Width || Mask.Height != Image.Height || Mask.BitDepth != 8))
            throw new ArgumentException($"AugmentSample: mask must be an 8-bit Gray {Image.Width}x{Image.Height} image, got {Mask}.");
        if (Keypoints != null && Keypoints.GetLength(1) != 3) throw new ArgumentException($"AugmentSample: keypoints must be K x 3 (x, y, visibility), got {Keypoints.GetLength(0)} x {Keypoints.GetLength(1)}.");
    }
}
