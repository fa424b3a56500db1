// The named classification models: what `fovea train --model NAME` and ModelZoo.Create accept.
using Fovea.NN;

namespace Fovea.Models;

/// <summary>Builds classification models by name: <c>ModelZoo.Create("resnet18", numClasses: 10, inChannels: 1)</c>.</summary>
public static class ModelZoo
{
    private static readonly (string Name, string Description, Func<int, int, Module> Build)[] Entries =
    [
        ("compact-cnn", "default CNN for 28x28 images (3 conv + BN, 0.9 M parameters)", (k, c) => new CompactCnn(k, c)),
        ("reference-cnn", "the peer comparison's reference CNN (../shared/peers/README.md)", (k, c) => new ReferenceCnn(k, c)),
        ("lenet5", "LeNet-5 with ReLU", (k, c) => new LeNet5(k, c)),
        ("vgg-small", "VGG-style net for small images", (k, c) => new VggSmall(k, c)),
        ("resnet18", "ResNet-18, ImageNet stem", (k, c) => ResNet.Create(18, k, c)),
        ("resnet34", "ResNet-34, ImageNet stem", (k, c) => ResNet.Create(34, k, c)),
        ("resnet50", "ResNet-50, ImageNet stem", (k, c) => ResNet.Create(50, k, c)),
        ("resnet18-small", "ResNet-18 with the small-image stem (3x3 stride 1, no max pool)", (k, c) => ResNet.Create(18, k, c, smallStem: true)),
        ("resnet34-small", "ResNet-34 with the small-image stem", (k, c) => ResNet.Create(34, k, c, smallStem: true)),
        ("resnet18-small-w32", "ResNet-18, small-image stem, half the channels (32-256): a quarter of the compute", (k, c) => ResNet.Create(18, k, c, smallStem: true, width: 32)),
        ("resnet18-small-w16", "ResNet-18, small-image stem, a quarter of the channels (16-128)", (k, c) => ResNet.Create(18, k, c, smallStem: true, width: 16)),
        ("mobilenet_v2", "MobileNetV2", (k, c) => new MobileNetV2(k, c)),
        ("efficientnet_b0", "EfficientNet-B0 (squeeze-excitation, SiLU)", (k, c) => new EfficientNet(k, c)),
        ("densenet121", "DenseNet-121", (k, c) => DenseNet.DenseNet121(k, c)),
    ];

    /// <summary>The model names with a one-line description each.</summary>
    public static IReadOnlyList<(string Name, string Description)> Names => Entries.Select(e => (e.Name, e.Description)).ToList();

    /// <summary>A new model with freshly initialised weights; unknown names list the valid ones.</summary>
    public static Module Create(string name, int numClasses = 10, int inChannels = 1)
    {
        foreach (var e in Entries)
            if (string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase) || string.Equals(e.Name.Replace("_", "-"), name.Replace("_", "-"), StringComparison.OrdinalIgnoreCase))
                return e.Build(numClasses, inChannels);
        throw new ArgumentException($"Unknown model '{name}'. Valid models: {string.Join(", ", Entries.Select(e => e.Name))}.");
    }
}
