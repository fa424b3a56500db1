// Batches for image classification from an in-memory dataset (Fashion-MNIST, MNIST, CIFAR): samples travel as indices
// plus a flip flag and a crop offset drawn on the loader's worker, and collation writes normalised floats straight into
// the batch, so a 28x28 batch costs one pass over its pixels.
using Fovea.Data;
using Fovea.Random;

namespace Fovea.Training;

/// <summary>Loaders of (images (N, C, H, W) float32 normalised, labels (N) int64 or multi-hot targets (N, L) float32) batches.</summary>
public static class ImageClassificationData
{
    /// <summary>
    /// One sample before collation: its index, whether to mirror it horizontally, and the shift of a random crop
    /// (output pixel (y, x) reads input pixel (y + ShiftY, x + ShiftX); outside the image reads black).
    /// </summary>
    public readonly record struct Item(int Index, bool Flip, int ShiftY = 0, int ShiftX = 0);

    private sealed class Indices(int count) : IDataset<Item>
    {
        public int Count => count;
        public Item Get(int index) => new(index, false);
    }

    /// <summary>
    /// A loader over <paramref name="data"/>: shuffled with random horizontal flips when <paramref name="train"/>, in
    /// order otherwise; pixels become (p / 255 - mean) / std per channel. With <paramref name="multiHot"/> (one row of L
    /// 0/1 values per image) the targets are those rows instead of the class labels (multi-label training).
    /// <paramref name="cropPadding"/> &gt; 0 adds torchvision's RandomCrop(size, padding) to training batches: the image
    /// is padded with black by that many pixels on every side and a window of the original size is cut at random.
    /// </summary>
    public static DataLoader<Item, (Tensor Input, Tensor Target)> Loader(InMemoryImageDataset data, int batchSize, bool train,
        double[] mean, double[] std, ulong seed = 0, int numWorkers = 0, bool flip = true, ISampler? sampler = null, float[,]? multiHot = null,
        int cropPadding = 0)
    {
        if (cropPadding < 0) throw new ArgumentOutOfRangeException(nameof(cropPadding), $"ImageClassificationData: crop padding must be >= 0, got {cropPadding}.");
        if (mean.Length != data.Channels || std.Length != data.Channels)
            throw new ArgumentException($"ImageClassificationData: mean and std need {data.Channels} values (one per channel), got {mean.Length} and {std.Length}.");
        if (multiHot != null && multiHot.GetLength(0) != data.Count)
            throw new ArgumentException($"ImageClassificationData: {multiHot.GetLength(0)} multi-hot rows for {data.Count} images.");
        Func<Item, int, Generator, Item>? transform = !train || (!flip && cropPadding == 0) ? null : (item, _, g) =>
        {
            if (flip) item = item with { Flip = g.NextDouble() < 0.5 };
            // RandomCrop draws the window's top, then its left, each uniform over the 2 * padding + 1 positions.
            if (cropPadding > 0) item = item with { ShiftY = (int)g.NextLong(2 * cropPadding + 1) - cropPadding, ShiftX = (int)g.NextLong(2 * cropPadding + 1) - cropPadding };
            return item;
        };
        return new DataLoader<Item, (Tensor, Tensor)>(new Indices(data.Count), batchSize, items => Collate(data, items, mean, std, multiHot),
            sampler: train ? sampler : null, shuffle: train && sampler == null, numWorkers: numWorkers, seed: seed, transform: transform);
    }

    private static (Tensor, Tensor) Collate(InMemoryImageDataset data, IReadOnlyList<Item> items, double[] mean, double[] std, float[,]? multiHot)
    {
        int c = data.Channels, h = data.Height, w = data.Width, plane = h * w;
        var images = Tensor.Empty([items.Count, c, h, w], DType.Float32);
        var labels = new long[items.Count];
        var dst = images.AsSpan<float>();
        Span<float> scale = stackalloc float[c], shift = stackalloc float[c];
        for (int ch = 0; ch < c; ch++)
        {
            scale[ch] = (float)(1 / (255 * std[ch]));
            shift[ch] = (float)(-mean[ch] / std[ch]);
        }
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var src = data.Pixels(item.Index);
            labels[i] = data.Label(item.Index);
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                {
                    var outRow = dst.Slice((i * c + ch) * plane + y * w, w);
                    float a = scale[ch], b = shift[ch];
                    int sy = y + item.ShiftY;
                    if ((uint)sy >= (uint)h)
                    {
                        outRow.Fill(b); // a padding row: black, normalised
                        continue;
                    }
                    var row = src.Slice(ch * plane + sy * w, w);
                    if (item.ShiftX != 0)
                    {
                        // The crop is cut from the (flipped) image: output x reads flipped column x + ShiftX.
                        for (int x = 0; x < w; x++)
                        {
                            int sx = x + item.ShiftX;
                            outRow[x] = (uint)sx >= (uint)w ? b : row[item.Flip ? w - 1 - sx : sx] * a + b;
                        }
                    }
                    else if (item.Flip)
                        for (int x = 0; x < w; x++) outRow[x] = row[w - 1 - x] * a + b;
                    else
                        for (int x = 0; x < w; x++) outRow[x] = row[x] * a + b;
                }
        }
        return (images, multiHot == null ? Tensor.FromArray(labels, items.Count) : Rows(multiHot, items));
    }

    private static Tensor Rows(float[,] multiHot, IReadOnlyList<Item> items)
    {
        int l = multiHot.GetLength(1);
        var t = new float[items.Count * l];
        for (int i = 0; i < items.Count; i++)
            for (int j = 0; j < l; j++) t[i * l + j] = multiHot[items[i].Index, j];
        return Tensor.FromArray(t, items.Count, l);
    }
}
