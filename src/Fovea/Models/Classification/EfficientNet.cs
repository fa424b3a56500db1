// EfficientNet-B0 (Tan & Le 2019) with torchvision's module names: features.0 (stem), features.1-7 (stages of MBConv
// blocks, each a "block" Sequential: [expand], depthwise, squeeze-excitation, project), features.8 (1x1 to 1280),
// classifier.0 (dropout), classifier.1 (linear). SiLU activations, stochastic depth growing linearly to 0.2.
using Fovea.NN;

namespace Fovea.Models;

/// <summary>Mobile inverted bottleneck with squeeze-and-excitation; residual (with stochastic depth) when shapes match.</summary>
public sealed class MBConv : Module
{
    private readonly bool _residual;
    private readonly DropPath _dropPath;

    public MBConv(int inChannels, int outChannels, int kernel, int stride, int expandRatio, double stochasticDepth)
    {
        _residual = stride == 1 && inChannels == outChannels;
        int expanded = MobileNetV2.MakeDivisible(inChannels * (double)expandRatio);
        var block = new Sequential(Array.Empty<Module>());
        if (expanded != inChannels) block.Add(Blocks.ConvBnAct(inChannels, expanded, 1, activation: () => new SiLU()));
        block.Add(Blocks.ConvBnAct(expanded, expanded, kernel, stride, groups: expanded, activation: () => new SiLU()));
        block.Add(new SqueezeExcitation(expanded, Math.Max(1, inChannels / 4), new SiLU()));
        block.Add(Blocks.ConvBnAct(expanded, outChannels, 1));
        RegisterModule("block", block);
        _dropPath = RegisterModule("stochastic_depth", new DropPath(stochasticDepth));
    }

    public override Tensor Forward(Tensor x)
    {
        var y = Child("block").Call(x);
        return _residual ? _dropPath.Call(y) + x : y;
    }
}

/// <summary>EfficientNet-B0, optionally scaled in width and depth (B1-B7 use other multipliers and input sizes).</summary>
public sealed class EfficientNet : Module
{
    // (expand ratio, kernel, stride, in channels, out channels, layers) per stage of B0.
    private static readonly (int E, int K, int S, int In, int Out, int N)[] B0 =
        [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3), (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)];

    public EfficientNet(int numClasses = 1000, int inChannels = 3, double widthMult = 1.0, double depthMult = 1.0, double dropout = 0.2, double stochasticDepth = 0.2)
    {
        int Width(int c) => MobileNetV2.MakeDivisible(c * widthMult);
        int Depth(int n) => (int)Math.Ceiling(n * depthMult);
        var features = new Sequential(Blocks.ConvBnAct(inChannels, Width(B0[0].In), 3, 2, activation: () => new SiLU()));
        int total = B0.Sum(s => Depth(s.N)), id = 0;
        foreach (var (e, k, s, cin, cout, n) in B0)
        {
            var stage = new Sequential(Array.Empty<Module>());
            for (int i = 0; i < Depth(n); i++, id++)
                stage.Add(new MBConv(i == 0 ? Width(cin) : Width(cout), Width(cout), k, i == 0 ? s : 1, e, stochasticDepth * id / total));
            features.Add(stage);
        }
        int last = 4 * Width(B0[^1].Out);
        features.Add(Blocks.ConvBnAct(Width(B0[^1].Out), last, 1, activation: () => new SiLU()));
        RegisterModule("features", features);
        RegisterModule("classifier", new Sequential(new Dropout(dropout), new Linear(last, numClasses)));
        FeatureDim = last;
        Blocks.InitCnn(this);
        foreach (var m in Modules())
            if (m is Linear l)
            {
                double r = 1 / Math.Sqrt(l.OutFeatures);
                Init.Uniform(l.Weight, -r, r);
                if (l.Bias != null) Init.Zeros(l.Bias);
            }
    }

    public int FeatureDim { get; }

    public Tensor Features(Tensor x) => Tensor.AdaptiveAvgPool2d(Child("features").Call(x), 1).Flatten(1);

    public override Tensor Forward(Tensor x) => Child("classifier").Call(Features(x));
}
