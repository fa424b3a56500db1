// The target of one image in object detection / instance segmentation, the shape torchvision's detection
// models take: boxes as (N, 4) xyxy float32 in pixels, labels as (N) int64, and optional extras.
namespace Fovea.Data;

/// <summary>
/// Boxes and labels of the N objects of one image. <see cref="Boxes"/> is (N, 4) float32 holding
/// x1, y1, x2, y2 in pixels; <see cref="Labels"/> is (N) int64. Optional: <see cref="Masks"/> (N, H, W) uint8
/// with 1 inside the object, <see cref="Keypoints"/> (N, K, 3) float32 holding x, y, visibility,
/// <see cref="IsCrowd"/>, <see cref="Difficult"/>, <see cref="Truncated"/> (N) bool and <see cref="Area"/> (N) float32.
/// </summary>
public sealed record DetectionTarget(
    Tensor Boxes,
    Tensor Labels,
    Tensor? Masks = null,
    Tensor? Keypoints = null,
    Tensor? IsCrowd = null,
    Tensor? Difficult = null,
    Tensor? Truncated = null,
    Tensor? Area = null) : IDisposable
{
    /// <summary>The number of objects (N).</summary>
    public int Count => Boxes.Size(0);

    /// <summary>The image's id in its dataset (COCO image id; the index elsewhere).</summary>
    public long ImageId { get; init; }

    /// <summary>The image's width in pixels (0 when unknown).</summary>
    public int Width { get; init; }

    /// <summary>The image's height in pixels (0 when unknown).</summary>
    public int Height { get; init; }

    /// <summary>Builds a target from per-object lists; <paramref name="boxes"/> holds 4 floats (xyxy) per object.</summary>
    public static DetectionTarget Create(IReadOnlyList<float> boxes, IReadOnlyList<long> labels,
        IReadOnlyList<bool>? isCrowd = null, IReadOnlyList<bool>? difficult = null, IReadOnlyList<bool>? truncated = null,
        IReadOnlyList<float>? area = null)
    {
        int n = labels.Count;
        if (boxes.Count != 4 * n) throw new ArgumentException($"DetectionTarget.Create: {boxes.Count} box values for {n} labels, expected {4 * n}.", nameof(boxes));
        return new DetectionTarget(Tensor.FromArray(boxes.ToArray(), n, 4), Tensor.FromArray(labels.ToArray(), n),
            IsCrowd: isCrowd is null ? null : Tensor.FromArray(isCrowd.ToArray(), n),
            Difficult: difficult is null ? null : Tensor.FromArray(difficult.ToArray(), n),
            Truncated: truncated is null ? null : Tensor.FromArray(truncated.ToArray(), n),
            Area: area is null ? null : Tensor.FromArray(area.ToArray(), n));
    }

    /// <summary>Disposes every tensor of the target.</summary>
    public void Dispose()
    {
        Boxes.Dispose();
        Labels.Dispose();
        Masks?.Dispose();
        Keypoints?.Dispose();
        IsCrowd?.Dispose();
        Difficult?.Dispose();
        Truncated?.Dispose();
        Area?.Dispose();
    }
}
