// Dataset readers on small files written here (IDX raw and gzip, CIFAR batches, folders, manifests, COCO, VOC,
// YOLO, .npz), COCO masks against numpy-made expectations (tools/fixtures/gen_datasets.py), the real
// Fashion-MNIST when Debian's copy is installed, the bundled sample, and corrupt files.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Fovea.Data;
using Fovea.IO;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Data;

public class DatasetTests
{
    private const string SystemFashionMnist = "/usr/share/datasets/fashion-mnist";

    // ---------------------------------------------------------------- IDX

    private static byte[] Idx(byte code, int[] dims, byte[] payload)
    {
        var b = new List<byte> { 0, 0, code, (byte)dims.Length };
        foreach (int d in dims)
        {
            var w = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(w, d);
            b.AddRange(w);
        }
        b.AddRange(payload);
        return b.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var z = new GZipStream(ms, CompressionLevel.Fastest)) z.Write(data);
        return ms.ToArray();
    }

    [Fact]
    public void IdxReadsUint8RawAndGzip()
    {
        using var dir = new TempDir();
        var payload = Enumerable.Range(0, 24).Select(i => (byte)(i * 10)).ToArray();
        var bytes = Idx(0x08, [2, 3, 4], payload);
        File.WriteAllBytes(dir.File("raw.idx"), bytes);
        File.WriteAllBytes(dir.File("packed.gz"), Gzip(bytes));
        foreach (var name in new[] { "raw.idx", "packed.gz" })
        {
            using var t = IdxFile.Read(dir.File(name));
            Assert.Equal(DType.UInt8, t.DType);
            Assert.Equal(new[] { 2, 3, 4 }, t.Shape.ToArray());
            Assert.Equal(payload, t.ToArray<byte>());
        }
    }

    [Fact]
    public void IdxReadsBigEndianWiderTypes()
    {
        using var dir = new TempDir();
        var f = new byte[12];
        float[] fv = [1.5f, -2.25f, 1e-3f];
        for (int i = 0; i < 3; i++) BinaryPrimitives.WriteSingleBigEndian(f.AsSpan(4 * i), fv[i]);
        File.WriteAllBytes(dir.File("f.idx"), Idx(0x0D, [3], f));
        using (var t = IdxFile.Read(dir.File("f.idx"))) Assert.Equal(fv, t.ToArray<float>());

        var i32 = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(i32, -7);
        BinaryPrimitives.WriteInt32BigEndian(i32.AsSpan(4), 70000);
        File.WriteAllBytes(dir.File("i.idx"), Idx(0x0C, [1, 2], i32));
        using (var t = IdxFile.Read(dir.File("i.idx"))) Assert.Equal(new[] { -7, 70000 }, t.ToArray<int>());

        var i16 = new byte[4];
        BinaryPrimitives.WriteInt16BigEndian(i16, -300);
        BinaryPrimitives.WriteInt16BigEndian(i16.AsSpan(2), 300);
        File.WriteAllBytes(dir.File("s.idx"), Idx(0x0B, [2], i16));
        using (var t = IdxFile.Read(dir.File("s.idx")))
        {
            Assert.Equal(DType.Int32, t.DType);
            Assert.Equal(new[] { -300, 300 }, t.ToArray<int>());
        }

        var f64 = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(f64, Math.PI);
        File.WriteAllBytes(dir.File("d.idx"), Idx(0x0E, [1], f64));
        using (var t = IdxFile.Read(dir.File("d.idx"))) Assert.Equal(Math.PI, t.ToArray<double>()[0]);
    }

    [Fact]
    public void IdxWriteRoundTrips()
    {
        using var dir = new TempDir();
        using var x = Tensor.FromArray(new[] { 0.5f, -1f, 3f, 4f, 5f, 6f }, 2, 3);
        IdxFile.Write(dir.File("x.idx.gz"), x, gzip: true);
        using var back = IdxFile.Read(dir.File("x.idx.gz"));
        Assert.Equal(x.Shape, back.Shape);
        Assert.Equal(x.ToArray<float>(), back.ToArray<float>());
        Assert.Equal(0x1f, File.ReadAllBytes(dir.File("x.idx.gz"))[0]);
    }

    [Fact]
    public void IdxCorruptFilesNameTheFileAndOffset()
    {
        using var dir = new TempDir();
        var good = Idx(0x08, [4, 5], new byte[20]);

        string magic = dir.File("magic.idx");
        File.WriteAllBytes(magic, [1, 2, 8, 1, 0, 0, 0, 0]);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(magic));
        Assert.Contains(magic, e.Message);
        Assert.Contains("offset 0", e.Message);

        string type = dir.File("type.idx");
        File.WriteAllBytes(type, [0, 0, 0x42, 1, 0, 0, 0, 0]);
        e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(type));
        Assert.Contains("0x42", e.Message);
        Assert.Contains("offset 2", e.Message);

        string shortData = dir.File("short.idx");
        File.WriteAllBytes(shortData, good[..^3]);
        e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(shortData));
        Assert.Contains(shortData, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("offset 12", e.Message); // where the data starts
        Assert.Contains("offset 29", e.Message); // where the file ends
        Assert.Contains("3 bytes missing", e.Message);

        string shortHeader = dir.File("header.idx");
        File.WriteAllBytes(shortHeader, good[..6]);
        e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(shortHeader));
        Assert.Contains("truncated IDX header", e.Message);
        Assert.Contains("offset 6", e.Message);

        string trailing = dir.File("trailing.idx");
        File.WriteAllBytes(trailing, [.. good, 1, 2]);
        e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(trailing));
        Assert.Contains("offset 32", e.Message);

        string gz = dir.File("cut.gz");
        var packed = Gzip(Idx(0x08, [50, 50], Enumerable.Range(0, 2500).Select(i => (byte)(i * 7919 % 251)).ToArray()));
        File.WriteAllBytes(gz, packed[..(packed.Length / 2)]);
        e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(gz));
        Assert.Contains(gz, e.Message);
        Assert.Contains("decompressed", e.Message);

        Assert.Throws<FileNotFoundException>(() => IdxFile.Read(dir.File("absent.idx")));
    }

    // ---------------------------------------------------------------- MNIST-like

    private static (string Images, string Labels) WriteMnist(TempDir dir, string prefix, byte[] labels, bool gzip)
    {
        var pixels = new byte[labels.Length * 784];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 31 % 256);
        var images = Idx(0x08, [labels.Length, 28, 28], pixels);
        var labs = Idx(0x08, [labels.Length], labels);
        string ext = gzip ? ".gz" : "";
        string ip = dir.File($"{prefix}-images-idx3-ubyte{ext}"), lp = dir.File($"{prefix}-labels-idx1-ubyte{ext}");
        File.WriteAllBytes(ip, gzip ? Gzip(images) : images);
        File.WriteAllBytes(lp, gzip ? Gzip(labs) : labs);
        return (ip, lp);
    }

    [Fact]
    public void MnistGivesImagesAndLabels()
    {
        using var dir = new TempDir();
        var (ip, lp) = WriteMnist(dir, "train", [3, 1, 4, 1, 5], gzip: false);
        var ds = Mnist.FromFiles(ip, lp);
        Assert.Equal(5, ds.Count);
        Assert.Equal("4", ds.Classes[4]);
        var s = ds.Get(2);
        using var image = s.Image;
        Assert.Equal(4, s.Label);
        Assert.Equal(new[] { 1, 28, 28 }, image.Shape.ToArray());
        Assert.Equal(DType.UInt8, image.DType);
        var px = image.ToArray<byte>();
        Assert.Equal((byte)(2 * 784 * 31 % 256), px[0]);
        Assert.Equal((byte)((2 * 784 + 783) * 31 % 256), px[783]);

        var f = FashionMnist.FromFiles(ip, lp, asFloat: true);
        using var fi = f.Get(2).Image;
        Assert.Equal(DType.Float32, fi.DType);
        Assert.Equal(px[100] / 255f, fi.ToArray<float>()[100]);
        Assert.Equal("Coat", f.Classes[f.Label(2)]);
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.Get(5));
        using var all = ds.ImagesTensor();
        Assert.Equal(new[] { 5, 1, 28, 28 }, all.Shape.ToArray());
        using var labels = ds.LabelsTensor();
        Assert.Equal(new long[] { 3, 1, 4, 1, 5 }, labels.ToArray<long>());
    }

    [Fact]
    public void MnistLoadsThroughTheLocatorFromAnExplicitFolder()
    {
        using var dir = new TempDir();
        WriteMnist(dir, "train", [0, 9], gzip: true);
        WriteMnist(dir, "t10k", [7], gzip: false); // an uncompressed copy stands in for the .gz name
        var test = Mnist.Load(DatasetSplit.Test, dir.Path, options: new LocatorOptions());
        Assert.Equal(1, test.Count);
        Assert.Equal(7, test.Label(0));
        Assert.Equal(DatasetSourceKind.Explicit, test.Source.Kind);
        Assert.Equal(dir.Path, test.Source.Path);
        Assert.Equal(2, Mnist.Load(DatasetSplit.Train, dir.Path, options: new LocatorOptions()).Count);
    }

    [Fact]
    public void MnistRejectsBadLabelsAndMismatchedFiles()
    {
        using var dir = new TempDir();
        var (ip, lp) = WriteMnist(dir, "train", [1, 2, 12], gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => Mnist.FromFiles(ip, lp));
        Assert.Contains(lp, e.Message);
        Assert.Contains("offset 10", e.Message);

        File.WriteAllBytes(lp, Idx(0x08, [2], [1, 2]));
        e = Assert.Throws<InvalidDataException>(() => Mnist.FromFiles(ip, lp));
        Assert.Contains("2 labels for the 3 images", e.Message);

        e = Assert.Throws<InvalidDataException>(() => Mnist.FromFiles(lp, lp));
        Assert.Contains("(N, H, W)", e.Message);
    }

    [Fact]
    public void FashionMnistFallsBackToTheBundledSample()
    {
        var none = new LocatorOptions(); // no search roots: nothing is found
        var train = FashionMnist.Load(DatasetSplit.Train, options: none);
        var test = FashionMnist.Load(DatasetSplit.Test, options: none);
        Assert.True(train.IsSample);
        Assert.Equal(DatasetSourceKind.BundledSample, train.Source.Kind);
        Assert.Equal(2000, train.Count);
        Assert.Equal(1000, test.Count);
        Assert.Equal(9, train.Label(0));
        for (int c = 0; c < 10; c++)
        {
            Assert.Equal(200, train.Labels.ToArray().Count(l => l == c));
            Assert.Equal(100, test.Labels.ToArray().Count(l => l == c));
        }
        Assert.Equal("Ankle boot", train.Classes[train.Label(0)]);
        Assert.Contains("bundled sample", train.ToString());

        if (!Directory.Exists(SystemFashionMnist)) return;
        // The sample keeps the first images of each class in file order: its first image is the full set's first.
        var full = FashionMnist.FromFiles(Path.Combine(SystemFashionMnist, "train-images-idx3-ubyte.gz"), Path.Combine(SystemFashionMnist, "train-labels-idx1-ubyte.gz"));
        Assert.True(full.Pixels(0).SequenceEqual(train.Pixels(0)));
        Assert.True(full.Pixels(1).SequenceEqual(train.Pixels(1)));
    }

    [Fact]
    public void FashionMnistWithAMissingExplicitPathIsAnError()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(DatasetSplit.Train, dir.Path, options: new LocatorOptions()));
        Assert.Contains(dir.Path, e.Message);
    }

    [Fact]
    public void RealFashionMnistWhenInstalled()
    {
        if (!Directory.Exists(SystemFashionMnist)) return; // Debian's dataset-fashion-mnist is not installed here
        var options = new LocatorOptions { Roots = [new DatasetRoot(DatasetSourceKind.System, "/usr/share/datasets")] };
        var train = FashionMnist.Load(DatasetSplit.Train, options: options);
        var test = FashionMnist.Load(DatasetSplit.Test, options: options);
        Assert.Equal(DatasetSourceKind.System, train.Source.Kind);
        Assert.Equal(SystemFashionMnist, train.Source.Path);
        Assert.False(train.IsSample);
        Assert.Equal(60000, train.Count);
        Assert.Equal(10000, test.Count);
        Assert.Equal(9, train.Label(0));
        Assert.Equal(9, test.Label(0));
        Assert.Equal(6000, train.Labels.ToArray().Count(l => l == 3));
        var s = train.Get(0);
        using var img = s.Image;
        Assert.Equal(new[] { 1, 28, 28 }, img.Shape.ToArray());
        Assert.Equal(0, img.ToArray<byte>()[0]);
    }

    // ---------------------------------------------------------------- CIFAR

    private static byte[] CifarRecords(int labelBytes, params int[][] labels)
    {
        var b = new List<byte>();
        for (int r = 0; r < labels.Length; r++)
        {
            b.AddRange(labels[r].Select(l => (byte)l));
            for (int i = 0; i < 3072; i++) b.Add((byte)((i + 17 * r) % 256));
        }
        Assert.Equal(labels.Length * (3072 + labelBytes), b.Count);
        return b.ToArray();
    }

    [Fact]
    public void Cifar10ReadsBatches()
    {
        using var dir = new TempDir();
        string a = dir.File("cifar-10-batches-bin", "data_batch_1.bin"), b = dir.File("cifar-10-batches-bin", "data_batch_2.bin");
        File.WriteAllBytes(a, CifarRecords(1, [6], [9]));
        File.WriteAllBytes(b, CifarRecords(1, [0]));
        var ds = Cifar10.FromFiles([a, b]);
        Assert.Equal(3, ds.Count);
        Assert.Equal(new[] { 6, 9, 0 }, ds.Labels.ToArray());
        Assert.Equal("truck", ds.Classes[9]);
        var s = ds.Get(1);
        using var img = s.Image;
        Assert.Equal(new[] { 3, 32, 32 }, img.Shape.ToArray());
        var px = img.ToArray<byte>();
        // channel 1 (green), row 2, column 5 is byte 1024 + 2*32 + 5 of the record's image.
        Assert.Equal((byte)((1024 + 2 * 32 + 5 + 17) % 256), px[1024 + 2 * 32 + 5]);

        // The whole dataset through the locator, given the folder above cifar-10-batches-bin.
        for (int i = 1; i <= 5; i++) File.WriteAllBytes(dir.File("cifar-10-batches-bin", $"data_batch_{i}.bin"), CifarRecords(1, [i]));
        File.WriteAllBytes(dir.File("cifar-10-batches-bin", "test_batch.bin"), CifarRecords(1, [3], [4]));
        var train = Cifar10.Load(DatasetSplit.Train, dir.Path, options: new LocatorOptions());
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, train.Labels.ToArray());
        Assert.Equal(Path.Combine(dir.Path, "cifar-10-batches-bin"), train.Source.Path);
        Assert.Equal(2, Cifar10.Load(DatasetSplit.Test, dir.Path, options: new LocatorOptions()).Count);
    }

    [Fact]
    public void Cifar100FineAndCoarse()
    {
        using var dir = new TempDir();
        string f = dir.File("train.bin");
        File.WriteAllBytes(f, CifarRecords(2, [11, 99], [19, 0]));
        var fine = Cifar100.FromFile(f);
        var coarse = Cifar100.FromFile(f, labels: Cifar100Labels.Coarse);
        Assert.Equal(new[] { 99, 0 }, fine.Labels.ToArray());
        Assert.Equal(new[] { 11, 19 }, coarse.Labels.ToArray());
        Assert.Equal("worm", fine.Classes[99]);
        Assert.Equal("vehicles_2", coarse.Classes[19]);
        Assert.Equal(11, fine.CoarseLabel(0));
        Assert.Equal(99, coarse.FineLabel(0));
        using var img = fine.Get(1).Image;
        Assert.Equal((byte)17, img.ToArray<byte>()[0]);
    }

    [Fact]
    public void CifarCorruptFilesNameTheFileAndOffset()
    {
        using var dir = new TempDir();
        string f = dir.File("data_batch_1.bin");
        File.WriteAllBytes(f, CifarRecords(1, [1], [2])[..5000]);
        var e = Assert.Throws<InvalidDataException>(() => Cifar10.FromFiles([f]));
        Assert.Contains(f, e.Message);
        Assert.Contains("offset 3073", e.Message);

        File.WriteAllBytes(f, CifarRecords(1, [1], [10]));
        e = Assert.Throws<InvalidDataException>(() => Cifar10.FromFiles([f]));
        Assert.Contains("label 10 at offset 3073", e.Message);
    }

    // ---------------------------------------------------------------- ImageFolder

    [Fact]
    public void ImageFolderListsClassesAndFilesLikeTorchvision()
    {
        using var dir = new TempDir();
        foreach (var p in new[] { "cat/b.png", "cat/a.JPG", "cat/sub/c.png", "cat/notes.txt", "dog/z.jpeg", "Zebra/x.png" })
            File.WriteAllText(dir.File(p.Split('/')), p);
        var loaded = new List<string>();
        var ds = new ImageFolder(dir.Path, loader: p => { loaded.Add(p); return Tensor.Zeros([3, 2, 2]); });
        Assert.Equal(new[] { "Zebra", "cat", "dog" }, ds.Classes);
        Assert.Equal(1, ds.ClassToIndex["cat"]);
        var rel = ds.Files.Select(f => (Path.GetRelativePath(dir.Path, f.Path).Replace('\\', '/'), f.Label)).ToArray();
        Assert.Equal(new[] { ("Zebra/x.png", 0), ("cat/a.JPG", 1), ("cat/b.png", 1), ("cat/sub/c.png", 1), ("dog/z.jpeg", 2) }, rel);
        var s = ds.Get(3);
        s.Image.Dispose();
        Assert.Equal(1, s.Label);
        Assert.Equal(ds.Files[3].Path, loaded.Single());

        var pngOnly = new ImageFolder(dir.Path, ["png", "jpeg"]);
        Assert.Throws<InvalidOperationException>(() => pngOnly.Get(0));
        Directory.CreateDirectory(Path.Combine(dir.Path, "empty"));
        var e = Assert.Throws<FileNotFoundException>(() => new ImageFolder(dir.Path));
        Assert.Contains("empty", e.Message);
    }

    // ---------------------------------------------------------------- manifests

    private static Tensor Dummy(string _) => Tensor.Zeros([1, 1, 1]);

    [Fact]
    public void CsvManifestWithQuotesAndMultipleLabels()
    {
        using var dir = new TempDir();
        string csv = dir.File("list.csv");
        File.WriteAllText(csv, "id,path,labels\r\n1,img/a.png,cat;dog\r\n2,\"img/b, \"\"odd\"\".png\",dog\n\n3,/abs/c.png,\n");
        var ds = new ManifestDataset(csv, Dummy, new ManifestOptions { LabelSeparator = ';' });
        Assert.Equal(3, ds.Count);
        Assert.Equal(new[] { "cat", "dog" }, ds.Classes);
        Assert.Equal(Path.Combine(dir.Path, "img", "a.png"), ds.Entries[0].Path);
        Assert.Equal(Path.Combine(dir.Path, "img", "b, \"odd\".png"), ds.Entries[1].Path);
        Assert.Equal("/abs/c.png", ds.Entries[2].Path);
        Assert.Equal(new[] { 0, 1 }, ds.Labels(0));
        Assert.Empty(ds.Labels(2));
        Assert.True(ds.IsMultiLabel);
        using var hot = ds.MultiHot(0);
        Assert.Equal(new[] { 1f, 1f }, hot.ToArray<float>());
        Assert.Throws<InvalidOperationException>(() => ds.AsSingleLabel());

        File.WriteAllText(csv, "path,label\na.png,cat\nb.png,bird,extra\n");
        var e = Assert.Throws<InvalidDataException>(() => new ManifestDataset(csv));
        Assert.Contains("line 3", e.Message);
        File.WriteAllText(csv, "file,label\na.png,cat\n");
        e = Assert.Throws<InvalidDataException>(() => new ManifestDataset(csv));
        Assert.Contains("'path'", e.Message);
        File.WriteAllText(csv, "path,label\na.png,cat\nb.png,cow\n");
        e = Assert.Throws<InvalidDataException>(() => new ManifestDataset(csv, options: new ManifestOptions { Classes = ["cat", "dog"] }));
        Assert.Contains("line 3", e.Message);
        Assert.Contains("'cow'", e.Message);
    }

    [Fact]
    public void JsonAndJsonLinesManifests()
    {
        using var dir = new TempDir();
        string json = dir.File("m.json");
        File.WriteAllText(json, """[{"path": "x.png", "label": 2}, {"path": "y.png", "labels": [0, 3]}, {"path": "z.png", "label": "1"}]""");
        var ds = new ManifestDataset(json, Dummy);
        Assert.Equal(new[] { "0", "1", "2", "3" }, ds.Classes); // integer labels are kept as indices
        Assert.Equal(new[] { 2 }, ds.Labels(0));
        Assert.Equal(new[] { 0, 3 }, ds.Labels(1));
        var s = ds.Get(1);
        s.Image.Dispose();
        Assert.Equal(new[] { 0, 3 }, s.Labels);

        string jsonl = dir.File("m.jsonl");
        File.WriteAllText(jsonl, "{\"path\": \"a.png\", \"label\": \"zebra\"}\n\n{\"path\": \"b.png\", \"label\": \"ant\"}\n");
        var single = new ManifestDataset(jsonl, Dummy);
        Assert.Equal(new[] { "ant", "zebra" }, single.Classes);
        var one = single.AsSingleLabel().Get(0);
        one.Image.Dispose();
        Assert.Equal(1, one.Label);

        File.WriteAllText(jsonl, "{\"path\": \"a.png\", \"label\": \"zebra\"}\n{\"path\": \"b.png\"\n");
        var e = Assert.Throws<InvalidDataException>(() => new ManifestDataset(jsonl));
        Assert.Contains(jsonl, e.Message);
        Assert.Contains("line 2", e.Message);
    }

    // ---------------------------------------------------------------- COCO

    private static Dictionary<string, Tensor> Masks() => Fixture.Load("datasets/coco_masks");

    private static string Json(IEnumerable<long> v) => "[" + string.Join(",", v) + "]";

    private static string PolygonJson(Dictionary<string, Tensor> f, string name)
    {
        var xy = f[name + "_xy"].ToArray<double>();
        var lengths = f[name + "_lengths"].ToArray<long>();
        var parts = new List<string>();
        int at = 0;
        foreach (long n in lengths)
        {
            parts.Add("[" + string.Join(",", xy.Skip(at).Take((int)n).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]");
            at += (int)n;
        }
        return "[" + string.Join(",", parts) + "]";
    }

    [Fact]
    public void CocoRleStringsMatchNumpy()
    {
        var f = Masks();
        foreach (var name in new[] { "rle_small", "rle_large" })
        {
            var mask = f[name + "_mask"];
            int h = mask.Size(0), w = mask.Size(1);
            var counts = f[name + "_counts"].ToArray<long>();
            string s = Encoding.ASCII.GetString(f[name + "_string"].ToArray<byte>());
            Assert.Equal(counts, CocoMask.ParseCompressed(s));
            Assert.Equal(s, CocoMask.ToCompressed(counts));
            Assert.Equal(mask.ToArray<byte>(), CocoMask.DecodeCompressed(s, h, w));
            Assert.Equal(mask.ToArray<byte>(), CocoMask.DecodeRle(counts, h, w));
            Assert.Equal(counts, CocoMask.Encode(mask.ToArray<byte>(), h, w));
        }
        // By hand: a 2x2 empty mask is one run of 4 zeros, "4" (48 + 4); runs past the end are errors.
        Assert.Equal(new long[] { 4 }, CocoMask.ParseCompressed("4"));
        Assert.Equal(new byte[4], CocoMask.DecodeCompressed("4", 2, 2));
        var e = Assert.Throws<InvalidDataException>(() => CocoMask.DecodeRle([1, 5], 2, 2, "ann 7"));
        Assert.Contains("ann 7", e.Message);
        Assert.Throws<InvalidDataException>(() => CocoMask.DecodeRle([1, 2], 2, 2));
    }

    [Fact]
    public void CocoPolygonsMatchCentreSampling()
    {
        var f = Masks();
        var size = f["poly_size"].ToArray<long>();
        int h = (int)size[0], w = (int)size[1];
        foreach (var name in new[] { "poly_triangle", "poly_concave", "poly_clipped", "poly_union" })
        {
            var xy = f[name + "_xy"].ToArray<double>();
            var lengths = f[name + "_lengths"].ToArray<long>();
            var polys = new List<double[]>();
            int at = 0;
            foreach (long n in lengths) { polys.Add(xy[at..(at + (int)n)]); at += (int)n; }
            Assert.Equal(f[name + "_mask"].ToArray<byte>(), CocoMask.FromPolygons(polys, h, w));
        }
        // By hand: the square (0,0)-(10,10) covers the pixels whose centres it holds, rows and columns 0..9.
        var square = CocoMask.FromPolygons([[0, 0, 10, 0, 10, 10, 0, 10]], 12, 12);
        for (int r = 0; r < 12; r++)
            for (int c = 0; c < 12; c++)
                Assert.Equal(r < 10 && c < 10 ? 1 : 0, square[r * 12 + c]);
    }

    [Fact]
    public void CocoDatasetBuildsTargets()
    {
        var f = Masks();
        using var dir = new TempDir();
        string large = Encoding.ASCII.GetString(f["rle_large_string"].ToArray<byte>());
        string json = $$"""
        {
          "images": [
            {"id": 42, "file_name": "b.jpg", "width": 50, "height": 40},
            {"id": 7, "file_name": "a.jpg", "width": 20, "height": 18},
            {"id": 9, "file_name": "c.jpg", "width": 9, "height": 7}
          ],
          "categories": [
            {"id": 5, "name": "dog", "supercategory": "animal"},
            {"id": 1, "name": "person", "keypoints": ["nose", "eye"]},
            {"id": 3, "name": "cat"}
          ],
          "annotations": [
            {"id": 1, "image_id": 7, "category_id": 5, "bbox": [1, 3, 14, 14.5], "area": 98, "iscrowd": 0,
             "segmentation": {{PolygonJson(f, "poly_triangle")}} },
            {"id": 2, "image_id": 7, "category_id": 1, "bbox": [8, 9, 8, 8], "area": 32, "iscrowd": 0,
             "segmentation": {{PolygonJson(f, "poly_union")}}, "keypoints": [10, 11, 2, 0, 0, 0], "num_keypoints": 1},
            {"id": 3, "image_id": 9, "category_id": 3, "bbox": [0, 0, 9, 7], "iscrowd": 1,
             "segmentation": {"size": [7, 9], "counts": {{Json(f["rle_small_counts"].ToArray<long>())}} } },
            {"id": 4, "image_id": 42, "category_id": 1, "bbox": [5, 3, 43, 35], "area": 1000, "iscrowd": 1,
             "segmentation": {"size": [40, 50], "counts": "{{large}}" } }
          ]
        }
        """;
        string file = dir.File("instances.json");
        File.WriteAllText(file, json);
        var ds = new CocoDataset(file, dir.Path, _ => Tensor.Zeros([3, 4, 4]));
        Assert.Equal(new long[] { 7, 9, 42 }, ds.Images.Select(i => i.Id));
        Assert.Equal(new[] { "person", "cat", "dog" }, ds.Classes);
        Assert.Equal(Path.Combine(dir.Path, "a.jpg"), ds.ImagePath(0));

        using var t = ds.Target(0);
        Assert.Equal(7, t.ImageId);
        Assert.Equal(new[] { 2, 4 }, t.Boxes.Shape.ToArray());
        Assert.Equal(new float[] { 1, 3, 15, 17.5f, 8, 9, 16, 17 }, t.Boxes.ToArray<float>());
        Assert.Equal(new long[] { 2, 0 }, t.Labels.ToArray<long>());
        Assert.Equal(new[] { false, false }, t.IsCrowd!.ToArray<bool>());
        Assert.Equal(new float[] { 98, 32 }, t.Area!.ToArray<float>());
        Assert.Equal(new[] { 2, 18, 20 }, t.Masks!.Shape.ToArray());
        using (var m0 = t.Masks.Select(0, 0)) Assert.Equal(f["poly_triangle_mask"].ToArray<byte>(), m0.ToArray<byte>());
        using (var m1 = t.Masks.Select(0, 1)) Assert.Equal(f["poly_union_mask"].ToArray<byte>(), m1.ToArray<byte>());
        Assert.Equal(new[] { 2, 2, 3 }, t.Keypoints!.Shape.ToArray());
        Assert.Equal(new float[] { 0, 0, 0, 0, 0, 0, 10, 11, 2, 0, 0, 0 }, t.Keypoints.ToArray<float>());

        using var crowd = ds.Target(1);
        Assert.Equal(new[] { true }, crowd.IsCrowd!.ToArray<bool>());
        Assert.Equal(new float[] { 63 }, crowd.Area!.ToArray<float>()); // no "area": w * h
        Assert.Equal(f["rle_small_mask"].ToArray<byte>(), crowd.Masks!.ToArray<byte>());
        Assert.Null(crowd.Keypoints);

        var sample = ds.Get(2);
        sample.Image.Dispose();
        using var big = sample.Target;
        Assert.Equal(f["rle_large_mask"].ToArray<byte>(), big.Masks!.ToArray<byte>());

        var noCrowd = new CocoDataset(file, dir.Path, skipCrowd: true, masks: false);
        using var empty = noCrowd.Target(1);
        Assert.Equal(new[] { 0, 4 }, empty.Boxes.Shape.ToArray());
        Assert.Null(empty.Masks);
    }

    [Fact]
    public void CocoErrorsNameTheFileAndAnnotation()
    {
        using var dir = new TempDir();
        string file = dir.File("bad.json");
        File.WriteAllText(file, """{"images": [{"id": 1, "file_name": "a.jpg", "width": 2, "height": 2}], "categories": [{"id": 1, "name": "x"}], "annotations": [{"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1]}]}""");
        var e = Assert.Throws<InvalidDataException>(() => new CocoDataset(file, dir.Path));
        Assert.Contains(file, e.Message);
        Assert.Contains("id 5", e.Message);

        File.WriteAllText(file, """{"images": [{"id": 1, "file_name": "a.jpg", "width": 2, "height": 2}], "categories": [{"id": 1, "name": "x"}], "annotations": [{"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "segmentation": {"size": [2, 2], "counts": [1, 9]}}]}""");
        var ds = new CocoDataset(file, dir.Path);
        e = Assert.Throws<InvalidDataException>(() => ds.Target(0));
        Assert.Contains("annotation 5", e.Message);

        File.WriteAllText(file, """{"images": [{"id": 1, "file_name": "a.jpg", "width": 2, "height": 2}, {"id": 1, "file_name": "b.jpg", "width": 2, "height": 2}], "categories": []}""");
        e = Assert.Throws<InvalidDataException>(() => new CocoDataset(file, dir.Path));
        Assert.Contains("image id 1 is listed twice", e.Message);

        File.WriteAllText(file, """{"images": [], "categories": [}""");
        e = Assert.Throws<InvalidDataException>(() => new CocoDataset(file, dir.Path));
        Assert.Contains(file, e.Message);
    }

    // ---------------------------------------------------------------- VOC

    private const string VocXml = """
        <annotation>
          <folder>VOC2007</folder>
          <filename>000005.jpg</filename>
          <size><width>500</width><height>375</height><depth>3</depth></size>
          <object>
            <name>chair</name><pose>Rear</pose><truncated>0</truncated><difficult>0</difficult>
            <bndbox><xmin>263</xmin><ymin>211</ymin><xmax>324</xmax><ymax>339</ymax></bndbox>
          </object>
          <object>
            <name>person</name><pose>Unspecified</pose><truncated>1</truncated><difficult>1</difficult>
            <bndbox><xmin>5.5</xmin><ymin>244</ymin><xmax>67</xmax><ymax>374</ymax></bndbox>
          </object>
        </annotation>
        """;

    [Fact]
    public void VocAnnotationsAndSplits()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("Annotations", "000005.xml"), VocXml);
        File.WriteAllText(dir.File("ImageSets", "Main", "val.txt"), "000005\n\n");
        var a = VocAnnotation.Load(dir.File("Annotations", "000005.xml"));
        Assert.Equal("000005.jpg", a.FileName);
        Assert.Equal((500, 375, 3), (a.Width, a.Height, a.Depth));
        Assert.Equal("Rear", a.Objects[0].Pose);

        var ds = new VocDetection(dir.Path, "val");
        Assert.Equal(1, ds.Count);
        Assert.Equal(Path.Combine(dir.Path, "JPEGImages", "000005.jpg"), ds.ImagePath(0));
        using var t = ds.Target(0);
        Assert.Equal(new float[] { 263, 211, 324, 339, 5.5f, 244, 67, 374 }, t.Boxes.ToArray<float>());
        Assert.Equal(new long[] { 8, 14 }, t.Labels.ToArray<long>());
        Assert.Equal(new[] { false, true }, t.Difficult!.ToArray<bool>());
        Assert.Equal(new[] { false, true }, t.Truncated!.ToArray<bool>());
        Assert.Equal((500, 375), (t.Width, t.Height));

        using var easy = new VocDetection(dir.Path, "val", keepDifficult: false).Target(0);
        Assert.Equal(new long[] { 8 }, easy.Labels.ToArray<long>());

        var e = Assert.Throws<InvalidDataException>(() => new VocDetection(dir.Path, "val", classes: ["chair"]).Target(0));
        Assert.Contains("000005.xml", e.Message);
        Assert.Contains("'person'", e.Message);

        string bad = dir.File("Annotations", "bad.xml");
        File.WriteAllText(bad, VocXml.Replace("<xmax>324</xmax>", "<xmax>3x</xmax>"));
        e = Assert.Throws<InvalidDataException>(() => VocAnnotation.Load(bad));
        Assert.Contains(bad, e.Message);
        Assert.Contains("'3x'", e.Message);
        File.WriteAllText(bad, "<annotation><object>");
        e = Assert.Throws<InvalidDataException>(() => VocAnnotation.Load(bad));
        Assert.Contains(bad, e.Message);
    }

    // ---------------------------------------------------------------- YOLO

    [Fact]
    public void YoloLabelsBecomeAbsoluteXyxy()
    {
        using var t = YoloLabels.Parse("0 0.5 0.5 0.2 0.4\n\n2 0.1 0.2 0.3 0.4 0.2 0.6\n", 200, 100);
        Assert.Equal(new float[] { 80, 30, 120, 70, 20, 20, 60, 60 }, t.Boxes.ToArray<float>());
        Assert.Equal(new long[] { 0, 2 }, t.Labels.ToArray<long>());
        var e = Assert.Throws<InvalidDataException>(() => YoloLabels.Parse("0 0.5 0.5 0.2 0.4\n1 0.5 0.5 0.2\n", 10, 10, "x.txt"));
        Assert.Contains("x.txt: line 2", e.Message);
        e = Assert.Throws<InvalidDataException>(() => YoloLabels.Parse("3 0.5 0.5 0.2 0.4", 10, 10, "x.txt", numClasses: 3));
        Assert.Contains("class 3", e.Message);

        using var dir = new TempDir();
        File.WriteAllText(dir.File("data", "images", "train", "a.jpg"), "");
        File.WriteAllText(dir.File("data", "images", "train", "b.png"), "");
        File.WriteAllText(dir.File("data", "labels", "train", "a.txt"), "1 0.25 0.5 0.5 1\n");
        var ds = new YoloDataset(dir.File("data", "images", "train"), _ => Tensor.Zeros([3, 100, 200]));
        Assert.Equal(2, ds.Count);
        Assert.Equal(Path.Combine(dir.Path, "data", "labels", "train", "a.txt"), ds.LabelPath(0));
        var s = ds.Get(0);
        s.Image.Dispose();
        using var target = s.Target;
        Assert.Equal(new float[] { 0, 0, 100, 100 }, target.Boxes.ToArray<float>());
        using var none = ds.Target(1, 200, 100);
        Assert.Equal(0, none.Count);
    }

    // ---------------------------------------------------------------- segmentation folders, arrays

    [Fact]
    public void SegmentationFolderPairsByStem()
    {
        using var dir = new TempDir();
        foreach (var p in new[] { "img/b.jpg", "img/a.jpg", "masks/a.png", "masks/b.png", "masks/extra.png" })
            File.WriteAllText(dir.File(p.Split('/')), "");
        var ds = new SegmentationFolder(Path.Combine(dir.Path, "img"), Path.Combine(dir.Path, "masks"), p => Tensor.Zeros([1, 1, 1]));
        Assert.Equal(2, ds.Count);
        Assert.Equal(Path.Combine(dir.Path, "masks", "b.png"), ds.Pairs[1].MaskPath);
        Assert.Equal(Path.Combine(dir.Path, "img", "b.jpg"), ds.Pairs[1].ImagePath);
        var s = ds.Get(0);
        s.Image.Dispose();
        s.Mask.Dispose();

        File.Delete(Path.Combine(dir.Path, "masks", "b.png"));
        var e = Assert.Throws<FileNotFoundException>(() => new SegmentationFolder(Path.Combine(dir.Path, "img"), Path.Combine(dir.Path, "masks")));
        Assert.Contains(": b.", e.Message);
    }

    [Fact]
    public void NpyDatasetGivesRows()
    {
        using var dir = new TempDir();
        string npz = dir.File("d.npz");
        using (var x = Tensor.Arange(0, 30, 1, DType.Float32).Reshape(5, 2, 3))
        using (var y = Tensor.FromArray(new long[] { 4, 3, 2, 1, 0 }, 5))
            Npy.SaveArchive(npz, new Dictionary<string, Tensor> { ["x"] = x, ["y"] = y });
        var ds = NpyDataset.FromNpz(npz);
        Assert.Equal(5, ds.Count);
        var s = ds.Get(2);
        using (s.Input)
        using (s.Target)
        {
            Assert.Equal(new[] { 2, 3 }, s.Input.Shape.ToArray());
            Assert.Equal(new float[] { 12, 13, 14, 15, 16, 17 }, s.Input.ToArray<float>());
            Assert.Equal(2L, s.Target!.Item<long>());
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.Get(5));

        string xs = dir.File("x.npy"), ys = dir.File("y.npy");
        using (var x = Tensor.Zeros([4, 2])) Npy.Save(xs, x);
        using (var y = Tensor.Zeros([3])) Npy.Save(ys, y);
        Assert.Null(NpyDataset.FromFiles(xs).Get(0).Target);
        var e = Assert.Throws<InvalidDataException>(() => NpyDataset.FromFiles(xs, ys));
        Assert.Contains("3 targets for 4 inputs", e.Message);
        e = Assert.Throws<InvalidDataException>(() => NpyDataset.FromNpz(npz, "images"));
        Assert.Contains("'images'", e.Message);
    }
}
