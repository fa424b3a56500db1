// Semantic segmentation stored as two folders: images and masks, paired by file stem (name without extension),
// so "img/0001.jpg" pairs with "masks/0001.png". Pairs are sorted by stem (ordinal); an image without a mask is
// an error naming the first few, a mask without an image is ignored.
namespace Fovea.Data;

/// <summary>An image file and its mask file.</summary>
public readonly record struct SegmentationPair(string ImagePath, string MaskPath);

/// <summary>A segmentation dataset of image/mask files paired by stem.</summary>
public sealed class SegmentationFolder : IDataset<SegmentationSample>
{
    private readonly Func<string, Tensor>? _imageLoader;
    private readonly Func<string, Tensor>? _maskLoader;

    /// <summary>
    /// Pairs the files of <paramref name="imagesDir"/> and <paramref name="masksDir"/> (top level only) by stem.
    /// <paramref name="imageLoader"/> decodes images; <paramref name="maskLoader"/> masks (the image loader when null).
    /// </summary>
    public SegmentationFolder(string imagesDir, string masksDir, Func<string, Tensor>? imageLoader = null, Func<string, Tensor>? maskLoader = null,
        IEnumerable<string>? extensions = null)
    {
        var exts = (extensions ?? ImageFolder.ImageExtensions).Select(e => e.StartsWith('.') ? e : "." + e).ToArray();
        var images = ByStem(imagesDir, exts);
        var masks = ByStem(masksDir, exts);
        var missing = images.Keys.Where(s => !masks.ContainsKey(s)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            throw new FileNotFoundException($"SegmentationFolder: {missing.Count} image(s) in {imagesDir} have no mask in {masksDir}: {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")}.");
        Pairs = images.Keys.Order(StringComparer.Ordinal).Select(s => new SegmentationPair(images[s], masks[s])).ToArray();
        _imageLoader = imageLoader;
        _maskLoader = maskLoader ?? imageLoader;
    }

    /// <summary>Every image/mask pair, in dataset order.</summary>
    public IReadOnlyList<SegmentationPair> Pairs { get; }

    public int Count => Pairs.Count;

    /// <summary>Loads pair <paramref name="index"/>.</summary>
    public SegmentationSample Get(int index)
    {
        if (_imageLoader == null || _maskLoader == null)
            throw new InvalidOperationException("SegmentationFolder.Get: no loader was given; pass a Func<string, Tensor> to decode files, or use Pairs.");
        var p = Pairs[index];
        return new SegmentationSample(_imageLoader(p.ImagePath), _maskLoader(p.MaskPath));
    }

    private static Dictionary<string, string> ByStem(string dir, string[] exts)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"SegmentationFolder: folder not found: {dir}");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in Directory.EnumerateFiles(dir).Where(f => exts.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase))).Order(StringComparer.Ordinal))
        {
            string stem = Path.GetFileNameWithoutExtension(f);
            if (!map.TryAdd(stem, f)) throw new InvalidDataException($"SegmentationFolder: {map[stem]} and {f} share the stem '{stem}'.");
        }
        return map;
    }
}
