// `loader [--workers W] [--batch B]`: data-loader throughput on 28x28 uint8 images (Fashion-MNIST's training set
// when /usr/share/datasets has it, else random pixels) through a random horizontal flip and normalisation to
// float, collated into (B, 1, 28, 28) batches with int64 labels.
using System.Diagnostics;
using System.IO.Compression;
using System.Buffers.Binary;
using Fovea.Data;
using Fovea.Random;

namespace Fovea.Bench;

internal static class LoaderBench
{
    private const int Side = 28;
    private const string Images = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
    private const string Labels = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";

    // (v / 255 - mean) / std for every byte value v, with Fashion-MNIST's mean and standard deviation.
    private static readonly float[] Normalised = Enumerable.Range(0, 256).Select(v => (float)((v / 255.0 - 0.2860) / 0.3530)).ToArray();

    public static int Run(string[] args)
    {
        int workers = args.SkipWhile(a => a != "--workers").Skip(1).Select(int.Parse).DefaultIfEmpty(2).First();
        int batch = args.SkipWhile(a => a != "--batch").Skip(1).Select(int.Parse).DefaultIfEmpty(128).First();
        var (pixels, labels, source) = File.Exists(Images) && File.Exists(Labels)
            ? (ReadIdx(Images), ReadIdx(Labels).Select(b => (int)b).ToArray(), "fashion-mnist")
            : (RandomPixels(60_000), new int[60_000], "synthetic");
        using var all = Tensor.FromArray(pixels, labels.Length, 1, Side, Side);
        var loader = new DataLoader<(Tensor, int), (Tensor, Tensor)>(new InMemory(all, labels), batch, CollateAndRelease,
            shuffle: true, numWorkers: workers, seed: 1, transform: FlipNormalise);

        Consume(loader.Epoch(0).Take(50));   // warm-up: JIT and buffer pool
        long images = 0;
        var sw = Stopwatch.StartNew();
        for (int epoch = 1; sw.Elapsed.TotalSeconds < 3 || epoch < 2; epoch++) images += Consume(loader.Epoch(epoch));
        double seconds = sw.Elapsed.TotalSeconds;
        Measure.Print(new Dictionary<string, object?>
        {
            ["bench"] = "loader", ["source"] = source, ["batch"] = batch, ["workers"] = workers,
            ["images_per_s"] = Math.Round(images / seconds),
        });
        return 0;
    }

    private static long Consume(IEnumerable<(Tensor Images, Tensor Labels)> batches)
    {
        long n = 0;
        foreach (var (x, y) in batches)
        {
            n += x.Size(0);
            x.Dispose();
            y.Dispose();
        }
        return n;
    }

    /// <summary>Images as views of one (N, 1, 28, 28) uint8 tensor.</summary>
    private sealed class InMemory(Tensor images, int[] labels) : IDataset<(Tensor, int)>
    {
        public int Count => labels.Length;
        public (Tensor, int) Get(int index) => (images[index], labels[index]);
    }

    // Flips left-right with probability 1/2 and maps bytes to normalised floats through a lookup table.
    private static (Tensor, int) FlipNormalise((Tensor Image, int Label) sample, int index, Generator g)
    {
        bool flip = g.NextDouble() < 0.5;
        var y = Tensor.Empty([1, Side, Side], DType.Float32);
        ReadOnlySpan<byte> src = sample.Image.AsSpan<byte>();
        Span<float> dst = y.AsSpan<float>();
        ReadOnlySpan<float> table = Normalised;
        for (int r = 0; r < Side; r++)
        {
            var s = src.Slice(r * Side, Side);
            var d = dst.Slice(r * Side, Side);
            if (flip)
                for (int c = 0; c < Side; c++) d[c] = table[s[Side - 1 - c]];
            else
                for (int c = 0; c < Side; c++) d[c] = table[s[c]];
        }
        sample.Image.Dispose();
        return (y, sample.Label);
    }

    // Stacks the batch and returns the per-sample tensors to the pool.
    private static (Tensor, Tensor) CollateAndRelease(IReadOnlyList<(Tensor Image, int Label)> samples)
    {
        var batch = Collate.StackLabeled(samples);
        foreach (var (image, _) in samples) image.Dispose();
        return batch;
    }

    // The data of a gzipped IDX file (big-endian header: magic with the rank in its low byte, then the sizes).
    private static byte[] ReadIdx(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        var bytes = ms.ToArray();
        int rank = bytes[3];
        int header = 4 + 4 * rank;
        long count = 1;
        for (int i = 0; i < rank; i++) count *= BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
        return bytes.AsSpan(header, (int)count).ToArray();
    }

    private static byte[] RandomPixels(int n)
    {
        var pixels = new byte[n * Side * Side];
        new System.Random(1).NextBytes(pixels);
        return pixels;
    }
}
