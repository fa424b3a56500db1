// The downloader and the dataset locator against a loopback HTTP server: whole downloads, resume with a Range
// request after an interruption or from a leftover .part file, servers ignoring ranges, checksum mismatches,
// mirrors, archive unpacking, and the locator's search order. No test touches the internet.
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Fovea.Data;
using Xunit;

namespace Fovea.Tests.Data;

public class DownloadTests
{
    private static byte[] Payload(int n, int seed = 1)
    {
        var b = new byte[n];
        new System.Random(seed).NextBytes(b);
        return b;
    }

    private static Checksum Sha(byte[] data) => Checksum.Sha256(Convert.ToHexStringLower(SHA256.HashData(data)));

    [Fact]
    public void DownloadsAndVerifies()
    {
        using var server = new LoopbackServer();
        using var dir = new TempDir();
        var data = Payload(100_000);
        server.Files["a.bin"] = data;
        string dest = dir.File("out", "a.bin");
        new Downloader().Download(server.Url("a.bin"), dest, Sha(data));
        Assert.Equal(data, File.ReadAllBytes(dest));
        Assert.False(File.Exists(dest + ".part"));
        Assert.Equal(new[] { "a.bin -" }, server.Requests);

        // An MD5 works the same; a verified file already in place is not fetched again.
        new Downloader().Download(server.Url("a.bin"), dest, Checksum.Md5(Convert.ToHexStringLower(MD5.HashData(data))));
        Assert.Single(server.Requests);
    }

    [Fact]
    public void ResumesFromAPartFile()
    {
        using var server = new LoopbackServer();
        using var dir = new TempDir();
        var data = Payload(90_000, 2);
        server.Files["b.bin"] = data;
        string dest = dir.File("b.bin");
        File.WriteAllBytes(dest + ".part", data[..40_000]);
        new Downloader().Download(server.Url("b.bin"), dest, Sha(data));
        Assert.Equal(data, File.ReadAllBytes(dest));
        Assert.Equal(new[] { "b.bin bytes=40000-" }, server.Requests);
        Assert.False(File.Exists(dest + ".part"));
    }

    [Fact]
    public void ResumesAfterAnInterruptedTransfer()
    {
        using var server = new LoopbackServer();
        using var dir = new TempDir();
        var data = Payload(300_000, 3);
        server.Files["c.bin"] = data;
        server.CutAfter = 120_000;
        string dest = dir.File("c.bin");
        var downloader = new Downloader();
        var e = Record.Exception(() => downloader.Download(server.Url("c.bin"), dest, Sha(data)));
        Assert.True(e is IOException or HttpRequestException, $"expected an I/O error, got {e}");
        Assert.False(File.Exists(dest));
        long kept = new FileInfo(dest + ".part").Length;
        Assert.InRange(kept, 1, 120_000);

        downloader.Download(server.Url("c.bin"), dest, Sha(data));
        Assert.Equal(data, File.ReadAllBytes(dest));
        Assert.Equal(new[] { "c.bin -", $"c.bin bytes={kept}-" }, server.Requests);
    }

    [Fact]
    public void RestartsWhenTheServerIgnoresRanges()
    {
        using var server = new LoopbackServer { IgnoreRange = true };
        using var dir = new TempDir();
        var data = Payload(50_000, 4);
        server.Files["d.bin"] = data;
        string dest = dir.File("d.bin");
        File.WriteAllBytes(dest + ".part", Payload(10_000, 99)); // not a prefix of the file: must be replaced
        new Downloader().Download(server.Url("d.bin"), dest, Sha(data));
        Assert.Equal(data, File.ReadAllBytes(dest));
    }

    [Fact]
    public void AWholePartFileIsVerifiedWithoutRefetching()
    {
        using var server = new LoopbackServer();
        using var dir = new TempDir();
        var data = Payload(20_000, 5);
        server.Files["e.bin"] = data;
        string dest = dir.File("e.bin");
        File.WriteAllBytes(dest + ".part", data);
        new Downloader().Download(server.Url("e.bin"), dest, Sha(data));
        Assert.Equal(data, File.ReadAllBytes(dest));
        Assert.Equal(new[] { "e.bin bytes=20000-" }, server.Requests); // answered 416: nothing more to send
    }

    [Fact]
    public void ChecksumMismatchNamesTheFileAndBothHashes()
    {
        using var server = new LoopbackServer();
        using var dir = new TempDir();
        var data = Payload(30_000, 6);
        server.Files["f.bin"] = data;
        string dest = dir.File("f.bin");
        var wrong = Checksum.Sha256(new string('0', 64));
        var e = Assert.Throws<InvalidDataException>(() => new Downloader().Download(server.Url("f.bin"), dest, wrong));
        Assert.Contains("f.bin", e.Message);
        Assert.Contains(wrong.Hex, e.Message);
        Assert.Contains(Sha(data).Hex, e.Message);
        Assert.False(File.Exists(dest));
        Assert.False(File.Exists(dest + ".part"));

        // A corrupt leftover .part makes the resumed whole fail too, and is removed so that a rerun starts clean.
        File.WriteAllBytes(dest + ".part", Payload(10_000, 7));
        e = Assert.Throws<InvalidDataException>(() => new Downloader().Download(server.Url("f.bin"), dest, Sha(data)));
        Assert.Contains(Sha(data).Hex, e.Message);
        new Downloader().Download(server.Url("f.bin"), dest, Sha(data));
        Assert.Equal(data, File.ReadAllBytes(dest));
    }

    [Fact]
    public void TriesMirrorsInOrder()
    {
        using var server = new LoopbackServer();
        using var dir = new TempDir();
        var data = Payload(1000, 8);
        server.Files["mirror2/g.bin"] = data;
        string dest = dir.File("g.bin");
        new Downloader().Download([server.Url("mirror1/g.bin"), server.Url("mirror2/g.bin")], dest, Sha(data));
        Assert.Equal(data, File.ReadAllBytes(dest));

        var e = Assert.Throws<IOException>(() => new Downloader().Download([server.Url("x/h.bin"), server.Url("y/h.bin")], dir.File("h.bin"), null));
        Assert.Contains("x/h.bin", e.Message);
        Assert.Contains("y/h.bin", e.Message);
        Assert.Contains("404", e.Message);
    }

    // ---------------------------------------------------------------- the locator

    private static LocatorOptions Options(LoopbackServer server, string downloadRoot, params DatasetInfo[] infos) => new()
    {
        Roots = [new DatasetRoot(DatasetSourceKind.UserCache, downloadRoot)],
        DownloadRoot = downloadRoot,
        Download = true,
        Catalog = infos.ToDictionary(i => i.Name),
    };

    [Fact]
    public void LocatorDownloadsOnceThenFindsTheCopy()
    {
        using var server = new LoopbackServer();
        using var dir = new TempDir();
        var a = Payload(5000, 9);
        var b = Payload(7000, 10);
        server.Files["a.bin"] = a;
        server.Files["b.bin"] = b;
        var info = new DatasetInfo("tiny-set", ["a.bin", "b.bin"],
            [new("a.bin", [server.Url("a.bin")], Sha(a)), new("b.bin", [server.Url("b.bin")], Sha(b))]);
        string cache = Path.Combine(dir.Path, "cache");
        var options = Options(server, cache, info);

        var first = DatasetLocator.Find("Tiny_Set", null, options);
        Assert.Equal(new DatasetSource(DatasetSourceKind.Downloaded, Path.Combine(cache, "tiny-set")), first);
        Assert.Equal(b, File.ReadAllBytes(Path.Combine(first.Path, "b.bin")));
        Assert.Equal(2, server.Requests.Count);

        var second = DatasetLocator.Find("tiny-set", null, options);
        Assert.Equal(new DatasetSource(DatasetSourceKind.UserCache, first.Path), second);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public void LocatorUnpacksArchives()
    {
        using var server = new LoopbackServer();
        using var dir = new TempDir();
        var payload = Payload(3000, 11);
        File.WriteAllBytes(dir.File("src", "tiny-bin", "data.bin"), payload);
        using (var ms = new MemoryStream())
        {
            using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
                TarFile.CreateFromDirectory(Path.Combine(dir.Path, "src"), gz, includeBaseDirectory: false);
            server.Files["tiny.tar.gz"] = ms.ToArray();
        }
        var info = new DatasetInfo("tiny", ["data.bin"],
            [new("tiny.tar.gz", [server.Url("tiny.tar.gz")], Sha(server.Files["tiny.tar.gz"]), Extract: true)], Subfolder: "tiny-bin");
        string cache = Path.Combine(dir.Path, "cache");
        var found = DatasetLocator.Find("tiny", null, Options(server, cache, info));
        Assert.Equal(DatasetSourceKind.Downloaded, found.Kind);
        Assert.Equal(Path.Combine(cache, "tiny", "tiny-bin"), found.Path);
        Assert.Equal(payload, File.ReadAllBytes(Path.Combine(found.Path, "data.bin")));
        Assert.False(File.Exists(Path.Combine(cache, "tiny", "tiny.tar.gz")));
        Assert.Equal(new[] { found.Path }, Directory.GetDirectories(Path.Combine(cache, "tiny")));
    }

    [Fact]
    public void LocatorSearchOrder()
    {
        using var dir = new TempDir();
        var info = new DatasetInfo("toy", ["x.gz"], []);
        string Root(string name) => Path.Combine(dir.Path, name);
        var options = new LocatorOptions
        {
            Roots = [new(DatasetSourceKind.Environment, Root("env")), new(DatasetSourceKind.UserCache, Root("home")), new(DatasetSourceKind.System, Root("sys"))],
            Catalog = new Dictionary<string, DatasetInfo> { ["toy"] = info },
        };
        var e = Assert.Throws<FileNotFoundException>(() => DatasetLocator.Find("toy", null, options));
        Assert.Contains(Path.Combine(Root("sys"), "toy"), e.Message);
        Assert.Null(DatasetLocator.TryFind("toy", null, options));

        File.WriteAllText(dir.File("sys", "toy", "x"), ""); // an uncompressed file stands in for x.gz
        Assert.Equal(DatasetSourceKind.System, DatasetLocator.Find("toy", null, options).Kind);
        Assert.Equal(Path.Combine(Root("sys"), "toy", "x"), DatasetLocator.FilePath(Path.Combine(Root("sys"), "toy"), "x.gz"));
        File.WriteAllText(dir.File("home", "toy", "x.gz"), "");
        Assert.Equal(DatasetSourceKind.UserCache, DatasetLocator.Find("toy", null, options).Kind);
        File.WriteAllText(dir.File("env", "toy", "x.gz"), "");
        Assert.Equal(new DatasetSource(DatasetSourceKind.Environment, Path.Combine(Root("env"), "toy")), DatasetLocator.Find("toy", null, options));
        File.WriteAllText(dir.File("mine", "x.gz"), "");
        Assert.Equal(new DatasetSource(DatasetSourceKind.Explicit, Root("mine")), DatasetLocator.Find("toy", Root("mine"), options));
        Assert.Equal(new DatasetSource(DatasetSourceKind.Explicit, Path.Combine(Root("env"), "toy")), DatasetLocator.Find("toy", Root("env"), options));
        e = Assert.Throws<FileNotFoundException>(() => DatasetLocator.Find("toy", Root("nowhere"), options));
        Assert.Contains(Root("nowhere"), e.Message);
        Assert.Throws<ArgumentException>(() => DatasetLocator.Find("unknown", null, options));
    }

    [Fact]
    public void EnvironmentOptionsFollowTheDocumentedOrder()
    {
        var o = LocatorOptions.FromEnvironment();
        Assert.Equal(DatasetSourceKind.System, o.Roots[^1].Kind);
        Assert.Equal("/usr/share/datasets", o.Roots[^1].Path);
        Assert.Equal(DatasetSourceKind.UserCache, o.Roots[^2].Kind);
        Assert.EndsWith(Path.Combine(".fovea", "datasets"), o.Roots[^2].Path);
        Assert.False(o.Download);
        Assert.Equal(DatasetCatalog.FashionMnist, DatasetCatalog.Get("FashionMNIST"));
        Assert.Equal(DatasetCatalog.Cifar10, DatasetCatalog.Get("cifar10"));
    }

    [Fact]
    public void FashionMnistDownloadsThroughTheLocator()
    {
        using var server = new LoopbackServer();
        using var dir = new TempDir();
        var resources = new List<DatasetResource>();
        foreach (var f in DatasetCatalog.FashionMnist.RequiredFiles)
        {
            using var s = typeof(FashionMnist).Assembly.GetManifestResourceStream("Fovea.Data.FashionMnistSample." + f)!;
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            server.Files[f] = ms.ToArray();
            resources.Add(new DatasetResource(f, [server.Url(f)], Sha(ms.ToArray())));
        }
        var info = DatasetCatalog.FashionMnist with { Resources = resources };
        var options = Options(server, Path.Combine(dir.Path, "cache"), info);
        var test = FashionMnist.Load(DatasetSplit.Test, download: true, options: options);
        Assert.Equal(DatasetSourceKind.Downloaded, test.Source.Kind);
        Assert.False(test.IsSample);
        Assert.Equal(1000, test.Count);
        var train = FashionMnist.Load(DatasetSplit.Train, options: options with { Download = false });
        Assert.Equal(DatasetSourceKind.UserCache, train.Source.Kind);
        Assert.Equal(2000, train.Count);
    }
}
