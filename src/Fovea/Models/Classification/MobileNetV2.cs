// MobileNetV2 (Sandler et al. 2018) with torchvision's module names: features.0 (stem ConvBnAct), features.1-17
// (InvertedResidual, each with a "conv" Sequential), features.18 (1x1 ConvBnAct to 1280), classifier.0 (dropout),
// classifier.1 (linear).
using Fovea.NN;

namespace Fovea.Models;

/// <summary>An inverted residual: 1x1 expansion (ReLU6), 3x3 depthwise (ReLU6), 1x1 linear projection, residual when shapes match.</summary>
public sealed class InvertedResidual : Module, IInferenceFusable
{
    private readonly bool _residual;
    private bool _fusedAdd, _fusedBlock;

    public InvertedResidual(int inChannels, int outChannels, int stride, int expandRatio)
    {
        int hidden = (int)Math.Round(inChannels * (double)expandRatio);
        _residual = stride == 1 && inChannels == outChannels;
        var conv = new Sequential(Array.Empty<Module>());
        if (expandRatio != 1) conv.Add(Blocks.ConvBnAct(inChannels, hidden, 1, activation: () => new ReLU6()));
        conv.Add(Blocks.ConvBnAct(hidden, hidden, 3, stride, groups: hidden, activation: () => new ReLU6()));
        conv.Add(new Conv2d(hidden, outChannels, 1, bias: false));
        conv.Add(new BatchNorm2d(outChannels));
        RegisterModule("conv", conv);
    }

    // With the projection's norm folded (an Identity after the last convolution), the shortcut's add runs in that
    // convolution; with every norm and ReLU6 folded into the convolutions (each then followed by Identities only), the
    // whole block runs as one op that never writes its expanded tensors out.
    bool IInferenceFusable.FuseForInference()
    {
        var conv = (Sequential)Child("conv");
        _fusedAdd = _residual && conv.Count >= 2 && conv[conv.Count - 2] is Conv2d && conv[conv.Count - 1] is Identity;
        _fusedBlock = Stages() is not null;
        return _fusedAdd || _fusedBlock;
    }

    // The prepared (expansion or null, depthwise, projection) when every norm and activation is folded, else null.
    private (FusedConv? Expand, FusedConv Depthwise, FusedConv Project)? Stages()
    {
        var conv = (Sequential)Child("conv");
        if (conv[conv.Count - 1] is not Identity || conv[conv.Count - 2] is not Conv2d { Fused: { } project }) return null;
        if (conv.Count == 3 && Alone(conv[0]) is { } depthwise) return (null, depthwise, project);
        if (conv.Count == 4 && Alone(conv[0]) is { } expand && Alone(conv[1]) is { } depthwise2) return (expand, depthwise2, project);
        return null;
    }

    // The prepared convolution of a ConvBnAct whose norm and activation were folded into it (the rest Identities), or null.
    private static FusedConv? Alone(Module m)
    {
        if (m is not Sequential s || s.Count == 0 || s[0] is not Conv2d { Fused: { } c }) return null;
        for (int i = 1; i < s.Count; i++)
            if (s[i] is not Identity) return null;
        return c;
    }

    public override Tensor Forward(Tensor x)
    {
        if (_fusedBlock && Stages() is { } st) return Tensor.Conv2dInvertedResidualFused(x, st.Expand, st.Depthwise, st.Project, _residual ? x : null);
        if (_fusedAdd)
        {
            var conv = (Sequential)Child("conv");
            var h = x;
            for (int i = 0; i < conv.Count - 2; i++) h = conv[i].Call(h);
            return ((Conv2d)conv[conv.Count - 2]).Forward(h, x);
        }
        var y = Child("conv").Call(x);
        return _residual ? x + y : y;
    }
}

/// <summary>MobileNetV2; <paramref name="widthMult"/> scales every layer's channels (rounded to multiples of 8).</summary>
public sealed class MobileNetV2 : Module
{
    // (expansion t, channels c, repeats n, first stride s) per stage.
    private static readonly (int T, int C, int N, int S)[] Stages =
        [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];

    public MobileNetV2(int numClasses = 1000, int inChannels = 3, double widthMult = 1.0, double dropout = 0.2)
    {
        int input = MakeDivisible(32 * widthMult), last = MakeDivisible(1280 * Math.Max(1.0, widthMult));
        var features = new Sequential(Blocks.ConvBnAct(inChannels, input, 3, 2, activation: () => new ReLU6()));
        foreach (var (t, c, n, s) in Stages)
        {
            int output = MakeDivisible(c * widthMult);
            for (int i = 0; i < n; i++)
            {
                features.Add(new InvertedResidual(input, output, i == 0 ? s : 1, t));
                input = output;
            }
        }
        features.Add(Blocks.ConvBnAct(input, last, 1, activation: () => new ReLU6()));
        RegisterModule("features", features);
        RegisterModule("classifier", new Sequential(new Dropout(dropout), new Linear(last, numClasses)));
        FeatureDim = last;
        Blocks.InitCnn(this, linearNormal: true);
    }

    public int FeatureDim { get; }

    /// <summary>The pooled (N, FeatureDim) features before the classifier.</summary>
    public Tensor Features(Tensor x) => Tensor.AdaptiveAvgPool2d(Child("features").Call(x), 1).Flatten(1);

    public override Tensor Forward(Tensor x) => Child("classifier").Call(Features(x));

    /// <summary>torchvision's channel rounding: the nearest multiple of 8, never more than 10 % below the request.</summary>
    internal static int MakeDivisible(double v, int divisor = 8)
    {
        int n = Math.Max(divisor, (int)(v + divisor / 2.0) / divisor * divisor);
        return n < 0.9 * v ? n + divisor : n;
    }
}
