// `jpeg-loader [--images N] [--workers W]`: the loader's JPEG path: decode + random resized crop to 224 + horizontal
// flip + normalise to a float batch, from 224x224 JPEG files in memory made from skimage's photos (or synthetic images).
// Reports images/s and images/s per worker thread (the target is 300 per core).
using System.Diagnostics;
using Fovea.Data;
using Fovea.Data.Augmentation;
using Fovea.Imaging;
using Fovea.Imaging.Codecs;
using Fovea.Random;

namespace Fovea.Bench;

internal static class JpegLoaderBench
{
    // A sample is the file's bytes until the loader's transform turns it into the normalised (3, 224, 224) tensor.
    private sealed record Sample(byte[] Jpeg, Tensor? Image);

    private sealed class JpegFiles(List<byte[]> files) : IDataset<Sample>
    {
        public int Count => files.Count;
        public Sample Get(int index) => new(files[index], null);
    }

    public static int Run(string[] args)
    {
        int images = Arg(args, "--images", 512), workers = Arg(args, "--workers", 1);
        var sources = Photos();
        var files = Enumerable.Range(0, images).Select(i => sources[i % sources.Count]).ToList();
        var pipeline = new Compose(new RandomResizedCrop(224), new HorizontalFlip());
        // The transform does the per-sample work on the loader's thread with the loader's per-sample generator:
        // decode, crop-resize, flip, normalise; collation stacks.
        var realLoader = new DataLoader<Sample, Tensor>(new JpegFiles(files), 32,
            batch =>
            {
                var images = batch.Select(b => b.Image!).ToList();
                var stacked = Tensor.Stack(images);
                foreach (var t in images) t.Dispose();
                return stacked;
            },
            numWorkers: workers, shuffle: true, seed: 1,
            transform: (s, _, g) => s with { Image = ImageTensor.ToTensor(pipeline.Apply(new AugmentSample(JpegDecoder.Decode(s.Jpeg)), g).Image, normalize: true) });
        foreach (var b in realLoader.Epoch(0).Take(2)) b.Dispose();   // warm-up
        var sw = Stopwatch.StartNew();
        int n = 0;
        foreach (var b in realLoader.Epoch(1)) { n += b.Size(0); b.Dispose(); }
        double s = sw.Elapsed.TotalSeconds;
        Measure.Print(new()
        {
            ["bench"] = "jpeg-loader", ["images"] = n, ["source_size"] = $"{sources.Count} photos", ["workers"] = Math.Max(1, workers),
            ["images_per_s"] = Math.Round(n / s, 1), ["images_per_s_per_worker"] = Math.Round(n / s / Math.Max(1, workers), 1),
        });
        return 0;
    }

    // 224x224 JPEGs (quality 90) cut from the centre of skimage's colour photos, or synthetic ones when skimage is absent.
    private static List<byte[]> Photos()
    {
        const string dir = "/usr/lib/python3/dist-packages/skimage/data";
        var list = new List<byte[]>();
        if (Directory.Exists(dir))
            foreach (var f in Directory.GetFiles(dir, "*.png").Concat(Directory.GetFiles(dir, "*.jpg")).Order())
            {
                Image im;
                try { im = ImageIO.Read(f); } catch (Exception) { continue; }
                if (im.Color != ColorSpace.Rgb || im.BitDepth != 8 || im.Width < 224 || im.Height < 224) continue;
                const int w = 224, h = 224;
                var crop = GeometricOps.Crop(new AugmentSample(im), (im.Width - w) / 2, (im.Height - h) / 2, w, h).Image;
                list.Add(JpegEncoder.Encode(crop, 90));
            }
        if (list.Count == 0)
        {
            var px = new byte[224 * 224 * 3];
            for (int i = 0; i < px.Length; i++) px[i] = (byte)(i * 31 % 253);
            list.Add(JpegEncoder.Encode(new Image(224, 224, ColorSpace.Rgb, px), 90));
        }
        return list;
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
    }
}
