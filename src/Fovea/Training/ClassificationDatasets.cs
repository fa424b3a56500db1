// The image-classification datasets `fovea train` knows by name, with their normalisation statistics and whether
// horizontal flips are a valid augmentation for them.
using Fovea.Data;
using Fovea.Data.Augmentation;
using Fovea.Imaging;

namespace Fovea.Training;

/// <summary>A train/test pair of an in-memory classification dataset with what training needs to know about it.</summary>
public sealed record ClassificationData(string Name, InMemoryImageDataset Train, InMemoryImageDataset Test, double[] Mean, double[] Std, bool Flip)
{
    public IReadOnlyList<string> Classes => Train.Classes;

    public string Description =>
        $"{Name}: {Train.Count} training and {Test.Count} test images of {Train.Channels}x{Train.Height}x{Train.Width}, {Classes.Count} classes, from {Train.Source}";
}

public static class ClassificationDatasets
{
    public static IReadOnlyList<string> Names { get; } = ["fashion-mnist", "mnist", "cifar-10", "a folder of class folders (ImageFolder)", "a manifest file (.csv, .tsv, .json, .jsonl)"];

    /// <summary>Loads a named dataset (see <see cref="Names"/>), optionally keeping only the first training and test images (quick runs).</summary>
    public static ClassificationData Load(string name, string? path = null, int? maxTrain = null, int? maxTest = null, int imageSize = 64)
    {
        var data = name.ToLowerInvariant() switch
        {
            "fashion-mnist" or "fashionmnist" => new ClassificationData("fashion-mnist", FashionMnist.Load(DatasetSplit.Train, path), FashionMnist.Load(DatasetSplit.Test, path),
                [0.2860], [0.3530], Flip: true),
            "mnist" => new ClassificationData("mnist", Mnist.Load(DatasetSplit.Train, path), Mnist.Load(DatasetSplit.Test, path), [0.1307], [0.3081], Flip: false),
            "cifar-10" or "cifar10" => new ClassificationData("cifar-10", Cifar10.Load(DatasetSplit.Train, path), Cifar10.Load(DatasetSplit.Test, path),
                [0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616], Flip: true),
            _ when Directory.Exists(name) => FromImageFolder(name, imageSize),
            _ when MultiLabelData.IsManifest(name) => FromManifest(name, imageSize),
            _ => throw new ArgumentException($"Unknown dataset '{name}' (and no such folder). Valid datasets: {string.Join(", ", Names)}."),
        };
        if (maxTrain is { } n) data = data with { Train = data.Train.Head(n) };
        if (maxTest is { } m) data = data with { Test = data.Test.Head(m) };
        return data;
    }

    /// <summary>
    /// A folder of class folders (torchvision's ImageFolder layout), decoded once and resized to
    /// <paramref name="imageSize"/> x <paramref name="imageSize"/> RGB in memory. With train/ and val/ (or test/) sub-folders
    /// those are the splits; otherwise every fifth image of each class is held out for testing. Normalised with ImageNet's
    /// statistics (what pretrained torchvision weights expect).
    /// </summary>
    public static ClassificationData FromImageFolder(string root, int imageSize = 64)
    {
        string train = Path.Combine(root, "train"), val = new[] { "val", "test" }.Select(d => Path.Combine(root, d)).FirstOrDefault(Directory.Exists) ?? "";
        var source = new DatasetSource(DatasetSourceKind.Explicit, root);
        ImageArrayDataset Decode(IReadOnlyList<LabeledFile> files, IReadOnlyList<string> classes, DatasetSplit split) =>
            DecodeRgb(files.Select(f => f.Path).ToList(), files.Select(f => f.Label).ToArray(), classes, split, imageSize, source);
        ImageArrayDataset trainSet, testSet;
        if (Directory.Exists(train) && val.Length > 0)
        {
            var a = new ImageFolder(train);
            var b = new ImageFolder(val);
            if (!a.Classes.SequenceEqual(b.Classes)) throw new InvalidDataException($"{root}: train/ and {Path.GetFileName(val)}/ have different class folders.");
            (trainSet, testSet) = (Decode(a.Files, a.Classes, DatasetSplit.Train), Decode(b.Files, b.Classes, DatasetSplit.Test));
        }
        else
        {
            var all = new ImageFolder(root);
            var held = all.Files.GroupBy(f => f.Label).SelectMany(g => g.Where((_, i) => i % 5 == 4)).ToHashSet();
            trainSet = Decode(all.Files.Where(f => !held.Contains(f)).ToList(), all.Classes, DatasetSplit.Train);
            testSet = Decode(all.Files.Where(held.Contains).ToList(), all.Classes, DatasetSplit.Test);
        }
        return new ClassificationData(Path.GetFileName(Path.GetFullPath(root).TrimEnd('/')), trainSet, testSet,
            [0.485, 0.456, 0.406], [0.229, 0.224, 0.225], Flip: true);
    }

    /// <summary>
    /// A single-label manifest (one label per row, see <see cref="ManifestDataset"/>), decoded once like
    /// <see cref="FromImageFolder"/>; every fifth row is held out for testing.
    /// </summary>
    public static ClassificationData FromManifest(string manifest, int imageSize = 64)
    {
        var m = MultiLabelData.ReadManifest(manifest);
        if (m.IsMultiLabel) throw new InvalidDataException($"{manifest}: some rows have other than one label; it is multi-label data (train it with `fovea train --dataset {manifest}`).");
        var source = new DatasetSource(DatasetSourceKind.Explicit, manifest);
        ImageArrayDataset Decode(bool heldOut, DatasetSplit split)
        {
            var rows = Enumerable.Range(0, m.Count).Where(i => MultiLabelData.IsHeldOut(i) == heldOut).ToArray();
            return DecodeRgb(rows.Select(i => m.Entries[i].Path).ToList(), rows.Select(i => m.Labels(i)[0]).ToArray(), m.Classes, split, imageSize, source);
        }
        return new ClassificationData(Path.GetFileNameWithoutExtension(manifest), Decode(false, DatasetSplit.Train), Decode(true, DatasetSplit.Test),
            [0.485, 0.456, 0.406], [0.229, 0.224, 0.225], Flip: true);
    }

    /// <summary>
    /// Decodes image files once into memory as <paramref name="imageSize"/> x <paramref name="imageSize"/> RGB (bilinear
    /// resize; grayscale files are replicated to three channels), in parallel.
    /// </summary>
    internal static ImageArrayDataset DecodeRgb(IReadOnlyList<string> paths, int[] labels, IReadOnlyList<string> classes, DatasetSplit split,
        int imageSize, DatasetSource source)
    {
        int plane = imageSize * imageSize;
        var pixels = new byte[paths.Count * 3 * plane];
        System.Threading.Tasks.Parallel.For(0, paths.Count, i =>
        {
            var im = Resampler.Resize(ImageOps.ToRgb(ImageIO.Read(paths[i])), imageSize, imageSize, Interpolation.Bilinear);
            for (int p = 0; p < plane; p++)
                for (int c = 0; c < 3; c++) pixels[(i * 3 + c) * plane + p] = im.Pixels[p * 3 + c];
        });
        return new ImageArrayDataset(pixels, labels, 3, imageSize, imageSize, classes, split, source: source);
    }

    /// <summary>Class weights N / (C n_c) from label frequencies (class imbalance), 0 for absent classes.</summary>
    public static double[] InverseFrequency(ReadOnlySpan<int> labels, int classes)
    {
        var counts = new int[classes];
        foreach (int l in labels) counts[l]++;
        double n = labels.Length;
        return counts.Select(c => c == 0 ? 0 : n / (classes * c)).ToArray();
    }
}
