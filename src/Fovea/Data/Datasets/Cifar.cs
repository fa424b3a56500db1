// CIFAR-10 and CIFAR-100, binary version. Each record is the label byte(s) then 3072 pixel bytes: 1024 red,
// 1024 green, 1024 blue, each a row-major 32×32 plane, so a record is already C×H×W. CIFAR-10 records carry one
// label (data_batch_1..5.bin: 50,000 train; test_batch.bin: 10,000 test); CIFAR-100 records carry the coarse
// (20 superclasses) then the fine (100 classes) label (train.bin: 50,000; test.bin: 10,000).
namespace Fovea.Data;

/// <summary>Which CIFAR-100 label a sample carries.</summary>
public enum Cifar100Labels
{
    /// <summary>The 100 classes.</summary>
    Fine,
    /// <summary>The 20 superclasses.</summary>
    Coarse,
}

/// <summary>Reads CIFAR binary batch files.</summary>
internal static class CifarBatch
{
    public const int ImageBytes = 3 * 32 * 32;

    /// <summary>Reads records of <paramref name="labelBytes"/> label bytes + one image from each file; returns pixels and one label array per label byte.</summary>
    public static (byte[] Pixels, int[][] Labels) Read(IReadOnlyList<string> files, int labelBytes, IReadOnlyList<int> classCounts)
    {
        int record = labelBytes + ImageBytes;
        var sizes = files.Select(f => File.Exists(f) ? new FileInfo(f).Length : throw new FileNotFoundException($"CIFAR batch file not found: {f}", f)).ToArray();
        foreach (var (f, len) in files.Zip(sizes))
            if (len % record != 0)
                throw new InvalidDataException($"{f}: truncated CIFAR batch: {len} bytes is not a whole number of {record}-byte records; the last record starts at offset {len / record * record} and has only {len % record} bytes.");
        long n = sizes.Sum() / record;
        var pixels = new byte[n * ImageBytes];
        var labels = Enumerable.Range(0, labelBytes).Select(_ => new int[n]).ToArray();
        long item = 0;
        var buffer = new byte[record];
        foreach (var f in files)
        {
            using var s = File.OpenRead(f);
            for (long offset = 0; offset < s.Length; offset += record, item++)
            {
                s.ReadExactly(buffer);
                for (int k = 0; k < labelBytes; k++)
                {
                    if (buffer[k] >= classCounts[k])
                        throw new InvalidDataException($"{f}: label {buffer[k]} at offset {offset + k} is not below the {classCounts[k]} classes; is this a CIFAR-{(labelBytes == 1 ? 10 : 100)} batch file?");
                    labels[k][item] = buffer[k];
                }
                buffer.AsSpan(labelBytes).CopyTo(pixels.AsSpan((int)(item * ImageBytes)));
            }
        }
        return (pixels, labels);
    }

    /// <summary>Class names read from a text file (one a line) when it exists and has the expected count, else the built-in list.</summary>
    public static IReadOnlyList<string> Names(string? dir, string file, IReadOnlyList<string> builtIn)
    {
        if (dir == null || !File.Exists(Path.Combine(dir, file))) return builtIn;
        var names = File.ReadAllLines(Path.Combine(dir, file)).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        return names.Length == builtIn.Count ? names : builtIn;
    }
}

/// <summary>CIFAR-10: 32×32 colour images in 10 classes; 50,000 train and 10,000 test.</summary>
public sealed class Cifar10 : InMemoryImageDataset
{
    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    private Cifar10(byte[] pixels, int[] labels, IReadOnlyList<string> classes, DatasetSource source, DatasetSplit split, bool asFloat)
        : base(pixels, labels, 3, 32, 32, classes, source, split, asFloat) { }

    /// <summary>The batch file names of a split.</summary>
    public static IReadOnlyList<string> FileNames(DatasetSplit split) => split == DatasetSplit.Train
        ? Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray()
        : ["test_batch.bin"];

    /// <summary>Loads a split from <paramref name="path"/> or the places <see cref="DatasetLocator"/> searches (downloading when allowed).</summary>
    public static Cifar10 Load(DatasetSplit split, string? path = null, bool download = false, bool asFloat = false, LocatorOptions? options = null)
    {
        var source = DatasetLocator.Find("cifar-10", path, (options ?? LocatorOptions.FromEnvironment()) with { Download = download });
        return FromFiles(FileNames(split).Select(f => Path.Combine(source.Path, f)).ToArray(), split, asFloat, source);
    }

    /// <summary>Reads the given batch files in order (class names from batches.meta.txt beside them, when present).</summary>
    public static Cifar10 FromFiles(IReadOnlyList<string> batchFiles, DatasetSplit split = DatasetSplit.Train, bool asFloat = false, DatasetSource? source = null)
    {
        var (pixels, labels) = CifarBatch.Read(batchFiles, 1, [10]);
        string? dir = batchFiles.Count > 0 ? Path.GetDirectoryName(Path.GetFullPath(batchFiles[0])) : null;
        return new Cifar10(pixels, labels[0], CifarBatch.Names(dir, "batches.meta.txt", ClassNames),
            source ?? new DatasetSource(DatasetSourceKind.Explicit, dir ?? ""), split, asFloat);
    }
}

/// <summary>CIFAR-100: 32×32 colour images in 100 classes grouped into 20 superclasses; 50,000 train and 10,000 test.</summary>
public sealed class Cifar100 : InMemoryImageDataset
{
    private readonly int[] _fine;
    private readonly int[] _coarse;

    /// <summary>The 100 fine class names, indexed by fine label.</summary>
    public static IReadOnlyList<string> FineClassNames { get; } =
    [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ];

    /// <summary>The 20 superclass names, indexed by coarse label.</summary>
    public static IReadOnlyList<string> CoarseClassNames { get; } =
    [
        "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables", "household_electrical_devices",
        "household_furniture", "insects", "large_carnivores", "large_man-made_outdoor_things", "large_natural_outdoor_scenes",
        "large_omnivores_and_herbivores", "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals",
        "trees", "vehicles_1", "vehicles_2",
    ];

    private Cifar100(byte[] pixels, int[] coarse, int[] fine, Cifar100Labels mode, IReadOnlyList<string> classes, DatasetSource source, DatasetSplit split, bool asFloat)
        : base(pixels, mode == Cifar100Labels.Fine ? fine : coarse, 3, 32, 32, classes, source, split, asFloat)
    {
        _fine = fine;
        _coarse = coarse;
        LabelMode = mode;
    }

    /// <summary>Which label <see cref="InMemoryImageDataset.Get"/> returns.</summary>
    public Cifar100Labels LabelMode { get; }

    /// <summary>The fine (0..99) label of image <paramref name="index"/>.</summary>
    public int FineLabel(int index) => _fine[index];

    /// <summary>The coarse (0..19) label of image <paramref name="index"/>.</summary>
    public int CoarseLabel(int index) => _coarse[index];

    /// <summary>Loads a split from <paramref name="path"/> or the places <see cref="DatasetLocator"/> searches (downloading when allowed).</summary>
    public static Cifar100 Load(DatasetSplit split, Cifar100Labels labels = Cifar100Labels.Fine, string? path = null, bool download = false,
        bool asFloat = false, LocatorOptions? options = null)
    {
        var source = DatasetLocator.Find("cifar-100", path, (options ?? LocatorOptions.FromEnvironment()) with { Download = download });
        return FromFile(Path.Combine(source.Path, split == DatasetSplit.Train ? "train.bin" : "test.bin"), split, labels, asFloat, source);
    }

    /// <summary>Reads one CIFAR-100 binary file (class names from fine/coarse_label_names.txt beside it, when present).</summary>
    public static Cifar100 FromFile(string file, DatasetSplit split = DatasetSplit.Train, Cifar100Labels labels = Cifar100Labels.Fine,
        bool asFloat = false, DatasetSource? source = null)
    {
        var (pixels, both) = CifarBatch.Read([file], 2, [20, 100]);
        string dir = Path.GetDirectoryName(Path.GetFullPath(file))!;
        var names = labels == Cifar100Labels.Fine
            ? CifarBatch.Names(dir, "fine_label_names.txt", FineClassNames)
            : CifarBatch.Names(dir, "coarse_label_names.txt", CoarseClassNames);
        return new Cifar100(pixels, both[0], both[1], labels, names, source ?? new DatasetSource(DatasetSourceKind.Explicit, dir), split, asFloat);
    }
}
