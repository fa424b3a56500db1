// ResNet (He et al. 2016) with torchvision's module names, so torchvision weights load one to one:
// conv1, bn1, layer1..layer4 of BasicBlock/Bottleneck (conv1, bn1, conv2, bn2[, conv3, bn3], downsample.0/1), fc.
// The small-image stem (3x3 stride-1 conv, no max pool) suits 28x28 and 32x32 inputs.
using Fovea.NN;

namespace Fovea.Models;

/// <summary>Two 3x3 convolutions with an identity (or 1x1 projection) shortcut; ResNet-18/34.</summary>
public sealed class BasicBlock : Module, IInferenceFusable
{
    public const int Expansion = 1;

    public BasicBlock(int inPlanes, int planes, int stride = 1, Sequential? downsample = null)
    {
        RegisterModule("conv1", new Conv2d(inPlanes, planes, 3, stride, 1, bias: false));
        RegisterModule("bn1", new BatchNorm2d(planes));
        RegisterModule("conv2", new Conv2d(planes, planes, 3, 1, 1, bias: false));
        RegisterModule("bn2", new BatchNorm2d(planes));
        if (downsample != null) RegisterModule("downsample", downsample);
        Downsample = downsample;
    }

    public Sequential? Downsample { get; }

    private bool _fused;

    bool IInferenceFusable.FuseForInference() => _fused = Inference.FuseChain(this, ["conv1", "conv2"], ["bn1", "bn2"]);

    public override Tensor Forward(Tensor x)
    {
        var shortcut = Downsample?.Call(x) ?? x;
        if (_fused) return ((Conv2d)Child("conv2")).Forward(Child("conv1").Call(x), shortcut);   // ReLUs and the add run in the convs
        var y = Child("bn1").Call(Child("conv1").Call(x)).Relu();
        y = Child("bn2").Call(Child("conv2").Call(y));
        return (y + shortcut).Relu();
    }
}

/// <summary>1x1 reduce, 3x3, 1x1 expand (x4) with a shortcut; ResNet-50/101/152 (stride on the 3x3, as torchvision).</summary>
public sealed class Bottleneck : Module, IInferenceFusable
{
    public const int Expansion = 4;

    public Bottleneck(int inPlanes, int planes, int stride = 1, Sequential? downsample = null, int groups = 1, int baseWidth = 64)
    {
        int width = planes * baseWidth / 64 * groups;
        RegisterModule("conv1", new Conv2d(inPlanes, width, 1, bias: false));
        RegisterModule("bn1", new BatchNorm2d(width));
        RegisterModule("conv2", new Conv2d(width, width, 3, stride, 1, groups: groups, bias: false));
        RegisterModule("bn2", new BatchNorm2d(width));
        RegisterModule("conv3", new Conv2d(width, planes * Expansion, 1, bias: false));
        RegisterModule("bn3", new BatchNorm2d(planes * Expansion));
        if (downsample != null) RegisterModule("downsample", downsample);
        Downsample = downsample;
    }

    public Sequential? Downsample { get; }

    private bool _fused;

    bool IInferenceFusable.FuseForInference() => _fused = Inference.FuseChain(this, ["conv1", "conv2", "conv3"], ["bn1", "bn2", "bn3"]);

    public override Tensor Forward(Tensor x)
    {
        var shortcut = Downsample?.Call(x) ?? x;
        if (_fused) return ((Conv2d)Child("conv3")).Forward(Child("conv2").Call(Child("conv1").Call(x)), shortcut);
        var y = Child("bn1").Call(Child("conv1").Call(x)).Relu();
        y = Child("bn2").Call(Child("conv2").Call(y)).Relu();
        y = Child("bn3").Call(Child("conv3").Call(y));
        return (y + shortcut).Relu();
    }
}

/// <summary>ResNet-18/34/50 (and any depth from a block list); <see cref="Create"/> builds the named ones.</summary>
public sealed class ResNet : Module, IInferenceFusable
{
    private readonly bool _smallStem;
    private bool _fused;

    bool IInferenceFusable.FuseForInference() => _fused = Inference.FuseChain(this, ["conv1"], ["bn1"]);

    /// <param name="bottleneck">Bottleneck blocks (ResNet-50+) instead of basic blocks.</param>
    /// <param name="layers">Blocks per stage, e.g. [2, 2, 2, 2] for ResNet-18.</param>
    /// <param name="smallStem">3x3 stride-1 first convolution and no max pool, for small images (28x28, 32x32).</param>
    /// <param name="width">Channels of the stem and the first stage (64 in the paper); the stages have width, 2, 4 and 8 times it.</param>
    public ResNet(bool bottleneck, int[] layers, int numClasses = 1000, int inChannels = 3, bool smallStem = false, bool zeroInitResidual = false, int width = 64)
    {
        if (layers.Length != 4) throw new ArgumentException($"ResNet: expected 4 stages, got {layers.Length}.");
        _smallStem = smallStem;
        int expansion = bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion;
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), $"ResNet: width must be positive, got {width}.");
        RegisterModule("conv1", smallStem ? new Conv2d(inChannels, width, 3, 1, 1, bias: false) : new Conv2d(inChannels, width, 7, 2, 3, bias: false));
        RegisterModule("bn1", new BatchNorm2d(width));
        int inPlanes = width;
        int[] planes = [width, 2 * width, 4 * width, 8 * width];
        for (int s = 0; s < 4; s++)
        {
            int stride = s == 0 ? 1 : 2;
            var stage = new Sequential(Array.Empty<Module>());
            for (int b = 0; b < layers[s]; b++)
            {
                int st = b == 0 ? stride : 1;
                Sequential? down = b == 0 && (st != 1 || inPlanes != planes[s] * expansion)
                    ? new Sequential(new Conv2d(inPlanes, planes[s] * expansion, 1, st, bias: false), new BatchNorm2d(planes[s] * expansion))
                    : null;
                stage.Add(bottleneck ? new Bottleneck(inPlanes, planes[s], st, down) : new BasicBlock(inPlanes, planes[s], st, down));
                inPlanes = planes[s] * expansion;
            }
            RegisterModule($"layer{s + 1}", stage);
        }
        RegisterModule("fc", new Linear(8 * width * expansion, numClasses));
        FeatureDim = 8 * width * expansion;
        Blocks.InitCnn(this);
        if (zeroInitResidual)
            foreach (var m in Modules())
                if (m is BasicBlock bb) Init.Zeros(((BatchNorm2d)bb.Child("bn2")).Weight!);
                else if (m is Bottleneck bn) Init.Zeros(((BatchNorm2d)bn.Child("bn3")).Weight!);
    }

    /// <summary>Width of the pooled features the classifier ("fc") reads.</summary>
    public int FeatureDim { get; }

    /// <summary>ResNet-18, -34 or -50 by depth.</summary>
    public static ResNet Create(int depth, int numClasses = 1000, int inChannels = 3, bool smallStem = false, int width = 64) => depth switch
    {
        18 => new ResNet(false, [2, 2, 2, 2], numClasses, inChannels, smallStem, width: width),
        34 => new ResNet(false, [3, 4, 6, 3], numClasses, inChannels, smallStem, width: width),
        50 => new ResNet(true, [3, 4, 6, 3], numClasses, inChannels, smallStem, width: width),
        101 => new ResNet(true, [3, 4, 23, 3], numClasses, inChannels, smallStem, width: width),
        _ => throw new ArgumentException($"ResNet: no standard depth {depth}; choose 18, 34, 50 or 101."),
    };

    /// <summary>The pooled (N, FeatureDim) features before the classifier: embeddings and transfer learning.</summary>
    public Tensor Features(Tensor x)
    {
        var y = _fused ? Child("conv1").Call(x) : Child("bn1").Call(Child("conv1").Call(x)).Relu();
        if (!_smallStem) y = Tensor.MaxPool2d(y, 3, 2, 1);
        for (int s = 1; s <= 4; s++) y = Child($"layer{s}").Call(y);
        return Tensor.AdaptiveAvgPool2d(y, 1).Flatten(1);
    }

    public override Tensor Forward(Tensor x) => Child("fc").Call(Features(x));
}
