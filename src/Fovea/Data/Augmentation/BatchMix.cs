// Batch-level mixing on float image batches (N, C, H, W): MixUp and CutMix as in torchvision's classification
// references (each image mixed with the next one in the batch, roll by 1; λ ~ Beta(α, α)), returning soft labels.
using Fovea.Random;

namespace Fovea.Data.Augmentation;

/// <summary>Shared label handling for <see cref="MixUp"/> and <see cref="CutMix"/>.</summary>
public static class BatchMix
{
    /// <summary>Labels as float32 (N, numClasses): int64/int32 (N) class ids become one-hot; (N, numClasses) floats are copied.</summary>
    public static float[] SoftLabels(Tensor labels, int n, int numClasses, string op)
    {
        if (labels.Rank == 1 && (labels.DType == DType.Int64 || labels.DType == DType.Int32))
        {
            if (labels.Size(0) != n) throw new ArgumentException($"{op}: {labels.Size(0)} labels for {n} images.");
            var ids = labels.To(DType.Int64).ToArray<long>();
            var t = new float[n * numClasses];
            for (int i = 0; i < n; i++)
            {
                if (ids[i] < 0 || ids[i] >= numClasses) throw new ArgumentOutOfRangeException(nameof(labels), $"{op}: label {ids[i]} of image {i} is outside [0, {numClasses}).");
                t[i * numClasses + ids[i]] = 1f;
            }
            return t;
        }
        if (labels.Rank == 2 && labels.Size(0) == n && labels.Size(1) == numClasses) return labels.To(DType.Float32).ToArray<float>();
        throw new ArgumentException($"{op}: labels must be class ids (N) or soft labels (N, {numClasses}), got {labels.Shape} {labels.DType} for N = {n}.");
    }

    /// <summary>Checks a (N, C, H, W) batch and returns it as float32 values.</summary>
    public static float[] Images(Tensor images, string op)
    {
        if (images.Rank != 4) throw new ArgumentException($"{op}: images must be (N, C, H, W), got {images.Shape}.");
        if (images.DType != DType.Float32 && images.DType != DType.Float64) throw new ArgumentException($"{op}: images must be floating point, got {images.DType}.");
        return images.To(DType.Float32).ToArray<float>();
    }

    /// <summary>λ·a + (1-λ)·roll(a, 1) over rows of length <paramref name="row"/>.</summary>
    public static float[] MixRows(float[] a, int n, int row, double lambda)
    {
        var r = new float[a.Length];
        float l = (float)lambda, l1 = (float)(1 - lambda);
        for (int i = 0; i < n; i++)
        {
            int j = (i + n - 1) % n;
            for (int k = 0; k < row; k++) r[i * row + k] = l * a[i * row + k] + l1 * a[j * row + k];
        }
        return r;
    }
}

/// <summary>
/// MixUp (Zhang et al., 2018): with probability <c>p</c>, images and one-hot labels become λ·x + (1-λ)·x_prev,
/// where x_prev is the previous image of the batch (cyclically) and λ ~ Beta(α, α).
/// </summary>
public sealed class MixUp(int numClasses, double alpha = 0.2, double p = 1.0)
{
    /// <summary>Mixed images (float32, same shape) and soft labels (float32, (N, numClasses)) plus the λ used.</summary>
    public (Tensor Images, Tensor Labels, double Lambda) Apply(Tensor images, Tensor labels, Generator g)
    {
        var x = BatchMix.Images(images, "MixUp");
        int n = images.Size(0), row = x.Length / Math.Max(n, 1);
        var t = BatchMix.SoftLabels(labels, n, numClasses, "MixUp");
        double lambda = g.NextDouble() < p ? Rng.Beta(g, alpha, alpha) : 1.0;
        return (Tensor.FromArray(BatchMix.MixRows(x, n, row, lambda), images.ShapeArray),
                Tensor.FromArray(BatchMix.MixRows(t, n, numClasses, lambda), n, numClasses), lambda);
    }
}

/// <summary>
/// CutMix (Yun et al., 2019), torchvision reference sampling: λ ~ Beta(α, α); a box centred at a uniform pixel with
/// sides √(1-λ)·(W, H), clipped to the image, is pasted from the previous image of the batch; labels are mixed by
/// the pasted area's actual fraction.
/// </summary>
public sealed class CutMix(int numClasses, double alpha = 1.0, double p = 1.0)
{
    /// <summary>Mixed images and soft labels, plus the box (x1, y1, x2, y2) and the label weight λ of the originals.</summary>
    public (Tensor Images, Tensor Labels, (int X1, int Y1, int X2, int Y2) Box, double Lambda) Apply(Tensor images, Tensor labels, Generator g)
    {
        var x = BatchMix.Images(images, "CutMix");
        int n = images.Size(0), c = images.Size(1), h = images.Size(2), w = images.Size(3);
        var t = BatchMix.SoftLabels(labels, n, numClasses, "CutMix");
        if (!(g.NextDouble() < p)) return (Tensor.FromArray(x, images.ShapeArray), Tensor.FromArray(t, n, numClasses), (0, 0, 0, 0), 1.0);
        double lambda = Rng.Beta(g, alpha, alpha);
        int rx = Rng.Int(g, 0, w), ry = Rng.Int(g, 0, h);
        double r = 0.5 * Math.Sqrt(1 - lambda);
        int rw = (int)(r * w), rh = (int)(r * h);
        int x1 = Math.Max(rx - rw, 0), y1 = Math.Max(ry - rh, 0), x2 = Math.Min(rx + rw, w), y2 = Math.Min(ry + rh, h);
        var outX = (float[])x.Clone();
        int plane = h * w, img = c * plane;
        for (int i = 0; i < n; i++)
        {
            int j = (i + n - 1) % n;
            for (int ch = 0; ch < c; ch++)
                for (int y = y1; y < y2; y++)
                    for (int xx = x1; xx < x2; xx++)
                        outX[i * img + ch * plane + y * w + xx] = x[j * img + ch * plane + y * w + xx];
        }
        double lam = 1.0 - (double)(x2 - x1) * (y2 - y1) / (w * h);
        return (Tensor.FromArray(outX, images.ShapeArray), Tensor.FromArray(BatchMix.MixRows(t, n, numClasses, lam), n, numClasses), (x1, y1, x2, y2), lam);
    }
}
