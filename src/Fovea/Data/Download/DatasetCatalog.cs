// The datasets Fovea can find by name: the files that make a copy complete and where the dataset authors
// publish them, with the checksums they publish (torchvision's list for MNIST and Fashion-MNIST, the
// CIFAR page for CIFAR).
namespace Fovea.Data;

/// <summary>One downloadable file: its name, its addresses (mirrors, tried in order), checksum, and whether it is a .tar.gz to unpack.</summary>
public sealed record DatasetResource(string FileName, IReadOnlyList<Uri> Urls, Checksum Checksum, bool Extract = false);

/// <summary>
/// A named dataset: the files (<see cref="RequiredFiles"/>) whose presence in a folder makes it a copy, the folder
/// they sit in below the dataset folder when unpacked from an archive (<see cref="Subfolder"/>), and its downloads.
/// A required "x.gz" is also satisfied by an uncompressed "x".
/// </summary>
public sealed record DatasetInfo(string Name, IReadOnlyList<string> RequiredFiles, IReadOnlyList<DatasetResource> Resources, string? Subfolder = null);

/// <summary>The datasets known by name: "fashion-mnist", "mnist", "cifar-10", "cifar-100".</summary>
public static class DatasetCatalog
{
    private static readonly string[] IdxFiles =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    /// <summary>Fashion-MNIST (Zalando), from its S3 bucket or the GitHub repository.</summary>
    public static DatasetInfo FashionMnist { get; } = new("fashion-mnist", IdxFiles,
        Idx(["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/"],
            ["8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe", "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"]));

    /// <summary>MNIST, from PyTorch's mirror or the original site.</summary>
    public static DatasetInfo Mnist { get; } = new("mnist", IdxFiles,
        Idx(["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
            ["f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432", "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"]));

    /// <summary>CIFAR-10, binary version (data_batch_1..5.bin, test_batch.bin).</summary>
    public static DatasetInfo Cifar10 { get; } = new("cifar-10",
        ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"],
        [new("cifar-10-binary.tar.gz", [new Uri("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz")], Checksum.Md5("c32a1d4ab5d03f1284b67883e8d87530"), Extract: true)],
        Subfolder: "cifar-10-batches-bin");

    /// <summary>CIFAR-100, binary version (train.bin, test.bin with coarse and fine labels).</summary>
    public static DatasetInfo Cifar100 { get; } = new("cifar-100", ["train.bin", "test.bin"],
        [new("cifar-100-binary.tar.gz", [new Uri("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz")], Checksum.Md5("03b5dce01913d631647c71ecec9e9cb8"), Extract: true)],
        Subfolder: "cifar-100-binary");

    /// <summary>Every known dataset by canonical name.</summary>
    public static IReadOnlyDictionary<string, DatasetInfo> All { get; } =
        new[] { FashionMnist, Mnist, Cifar10, Cifar100 }.ToDictionary(d => d.Name);

    /// <summary>The dataset called <paramref name="name"/> (case, '_' and '-' ignored: "FashionMNIST", "cifar10" work).</summary>
    public static DatasetInfo Get(string name) => TryGet(name, All)
        ?? throw new ArgumentException($"DatasetCatalog: unknown dataset '{name}'; known: {string.Join(", ", All.Keys)}.", nameof(name));

    internal static DatasetInfo? TryGet(string name, IReadOnlyDictionary<string, DatasetInfo> catalog)
    {
        string key = Normalize(name);
        return catalog.Values.FirstOrDefault(d => Normalize(d.Name) == key);
    }

    private static string Normalize(string name) => new(name.ToLowerInvariant().Where(char.IsLetterOrDigit).ToArray());

    private static DatasetResource[] Idx(string[] bases, string[] md5) =>
        IdxFiles.Select((f, i) => new DatasetResource(f, bases.Select(b => new Uri(b + f)).ToArray(), Checksum.Md5(md5[i]))).ToArray();
}
