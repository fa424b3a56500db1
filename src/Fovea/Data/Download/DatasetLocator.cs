// Finding a dataset by name. Order: the caller's explicit path, the roots in FOVEA_DATA, ~/.fovea/datasets,
// /usr/share/datasets (where Debian's dataset-fashion-mnist puts its files), then, when allowed, a download
// from the official address into the first FOVEA_DATA root or ~/.fovea/datasets. The result says which.
using System.Formats.Tar;
using System.IO.Compression;

namespace Fovea.Data;

/// <summary>A folder holding datasets as subfolders named after them, and the kind of source it counts as.</summary>
public sealed record DatasetRoot(DatasetSourceKind Kind, string Path);

/// <summary>Where <see cref="DatasetLocator"/> looks, whether it may download, and what it knows by name.</summary>
public sealed record LocatorOptions
{
    /// <summary>The roots searched in order (each holds datasets as subfolders: root/fashion-mnist/...).</summary>
    public IReadOnlyList<DatasetRoot> Roots { get; init; } = [];

    /// <summary>The root downloads go into (as DownloadRoot/&lt;name&gt;).</summary>
    public string DownloadRoot { get; init; } = DefaultUserRoot;

    /// <summary>Whether a dataset found nowhere may be downloaded.</summary>
    public bool Download { get; init; }

    /// <summary>The downloader (and so the HTTP client) used for downloads.</summary>
    public Downloader Downloader { get; init; } = new();

    /// <summary>The datasets known by name.</summary>
    public IReadOnlyDictionary<string, DatasetInfo> Catalog { get; init; } = DatasetCatalog.All;

    /// <summary>~/.fovea/datasets.</summary>
    public static string DefaultUserRoot =>
        System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".fovea", "datasets");

    /// <summary>/usr/share/datasets.</summary>
    public const string SystemRoot = "/usr/share/datasets";

    /// <summary>
    /// The standard search: FOVEA_DATA's roots (separated by the platform's path separator), ~/.fovea/datasets,
    /// /usr/share/datasets; downloads go into the first FOVEA_DATA root, else ~/.fovea/datasets.
    /// </summary>
    public static LocatorOptions FromEnvironment(bool download = false)
    {
        var env = (Environment.GetEnvironmentVariable("FOVEA_DATA") ?? "")
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var roots = env.Select(r => new DatasetRoot(DatasetSourceKind.Environment, r)).ToList();
        roots.Add(new DatasetRoot(DatasetSourceKind.UserCache, DefaultUserRoot));
        roots.Add(new DatasetRoot(DatasetSourceKind.System, SystemRoot));
        return new LocatorOptions { Roots = roots, DownloadRoot = env.Length > 0 ? env[0] : DefaultUserRoot, Download = download };
    }
}

/// <summary>Resolves a dataset name to the folder holding its files (see the file header for the search order).</summary>
public static class DatasetLocator
{
    /// <summary>
    /// The folder holding dataset <paramref name="name"/>: <paramref name="explicitPath"/> when given (the dataset folder
    /// itself or a root holding it; downloaded into it when missing and <paramref name="download"/>), else the first
    /// search root holding a complete copy, else a fresh download when <paramref name="download"/> is true.
    /// Uses <see cref="LocatorOptions.FromEnvironment"/>; throws <see cref="FileNotFoundException"/> listing the
    /// places searched when nothing is found.
    /// </summary>
    public static DatasetSource Find(string name, string? explicitPath = null, bool download = true) =>
        Find(name, explicitPath, LocatorOptions.FromEnvironment(download));

    /// <summary>As <see cref="Find(string, string?, bool)"/> with explicit options.</summary>
    public static DatasetSource Find(string name, string? explicitPath, LocatorOptions options)
    {
        var info = Info(name, options);
        if (TryFind(info, explicitPath, options) is { } found) return found;
        if (options.Download)
        {
            string target = explicitPath ?? Path.Combine(options.DownloadRoot, info.Name);
            return new DatasetSource(DatasetSourceKind.Downloaded, Fetch(info, target, options.Downloader));
        }
        throw new FileNotFoundException(explicitPath != null
            ? $"{info.Name}: {explicitPath} does not hold {string.Join(", ", info.RequiredFiles)} (directly, in {info.Name}/ or in {info.Subfolder ?? info.Name}/)."
            : $"{info.Name}: not found in {string.Join(", ", options.Roots.Select(r => Path.Combine(r.Path, info.Name)))}; pass its folder, set FOVEA_DATA, or allow a download.");
    }

    /// <summary>
    /// The folder holding a complete copy of <paramref name="name"/> without downloading, or null when none is found.
    /// A given <paramref name="explicitPath"/> that does not hold the dataset is an error unless downloads are allowed.
    /// </summary>
    public static DatasetSource? TryFind(string name, string? explicitPath, LocatorOptions options) =>
        TryFind(Info(name, options), explicitPath, options);

    private static DatasetSource? TryFind(DatasetInfo info, string? explicitPath, LocatorOptions options)
    {
        if (explicitPath != null)
        {
            string? dir = Candidates(info, explicitPath, includeBase: true).FirstOrDefault(d => HoldsAll(info, d));
            if (dir != null) return new DatasetSource(DatasetSourceKind.Explicit, dir);
            if (options.Download) return null;
            throw new FileNotFoundException($"{info.Name}: {explicitPath} does not hold {string.Join(", ", info.RequiredFiles)} (directly, in {info.Name}/ or in {info.Subfolder ?? info.Name}/).");
        }
        foreach (var root in options.Roots)
        {
            string? dir = Candidates(info, root.Path, includeBase: false).FirstOrDefault(d => HoldsAll(info, d));
            if (dir != null) return new DatasetSource(root.Kind, dir);
        }
        return null;
    }

    /// <summary>The path of a required file in <paramref name="dir"/>: "x.gz" or, when only that exists, the uncompressed "x".</summary>
    public static string FilePath(string dir, string file)
    {
        string p = Path.Combine(dir, file);
        if (!File.Exists(p) && file.EndsWith(".gz", StringComparison.Ordinal) && File.Exists(p[..^3])) return p[..^3];
        return p;
    }

    private static DatasetInfo Info(string name, LocatorOptions options) => DatasetCatalog.TryGet(name, options.Catalog)
        ?? throw new ArgumentException($"DatasetLocator: unknown dataset '{name}'; known: {string.Join(", ", options.Catalog.Keys)}.", nameof(name));

    private static IEnumerable<string> Candidates(DatasetInfo info, string path, bool includeBase)
    {
        if (includeBase)
        {
            yield return path;
            if (info.Subfolder != null) yield return Path.Combine(path, info.Subfolder);
        }
        string named = Path.Combine(path, info.Name);
        yield return named;
        if (info.Subfolder != null) yield return Path.Combine(named, info.Subfolder);
    }

    private static bool HoldsAll(DatasetInfo info, string dir) => info.RequiredFiles.All(f => File.Exists(FilePath(dir, f)));

    /// <summary>Downloads (and unpacks) every resource of <paramref name="info"/> into <paramref name="dir"/>; returns the folder holding the files.</summary>
    private static string Fetch(DatasetInfo info, string dir, Downloader downloader)
    {
        Directory.CreateDirectory(dir);
        foreach (var r in info.Resources)
        {
            string file = Path.Combine(dir, r.FileName);
            downloader.Download(r.Urls, file, r.Checksum);
            if (!r.Extract) continue;
            Extract(file, dir);
            File.Delete(file);
        }
        return Candidates(info, dir, includeBase: true).FirstOrDefault(d => HoldsAll(info, d))
            ?? throw new InvalidDataException($"{info.Name}: downloaded into {dir}, but {string.Join(", ", info.RequiredFiles)} are not all there.");
    }

    /// <summary>Unpacks a .tar.gz into <paramref name="dir"/> through a scratch folder, so no half-written file takes a final name.</summary>
    private static void Extract(string archive, string dir)
    {
        string scratch = Path.Combine(dir, ".extract-" + Path.GetFileName(archive));
        if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        Directory.CreateDirectory(scratch);
        using (var f = File.OpenRead(archive))
        using (var gz = new GZipStream(f, CompressionMode.Decompress))
            TarFile.ExtractToDirectory(gz, scratch, overwriteFiles: true);
        foreach (var entry in Directory.EnumerateFileSystemEntries(scratch))
        {
            string to = Path.Combine(dir, Path.GetFileName(entry));
            if (Directory.Exists(to)) Directory.Delete(to, recursive: true);
            else if (File.Exists(to)) File.Delete(to);
            if (Directory.Exists(entry)) Directory.Move(entry, to);
            else File.Move(entry, to);
        }
        Directory.Delete(scratch, recursive: true);
    }
}
