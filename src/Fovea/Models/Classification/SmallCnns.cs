// Small classification CNNs: LeNet-5, a VGG-style net for small images, Fovea's default compact CNN for 28x28 inputs,
// and the reference CNN of the speed comparison (../shared/peers/README.md), with the peer script's module names.
using Fovea.NN;

namespace Fovea.Models;

/// <summary>LeNet-5 (LeCun et al. 1998) with ReLU and max pooling; 28x28 inputs are padded to LeNet's 32x32 view.</summary>
public sealed class LeNet5 : Module
{
    public LeNet5(int numClasses = 10, int inChannels = 1, int imageSize = 28)
    {
        if (imageSize is < 28 or > 32) throw new ArgumentOutOfRangeException(nameof(imageSize), $"LeNet5: image size must be 28-32, got {imageSize}.");
        RegisterModule("conv1", new Conv2d(inChannels, 6, 5, padding: (32 - imageSize) / 2));
        RegisterModule("conv2", new Conv2d(6, 16, 5));
        RegisterModule("fc1", new Linear(16 * 5 * 5, 120));
        RegisterModule("fc2", new Linear(120, 84));
        RegisterModule("fc3", new Linear(84, numClasses));
    }

    public override Tensor Forward(Tensor x)
    {
        var y = Tensor.MaxPool2d(Child("conv1").Call(x).Relu(), 2);
        y = Tensor.MaxPool2d(Child("conv2").Call(y).Relu(), 2).Flatten(1);
        y = Child("fc2").Call(Child("fc1").Call(y).Relu()).Relu();
        return Child("fc3").Call(y);
    }
}

/// <summary>A VGG-style net for small images: three stages of two 3x3 ConvBnAct and a max pool, global pooling, an MLP head.</summary>
public sealed class VggSmall : Module
{
    public VggSmall(int numClasses = 10, int inChannels = 1, int[]? widths = null, double dropout = 0.3)
    {
        widths ??= [64, 128, 256];
        var features = new Sequential(Array.Empty<Module>());
        int c = inChannels;
        foreach (int w in widths)
        {
            features.Add(Blocks.ConvBnAct(c, w, activation: () => new ReLU()));
            features.Add(Blocks.ConvBnAct(w, w, activation: () => new ReLU()));
            features.Add(new MaxPool2d(2));
            c = w;
        }
        RegisterModule("features", features);
        RegisterModule("classifier", new Sequential(new Dropout(dropout), new Linear(c, 256), new ReLU(), new Dropout(dropout), new Linear(256, numClasses)));
        Blocks.InitCnn(this);
    }

    public override Tensor Forward(Tensor x) => Child("classifier").Call(Tensor.AdaptiveAvgPool2d(Child("features").Call(x), 1).Flatten(1));
}

/// <summary>
/// Fovea's default network for 28x28 images: the reference CNN's two ConvBnAct + max-pool stages (32, 64 channels) plus a
/// third 3x3 ConvBnAct (128 channels) at 7x7, then a 128-unit hidden layer with dropout. About 0.9 M parameters and
/// 16 MFLOP per image: twice the reference CNN's compute for a deeper feature hierarchy.
/// </summary>
public sealed class CompactCnn : Module
{
    public CompactCnn(int numClasses = 10, int inChannels = 1, int imageSize = 28, double dropout = 0.25)
    {
        var features = new Sequential(
            Blocks.ConvBnAct(inChannels, 32, activation: () => new ReLU()),
            new MaxPool2d(2),
            Blocks.ConvBnAct(32, 64, activation: () => new ReLU()),
            new MaxPool2d(2),
            Blocks.ConvBnAct(64, 128, activation: () => new ReLU()));
        int side = imageSize / 4;
        RegisterModule("features", features);
        RegisterModule("classifier", new Sequential(new Flatten(), new Dropout(dropout), new Linear(128 * side * side, 128), new ReLU(), new Dropout(dropout), new Linear(128, numClasses)));
        Blocks.InitCnn(this);
    }

    public override Tensor Forward(Tensor x) => Child("classifier").Call(Child("features").Call(x));
}

/// <summary>
/// The reference CNN of the speed comparison, exactly as ../shared/peers/torch_fmnist_cnn.py defines it (same names):
/// conv3x3(1->32) BN ReLU maxpool, conv3x3(32->64) BN ReLU maxpool, Linear(3136->128) ReLU Dropout(0.25) Linear(128->10).
/// </summary>
public sealed class ReferenceCnn : Module
{
    public ReferenceCnn(int numClasses = 10, int inChannels = 1)
    {
        RegisterModule("c1", new Conv2d(inChannels, 32, 3, padding: 1));
        RegisterModule("b1", new BatchNorm2d(32));
        RegisterModule("c2", new Conv2d(32, 64, 3, padding: 1));
        RegisterModule("b2", new BatchNorm2d(64));
        RegisterModule("f1", new Linear(64 * 7 * 7, 128));
        RegisterModule("f2", new Linear(128, numClasses));
        RegisterModule("drop", new Dropout(0.25));
    }

    public override Tensor Forward(Tensor x)
    {
        var y = Tensor.MaxPool2d(Child("b1").Call(Child("c1").Call(x)).Relu(), 2);
        y = Tensor.MaxPool2d(Child("b2").Call(Child("c2").Call(y)).Relu(), 2);
        return Child("f2").Call(Child("drop").Call(Child("f1").Call(y.Flatten(1)).Relu()));
    }
}
