// The image-classification datasets `fovea train` knows by name, with their normalisation statistics and whether
// horizontal flips are a valid augmentation for them.
using Fovea.Data;

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
    public static IReadOnlyList<string> Names { get; } = ["fashion-mnist", "mnist", "cifar-10"];

    /// <summary>Loads a named dataset (see <see cref="Names"/>), optionally keeping only the first training and test images (quick runs).</summary>
    public static ClassificationData Load(string name, string? path = null, int? maxTrain = null, int? maxTest = null)
    {
        var data = name.ToLowerInvariant() switch
        {
            "fashion-mnist" or "fashionmnist" => new ClassificationData("fashion-mnist", FashionMnist.Load(DatasetSplit.Train, path), FashionMnist.Load(DatasetSplit.Test, path),
                [0.2860], [0.3530], Flip: true),
            "mnist" => new ClassificationData("mnist", Mnist.Load(DatasetSplit.Train, path), Mnist.Load(DatasetSplit.Test, path), [0.1307], [0.3081], Flip: false),
            "cifar-10" or "cifar10" => new ClassificationData("cifar-10", Cifar10.Load(DatasetSplit.Train, path), Cifar10.Load(DatasetSplit.Test, path),
                [0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616], Flip: true),
            _ => throw new ArgumentException($"Unknown dataset '{name}'. Valid datasets: {string.Join(", ", Names)}."),
        };
        if (maxTrain is { } n) data = data with { Train = data.Train.Head(n) };
        if (maxTest is { } m) data = data with { Test = data.Test.Head(m) };
        return data;
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
