// The in-memory classification loader's augmentation: random crops with padding (torchvision's RandomCrop(size,
// padding)) and flips, checked against their definition on a padded copy of each image.
using Fovea.Data;
using Fovea.Training;
using Xunit;

namespace Fovea.Tests.Training;

public class ImageClassificationDataTests
{
    private const int H = 5, W = 6, Pad = 2;

    private static ImageArrayDataset Images(int n)
    {
        var pixels = new byte[n * H * W];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(1 + (i * 37 + i / 7) % 250); // no pixel is black
        return new ImageArrayDataset(pixels, new int[n], 1, H, W, ["a"]);
    }

    // Every window RandomCrop(padding: Pad) can cut from image i, flipped or not, as (dy, dx, flip) -> pixels.
    private static Dictionary<(int, int, bool), float[]> Windows(ImageArrayDataset data, int i)
    {
        var src = data.Pixels(i);
        var all = new Dictionary<(int, int, bool), float[]>();
        foreach (bool flip in new[] { false, true })
            for (int dy = -Pad; dy <= Pad; dy++)
                for (int dx = -Pad; dx <= Pad; dx++)
                {
                    var w = new float[H * W];
                    for (int y = 0; y < H; y++)
                        for (int x = 0; x < W; x++)
                        {
                            int sy = y + dy, sx = x + dx;
                            bool inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
                            w[y * W + x] = inside ? src[sy * W + (flip ? W - 1 - sx : sx)] : 0;
                        }
                    all[(dy, dx, flip)] = w;
                }
        return all;
    }

    [Fact]
    public void RandomCropsAreWindowsOfThePaddedImageAndCoverEveryOffset()
    {
        var data = Images(200);
        var loader = ImageClassificationData.Loader(data, 50, train: true, [0.0], [1 / 255.0], seed: 5, cropPadding: Pad);
        var seen = new HashSet<(int, int, bool)>();
        int index = 0;
        var order = new List<float[]>();
        foreach (var (input, _) in loader)
        {
            var v = input.ToArray<float>();
            for (int b = 0; b < input.Size(0); b++) order.Add(v[(b * H * W)..((b + 1) * H * W)]);
        }
        // The loader shuffles: find each batch row's source image by trying every image's windows.
        var windows = Enumerable.Range(0, data.Count).Select(i => Windows(data, i)).ToArray();
        foreach (var row in order)
        {
            var match = windows.SelectMany(w => w).Where(kv => kv.Value.SequenceEqual(row)).Select(kv => kv.Key).ToList();
            Assert.True(match.Count > 0, $"batch row {index} is not a padded crop of any image");
            seen.Add(match[0]);
            index++;
        }
        Assert.Equal(200, order.Count);
        Assert.True(seen.Count >= 40, $"only {seen.Count} of the 50 (offset, flip) combinations occurred in 200 samples");
    }

    [Fact]
    public void EvaluationBatchesAreNeitherCroppedNorFlipped()
    {
        var data = Images(10);
        var loader = ImageClassificationData.Loader(data, 10, train: false, [0.0], [1 / 255.0], cropPadding: Pad);
        var (input, _) = loader.First();
        var v = input.ToArray<float>();
        for (int i = 0; i < data.Count; i++)
            Assert.Equal(data.Pixels(i).ToArray().Select(p => (float)p), v[(i * H * W)..((i + 1) * H * W)]);
    }

    [Fact]
    public void NegativePaddingIsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ImageClassificationData.Loader(Images(2), 2, train: true, [0.0], [1.0], cropPadding: -1));
        Assert.Contains("crop padding", e.Message);
    }
}
