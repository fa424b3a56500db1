// DenseNet (Huang et al. 2017) with torchvision's module names: features.{conv0, norm0, relu0, pool0, denseblockN
// (denselayerM: norm1, relu1, conv1, norm2, relu2, conv2), transitionN (norm, relu, conv, pool), norm5}, classifier.
using Fovea.NN;

namespace Fovea.Models;

/// <summary>BN-ReLU-1x1 conv (bottleneck) then BN-ReLU-3x3 conv producing growthRate new channels.</summary>
public sealed class DenseLayer : Module
{
    private readonly double _dropRate;

    public DenseLayer(int inChannels, int growthRate, int bnSize, double dropRate)
    {
        RegisterModule("norm1", new BatchNorm2d(inChannels));
        RegisterModule("relu1", new ReLU());
        RegisterModule("conv1", new Conv2d(inChannels, bnSize * growthRate, 1, bias: false));
        RegisterModule("norm2", new BatchNorm2d(bnSize * growthRate));
        RegisterModule("relu2", new ReLU());
        RegisterModule("conv2", new Conv2d(bnSize * growthRate, growthRate, 3, 1, 1, bias: false));
        _dropRate = dropRate;
    }

    public override Tensor Forward(Tensor x)
    {
        var y = Child("conv1").Call(Child("norm1").Call(x).Relu());
        y = Child("conv2").Call(Child("norm2").Call(y).Relu());
        return _dropRate > 0 ? Tensor.Dropout(y, _dropRate, Training) : y;
    }
}

/// <summary>A dense block: every layer sees the concatenation of the block input and all earlier layers' outputs.</summary>
public sealed class DenseBlock : Module
{
    private readonly List<DenseLayer> _layers = [];

    public DenseBlock(int layers, int inChannels, int growthRate, int bnSize, double dropRate)
    {
        for (int i = 0; i < layers; i++)
            _layers.Add(RegisterModule($"denselayer{i + 1}", new DenseLayer(inChannels + i * growthRate, growthRate, bnSize, dropRate)));
    }

    public override Tensor Forward(Tensor x)
    {
        var features = new List<Tensor> { x };
        foreach (var layer in _layers) features.Add(layer.Call(Tensor.Cat(features, 1)));
        return Tensor.Cat(features, 1);
    }
}

/// <summary>DenseNet-121 (block sizes 6, 12, 24, 16) or any configuration.</summary>
public sealed class DenseNet : Module
{
    public DenseNet(int numClasses = 1000, int inChannels = 3, int growthRate = 32, int[]? blockConfig = null, int numInitFeatures = 64,
        int bnSize = 4, double dropRate = 0)
    {
        blockConfig ??= [6, 12, 24, 16];
        var named = new List<(string, Module)>
        {
            ("conv0", new Conv2d(inChannels, numInitFeatures, 7, 2, 3, bias: false)),
            ("norm0", new BatchNorm2d(numInitFeatures)),
            ("relu0", new ReLU()),
            ("pool0", new MaxPool2d(3, 2, 1)),
        };
        int features = numInitFeatures;
        for (int i = 0; i < blockConfig.Length; i++)
        {
            named.Add(($"denseblock{i + 1}", new DenseBlock(blockConfig[i], features, growthRate, bnSize, dropRate)));
            features += blockConfig[i] * growthRate;
            if (i == blockConfig.Length - 1) break;
            named.Add(($"transition{i + 1}", new Sequential(("norm", new BatchNorm2d(features)), ("relu", new ReLU()),
                ("conv", new Conv2d(features, features / 2, 1, bias: false)), ("pool", new AvgPool2d(2, 2)))));
            features /= 2;
        }
        named.Add(("norm5", new BatchNorm2d(features)));
        RegisterModule("features", new Sequential(named.ToArray()));
        RegisterModule("classifier", new Linear(features, numClasses));
        FeatureDim = features;
        foreach (var m in Modules())
            switch (m)
            {
                case Conv2d c: Init.KaimingNormal(c.Weight); break;
                case BatchNorm2d bn: Init.Ones(bn.Weight!); Init.Zeros(bn.Bias!); break;
                case Linear l: Init.Zeros(l.Bias!); break;
            }
    }

    public int FeatureDim { get; }

    public Tensor Features(Tensor x) => Tensor.AdaptiveAvgPool2d(Child("features").Call(x).Relu(), 1).Flatten(1);

    public override Tensor Forward(Tensor x) => Child("classifier").Call(Features(x));

    public static DenseNet DenseNet121(int numClasses = 1000, int inChannels = 3) => new(numClasses, inChannels);
}
