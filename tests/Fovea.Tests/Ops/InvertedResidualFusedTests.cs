// MobileNetV2's inverted residual block run as one op (1x1 expansion or none, depthwise, 1x1 projection + residual;
// Kernels/Cpu/Convolution/ExpandDepthwiseProject.cs computes the inner tensors a strip of rows at a time): against
// the stages in float64, and a whole block optimized for inference against the block before.
using Fovea.Autograd;
using Fovea.Kernels;
using Fovea.Models;
using Fovea.NN;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Ops;

public class InvertedResidualFusedTests
{
    // (N, C, H, W, hidden (0: no expansion), stride, out channels): planes large enough for the strip kernel (the inner
    // tensor at least 1 MB an image), odd sizes, both strides, a residual when the shapes allow one.
    public static TheoryData<int, int, int, int, int, int, int> Shapes => new()
    {
        { 1, 16, 112, 112, 96, 2, 24 }, { 1, 32, 96, 96, 0, 1, 32 }, { 2, 24, 48, 41, 144, 1, 24 }, { 1, 16, 57, 61, 96, 2, 24 },
        { 3, 8, 20, 20, 48, 1, 8 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesTheStagesInFloat64(int n, int c, int h, int w, int hidden, int stride, int o)
    {
        var g = new Fovea.Random.Generator(11);
        int inner = hidden == 0 ? c : hidden;
        var x = Tensor.Randn([n, c, h, w], generator: g);
        var w1 = Tensor.Randn([inner, c, 1, 1], generator: g) * 0.3;
        var b1 = Tensor.Randn([inner], generator: g);
        var w2 = Tensor.Randn([inner, 1, 3, 3], generator: g) * 0.3;
        var b2 = Tensor.Randn([inner], generator: g);
        var w3 = Tensor.Randn([o, inner, 1, 1], generator: g) * 0.3;
        var b3 = Tensor.Randn([o], generator: g);
        using var _ = GradMode.NoGrad();
        var x64 = x.To(DType.Float64);
        var h64 = hidden == 0 ? x64 : Tensor.Conv2d(x64, w1.To(DType.Float64), b1.To(DType.Float64)).Clamp(0, 6);
        h64 = Tensor.Conv2d(h64, w2.To(DType.Float64), b2.To(DType.Float64), stride, 1, groups: inner).Clamp(0, 6);
        var y64 = Tensor.Conv2d(h64, w3.To(DType.Float64), b3.To(DType.Float64));
        bool residual = stride == 1 && c == o;
        if (residual) y64 += x64;
        var expand = hidden == 0 ? (FusedConv?)null : new FusedConv(w1, b1, 1, 0, 1, 1, 0, 6, new ConvWeightPack());
        var depthwise = new FusedConv(w2, b2, stride, 1, 1, inner, 0, 6, new ConvWeightPack());
        var project = new FusedConv(w3, b3, 1, 0, 1, 1, float.NegativeInfinity, float.PositiveInfinity, new ConvWeightPack());
        var y = Tensor.Conv2dInvertedResidualFused(x, expand, depthwise, project, residual ? x : null);
        double tol = 1e-5 * y64.Abs().Max().Item<double>();
        Fixture.AssertClose(y64, y, tol, 1e-5, $"inverted residual {n}x{c}x{h}x{w} hidden {hidden} stride {stride} -> {o}");
    }

    [Fact]
    public void AnOptimizedBlockKeepsItsOutputs()
    {
        var g = new Fovea.Random.Generator(12);
        foreach (var (c, o, stride, t) in new[] { (24, 24, 1, 6), (16, 24, 2, 6), (32, 16, 1, 1) })
        {
            var block = new InvertedResidual(c, o, stride, t);
            using (GradMode.NoGrad())
                foreach (var bn in block.Modules().OfType<BatchNorm2d>())
                {
                    bn.RunningMean!.CopyFrom(Tensor.Randn([bn.NumFeatures], generator: g) * 0.3);
                    bn.RunningVar!.CopyFrom(Tensor.Rand([bn.NumFeatures], generator: g) + 0.5);
                    bn.Weight!.CopyFrom(Tensor.Randn([bn.NumFeatures], generator: g) * 0.5 + 1);
                }
            block.Eval();
            var x = Tensor.Randn([2, c, 64, 64], generator: g);
            using var _ = GradMode.NoGrad();
            var before = block.Call(x);
            Assert.Equal(1, Inference.Optimize(block).FusedBlocks);
            var after = block.Call(x);
            Fixture.AssertClose(before, after, 2e-5 * before.Abs().Max().Item<float>(), 1e-4, $"InvertedResidual({c}, {o}, {stride}, {t}) optimized");
        }
    }
}
