// torchvision's ImageFolder layout: root/<class>/**/<image>. Classes are the immediate subfolders sorted by
// ordinal (code-point) order, labelled 0..C-1 in that order; files are listed per class, sorted by folder then
// name, keeping those whose lower-cased name ends with one of the extensions. Decoding is the caller's
// loader delegate; the file list alone needs no decoder.
namespace Fovea.Data;

/// <summary>A classification dataset of image files in one folder per class.</summary>
public sealed class ImageFolder : IDataset<ImageSample>
{
    private readonly Func<string, Tensor>? _loader;

    /// <summary>The extensions listed when none are given (torchvision's IMG_EXTENSIONS).</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"];

    /// <summary>
    /// Lists <paramref name="root"/>. <paramref name="loader"/> turns a path into an image tensor (C×H×W) for
    /// <see cref="Get"/>; without one only the file list is available. Throws <see cref="DirectoryNotFoundException"/>
    /// for a missing root and <see cref="FileNotFoundException"/> when there is no class folder or a class has no file.
    /// </summary>
    public ImageFolder(string root, IEnumerable<string>? extensions = null, Func<string, Tensor>? loader = null)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"ImageFolder: root folder not found: {root}");
        Root = root;
        Extensions = (extensions ?? ImageExtensions).Select(e => (e.StartsWith('.') ? e : "." + e).ToLowerInvariant()).ToArray();
        _loader = loader;
        Classes = Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        if (Classes.Count == 0) throw new FileNotFoundException($"ImageFolder: no class folder in {root}.");
        ClassToIndex = Classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);

        var files = new List<LabeledFile>();
        var empty = new List<string>();
        for (int label = 0; label < Classes.Count; label++)
        {
            var found = ListFiles(Path.Combine(root, Classes[label]), Extensions);
            if (found.Count == 0) empty.Add(Classes[label]);
            files.AddRange(found.Select(f => new LabeledFile(f, label)));
        }
        if (empty.Count > 0)
            throw new FileNotFoundException($"ImageFolder: no file with extension {string.Join(", ", Extensions)} for the classes {string.Join(", ", empty)} in {root}.");
        Files = files;
    }

    /// <summary>The root folder.</summary>
    public string Root { get; }

    /// <summary>The accepted extensions, lower-case with a leading dot.</summary>
    public IReadOnlyList<string> Extensions { get; }

    /// <summary>Class names (the folder names), indexed by label.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Label of each class name.</summary>
    public IReadOnlyDictionary<string, int> ClassToIndex { get; }

    /// <summary>Every file with its label, in dataset order.</summary>
    public IReadOnlyList<LabeledFile> Files { get; }

    public int Count => Files.Count;

    /// <summary>Loads file <paramref name="index"/> with the loader delegate.</summary>
    public ImageSample Get(int index)
    {
        var f = Files[index];
        var loader = _loader ?? throw new InvalidOperationException("ImageFolder.Get: no loader was given; pass a Func<string, Tensor> to decode images, or use Files.");
        return new ImageSample(loader(f.Path), f.Label);
    }

    /// <summary>Files under <paramref name="dir"/> (recursively) with one of the extensions, sorted by folder then name (ordinal).</summary>
    internal static List<string> ListFiles(string dir, IReadOnlyList<string> extensions) =>
        Directory.EnumerateFiles(dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(f => Path.GetDirectoryName(f), StringComparer.Ordinal)
            .ThenBy(Path.GetFileName, StringComparer.Ordinal)
            .ToList();
}
