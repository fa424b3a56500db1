// MNIST and Fashion-MNIST: 28×28 grayscale images in IDX files (train-* 60,000, t10k-* 10,000), found by
// DatasetLocator. Fashion-MNIST falls back to a 2,000/1,000-image sample embedded in Fovea.dll when no full copy
// is found and downloading is off, so examples and tests run anywhere; Source says which copy was used.
namespace Fovea.Data;

/// <summary>A dataset of 28×28 grayscale IDX images with labels (the body of <see cref="Mnist"/> and <see cref="FashionMnist"/>).</summary>
public abstract class IdxImageDataset : InMemoryImageDataset
{
    private protected IdxImageDataset(IdxArray images, IdxArray labels, string imagesName, string labelsName,
        IReadOnlyList<string> classes, DatasetSource source, DatasetSplit split, bool asFloat)
        : base(images.Data, CheckLabels(images, labels, imagesName, labelsName, classes.Count), 1, images.Dims[1], images.Dims[2], classes, source, split, asFloat)
    {
    }

    /// <summary>The IDX file names of a split: (images, labels), gzip-compressed names.</summary>
    public static (string Images, string Labels) FileNames(DatasetSplit split) => split == DatasetSplit.Train
        ? ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
        : ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

    private protected static (IdxArray Images, IdxArray Labels, string ImagesPath, string LabelsPath) ReadSplit(string dir, DatasetSplit split)
    {
        var (img, lab) = FileNames(split);
        string ip = DatasetLocator.FilePath(dir, img), lp = DatasetLocator.FilePath(dir, lab);
        return (IdxFile.ReadArray(ip), IdxFile.ReadArray(lp), ip, lp);
    }

    private static int[] CheckLabels(IdxArray images, IdxArray labels, string imagesName, string labelsName, int classes)
    {
        if (images.TypeCode != 0x08 || images.Dims.Length != 3)
            throw new InvalidDataException($"{imagesName}: expected a uint8 (N, H, W) image array, got type 0x{images.TypeCode:x2} with shape ({string.Join(", ", images.Dims)}).");
        if (labels.TypeCode != 0x08 || labels.Dims.Length != 1)
            throw new InvalidDataException($"{labelsName}: expected a uint8 (N) label array, got type 0x{labels.TypeCode:x2} with shape ({string.Join(", ", labels.Dims)}).");
        if (labels.Dims[0] != images.Dims[0])
            throw new InvalidDataException($"{labelsName}: {labels.Dims[0]} labels for the {images.Dims[0]} images of {imagesName}.");
        var result = new int[labels.Dims[0]];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = labels.Data[i];
            if (result[i] >= classes)
                throw new InvalidDataException($"{labelsName}: label {result[i]} of item {i} (offset {8 + i}) is not below the {classes} classes.");
        }
        return result;
    }
}

/// <summary>MNIST handwritten digits: 28×28 grayscale, 10 classes, 60,000 train and 10,000 test images.</summary>
public sealed class Mnist : IdxImageDataset
{
    /// <summary>The class names "0".."9".</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private Mnist(IdxArray images, IdxArray labels, string ip, string lp, DatasetSource source, DatasetSplit split, bool asFloat)
        : base(images, labels, ip, lp, ClassNames, source, split, asFloat) { }

    /// <summary>
    /// Loads a split of MNIST from <paramref name="path"/> or the places <see cref="DatasetLocator"/> searches,
    /// downloading it when not found and <paramref name="download"/>.
    /// </summary>
    public static Mnist Load(DatasetSplit split, string? path = null, bool download = false, bool asFloat = false, LocatorOptions? options = null)
    {
        var source = DatasetLocator.Find("mnist", path, (options ?? LocatorOptions.FromEnvironment()) with { Download = download });
        var (images, labels, ip, lp) = ReadSplit(source.Path, split);
        return new Mnist(images, labels, ip, lp, source, split, asFloat);
    }

    /// <summary>Reads MNIST-format image and label IDX files (plain or .gz).</summary>
    public static Mnist FromFiles(string imagesPath, string labelsPath, DatasetSplit split = DatasetSplit.Train, bool asFloat = false) =>
        new(IdxFile.ReadArray(imagesPath), IdxFile.ReadArray(labelsPath), imagesPath, labelsPath,
            new DatasetSource(DatasetSourceKind.Explicit, Path.GetDirectoryName(Path.GetFullPath(imagesPath))!), split, asFloat);
}

/// <summary>Fashion-MNIST (Zalando): 28×28 grayscale clothing images, 10 classes, 60,000 train and 10,000 test images.</summary>
public sealed class FashionMnist : IdxImageDataset
{
    private const string SamplePrefix = "Fovea.Data.FashionMnistSample.";

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private FashionMnist(IdxArray images, IdxArray labels, string ip, string lp, DatasetSource source, DatasetSplit split, bool asFloat)
        : base(images, labels, ip, lp, ClassNames, source, split, asFloat) { }

    /// <summary>Whether this is the bundled sample rather than the full dataset.</summary>
    public bool IsSample => Source.Kind == DatasetSourceKind.BundledSample;

    /// <summary>
    /// Loads a split of Fashion-MNIST from <paramref name="path"/> (which must hold it) or the places
    /// <see cref="DatasetLocator"/> searches; when none holds it, downloads it if <paramref name="download"/>,
    /// else falls back to the bundled sample (2,000 train / 1,000 test images, 200 / 100 per class). Check
    /// <see cref="InMemoryImageDataset.Source"/> or <see cref="IsSample"/> to see which was used.
    /// </summary>
    public static FashionMnist Load(DatasetSplit split, string? path = null, bool download = false, bool asFloat = false, LocatorOptions? options = null)
    {
        var opts = (options ?? LocatorOptions.FromEnvironment()) with { Download = download };
        var source = DatasetLocator.TryFind("fashion-mnist", path, opts);
        if (source == null && !download) return LoadSample(split, asFloat);
        source ??= DatasetLocator.Find("fashion-mnist", path, opts);
        var (images, labels, ip, lp) = ReadSplit(source.Path, split);
        return new FashionMnist(images, labels, ip, lp, source, split, asFloat);
    }

    /// <summary>The bundled sample: the first 200 (train) or 100 (test) images of each class, in file order.</summary>
    public static FashionMnist LoadSample(DatasetSplit split, bool asFloat = false)
    {
        var (img, lab) = FileNames(split);
        var images = ReadResource(img);
        var labels = ReadResource(lab);
        return new FashionMnist(images, labels, img, lab, new DatasetSource(DatasetSourceKind.BundledSample, "embedded:fashion-mnist-sample"), split, asFloat);
    }

    /// <summary>Reads Fashion-MNIST-format image and label IDX files (plain or .gz).</summary>
    public static FashionMnist FromFiles(string imagesPath, string labelsPath, DatasetSplit split = DatasetSplit.Train, bool asFloat = false) =>
        new(IdxFile.ReadArray(imagesPath), IdxFile.ReadArray(labelsPath), imagesPath, labelsPath,
            new DatasetSource(DatasetSourceKind.Explicit, Path.GetDirectoryName(Path.GetFullPath(imagesPath))!), split, asFloat);

    private static IdxArray ReadResource(string file)
    {
        using var s = typeof(FashionMnist).Assembly.GetManifestResourceStream(SamplePrefix + file)
            ?? throw new FileNotFoundException($"FashionMnist: the bundled sample file {file} is missing from {typeof(FashionMnist).Assembly.GetName().Name}.dll.");
        return IdxFile.ReadArray(s, "embedded:fashion-mnist-sample/" + file);
    }
}
