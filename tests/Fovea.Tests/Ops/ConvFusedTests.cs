// The fused inference convolution (conv + bias + residual + clamp, packed weights) against the separate ops, on every
// kernel path (dense per image, pointwise, grouped, depthwise, several images per GEMM), and the cases where it must
// fall back to the separate ops (autograd, float64) or pack the weights again (they changed in place).
using Fovea.Autograd;
using Fovea.Kernels;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Ops;

public class ConvFusedTests
{
    // (N, C, H, O, kernel, stride, groups): the per-image GEMM, a pointwise layer, groups, depthwise, and a batch of
    // small outputs that takes the several-images-per-GEMM path.
    public static TheoryData<int, int, int, int, int, int, int> Shapes => new()
    {
        { 1, 16, 12, 24, 3, 1, 1 }, { 2, 16, 9, 40, 1, 1, 1 }, { 1, 8, 11, 12, 3, 2, 2 }, { 2, 12, 10, 12, 3, 1, 12 }, { 20, 6, 5, 9, 3, 1, 1 },
        // Larger planes: odd sizes, several GEMM column slivers per row, groups.
        { 1, 16, 29, 24, 3, 1, 1 }, { 2, 32, 56, 16, 3, 1, 1 }, { 1, 32, 28, 32, 3, 1, 2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesConvPlusResidualThenClamp(int n, int c, int h, int o, int k, int stride, int groups)
    {
        var g = new Fovea.Random.Generator(3);
        var x = Tensor.Randn([n, c, h, h], generator: g);
        var w = Tensor.Randn([o, c / groups, k, k], generator: g) * 0.3;
        var b = Tensor.Randn([o], generator: g);
        using var _ = GradMode.NoGrad();
        var plain = Tensor.Conv2d(x, w, b, stride, k / 2, groups: groups);
        var residual = Tensor.Randn(plain.ShapeArray, generator: g);
        using var pack = new ConvWeightPack();
        foreach (var (min, max) in new[] { (0f, float.PositiveInfinity), (0f, 6f), (float.NegativeInfinity, float.PositiveInfinity) })
        {
            var want = (plain + residual).Clamp(float.IsNegativeInfinity(min) ? null : min, float.IsPositiveInfinity(max) ? null : max);
            var got = Tensor.Conv2dFused(x, w, b, stride, k / 2, 1, groups, residual, min, max, pack);
            Fixture.AssertClose(want, got, 1e-5, 1e-5, $"fused conv {n}x{c}x{h} -> {o} k{k}/{stride} g{groups} clamp ({min}, {max})");
            var noResidual = Tensor.Conv2dFused(x, w, b, stride, k / 2, 1, groups, null, min, max, pack);
            Fixture.AssertClose(plain.Clamp(float.IsNegativeInfinity(min) ? null : min, float.IsPositiveInfinity(max) ? null : max), noResidual, 1e-5, 1e-5, "without residual");
        }
    }

    // 3x3 stride-1 layers with enough channels take Winograd F(4x4, 3x3) on AVX-512 (Kernels/Cpu/Convolution/Winograd.cs):
    // against float64 convolution, within 2e-5 of the output's largest magnitude (its transforms scale terms by up to
    // 10x, 2e-6 for the implicit GEMM). Odd sizes (edge tiles), several
    // images (slivers of tiles across images), channel counts off the 16- and 32-channel blocks, asymmetric padding,
    // rows of more than 16 tiles, and the same layer with Winograd off (the implicit GEMM).
    public static TheoryData<int, int, int, int, int, int, int, int, int> WinogradShapes => new()
    {
        { 1, 32, 14, 14, 32, 1, 1, 1, 1 }, { 3, 33, 13, 17, 40, 1, 1, 1, 1 }, { 1, 32, 10, 75, 48, 0, 2, 1, 0 },
        { 2, 64, 30, 30, 64, 2, 2, 2, 2 }, { 1, 40, 56, 56, 36, 1, 1, 1, 1 }, { 5, 32, 10, 10, 33, 1, 1, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(WinogradShapes))]
    public void WinogradMatchesFloat64Convolution(int n, int c, int h, int w, int o, int top, int bottom, int left, int right)
    {
        var g = new Fovea.Random.Generator(8);
        var x = Tensor.Randn([n, c, h, w], generator: g);
        var weight = Tensor.Randn([o, c, 3, 3], generator: g) * 0.3;
        var b = Tensor.Randn([o], generator: g);
        var padding = new Padding2d(top, bottom, left, right);
        using var _ = GradMode.NoGrad();
        var exact = Tensor.Conv2d(x.To(DType.Float64), weight.To(DType.Float64), b.To(DType.Float64), 1, padding);
        var exactNoBias = Tensor.Conv2d(x.To(DType.Float64), weight.To(DType.Float64), null, 1, padding);
        var residual = Tensor.Randn(exact.ShapeArray, generator: g);
        double scale = exact.Abs().Max().Item<double>();
        using var pack = new ConvWeightPack();
        foreach (bool winograd in new[] { true, false })
        {
            Fovea.Kernels.Cpu.Winograd.Enabled = winograd;
            double tol = (winograd ? 2e-5 : 2e-6) * scale;
            try
            {
                foreach (var (min, max) in new[] { (0f, float.PositiveInfinity), (0f, 6f), (float.NegativeInfinity, float.PositiveInfinity) })
                {
                    string what = $"{(winograd ? "Winograd" : "implicit GEMM")} {n}x{c}x{h}x{w} -> {o} pad ({top}, {bottom}, {left}, {right}) clamp ({min}, {max})";
                    var want = (exact + residual.To(DType.Float64)).Clamp(float.IsNegativeInfinity(min) ? null : min, float.IsPositiveInfinity(max) ? null : max);
                    Fixture.AssertClose(want, Tensor.Conv2dFused(x, weight, b, 1, padding, 1, 1, residual, min, max, pack), tol, 0, what);
                    var plain = exactNoBias.Clamp(float.IsNegativeInfinity(min) ? null : min, float.IsPositiveInfinity(max) ? null : max);
                    Fixture.AssertClose(plain, Tensor.Conv2dFused(x, weight, null, 1, padding, 1, 1, null, min, max, pack), tol, 0, what + " without bias or residual");
                }
            }
            finally
            {
                Fovea.Kernels.Cpu.Winograd.Enabled = true;
            }
        }
    }

    // The plain (training) float32 convolution takes Winograd too, its weights transformed on every call.
    [Fact]
    public void PlainConvolutionMatchesFloat64ThroughWinograd()
    {
        var g = new Fovea.Random.Generator(9);
        var x = Tensor.Randn([3, 32, 14, 14], generator: g);
        var w = Tensor.Randn([64, 32, 3, 3], generator: g) * 0.2;
        var b = Tensor.Randn([64], generator: g);
        var exact = Tensor.Conv2d(x.To(DType.Float64), w.To(DType.Float64), b.To(DType.Float64), 1, 1);
        var got = Tensor.Conv2d(x, w, b, 1, 1);
        Fixture.AssertClose(exact, got, 2e-5 * exact.Abs().Max().Item<double>(), 0, "3x3 convolution, 32 -> 64 channels, 14 x 14");
    }

    // Its input gradient is a convolution of dy with the flipped weights (channels swapped, padding 2 - p), through
    // Winograd as well: against float64, for each padding that allows it.
    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(0, 0, 0, 0)]
    [InlineData(2, 1, 0, 2)]
    public void InputGradientMatchesFloat64ThroughWinograd(int top, int bottom, int left, int right)
    {
        var g = new Fovea.Random.Generator(10);
        var x = Tensor.Randn([2, 48, 13, 15], generator: g);
        var w = Tensor.Randn([40, 48, 3, 3], generator: g) * 0.2;
        var padding = new Padding2d(top, bottom, left, right);
        var r = Tensor.Randn(Tensor.Conv2d(x, w, null, 1, padding).ShapeArray, generator: g);
        Tensor InputGradient(Tensor xs, Tensor ws, Tensor rs)
        {
            var xg = xs.Detach().RequiresGrad_();
            (Tensor.Conv2d(xg, ws, null, 1, padding) * rs).Sum().Backward();
            return xg.Grad!;
        }
        var exact = InputGradient(x.To(DType.Float64), w.To(DType.Float64), r.To(DType.Float64));
        var got = InputGradient(x, w, r);
        Fixture.AssertClose(exact, got, 2e-5 * exact.Abs().Max().Item<double>(), 0, $"input gradient, padding ({top}, {bottom}, {left}, {right})");
    }

    [Fact]
    public void ChangedWeightsArePackedAgain()
    {
        var g = new Fovea.Random.Generator(5);
        var x = Tensor.Randn([1, 8, 10, 10], generator: g);
        var w = Tensor.Randn([16, 8, 3, 3], generator: g);
        using var _ = GradMode.NoGrad();
        using var pack = new ConvWeightPack();
        var first = Tensor.Conv2dFused(x, w, null, 1, 1, 1, 1, null, 0, float.PositiveInfinity, pack);
        Fixture.AssertClose(Tensor.Conv2d(x, w, padding: 1).Relu(), first, 1e-5, 1e-5, "first call");
        w.MulInPlace(Tensor.Scalar(-2f));
        var second = Tensor.Conv2dFused(x, w, null, 1, 1, 1, 1, null, 0, float.PositiveInfinity, pack);
        Fixture.AssertClose(Tensor.Conv2d(x, w, padding: 1).Relu(), second, 1e-5, 1e-5, "after an in-place change of the weights");
        // A layer that takes Winograd keeps its transformed weights the same way.
        var x2 = Tensor.Randn([1, 32, 12, 12], generator: g);
        var w2 = Tensor.Randn([32, 32, 3, 3], generator: g) * 0.2;
        using var pack2 = new ConvWeightPack();
        Fixture.AssertClose(Tensor.Conv2d(x2, w2, padding: 1), Tensor.Conv2dFused(x2, w2, null, 1, 1, 1, 1, null, float.NegativeInfinity, float.PositiveInfinity, pack2),
            1e-4, 1e-4, "Winograd, first call");
        w2.MulInPlace(Tensor.Scalar(-2f));
        Fixture.AssertClose(Tensor.Conv2d(x2, w2, padding: 1), Tensor.Conv2dFused(x2, w2, null, 1, 1, 1, 1, null, float.NegativeInfinity, float.PositiveInfinity, pack2),
            1e-4, 1e-4, "Winograd, after an in-place change of the weights");
    }

    [Fact]
    public void AutogradAndFloat64RunTheSeparateOps()
    {
        var g = new Fovea.Random.Generator(6);
        var x = Tensor.Randn([2, 4, 6, 6], generator: g).RequiresGrad_();
        var w = (Tensor.Randn([5, 4, 3, 3], generator: g) * 0.3).RequiresGrad_();
        var r = Tensor.Randn([2, 5, 6, 6], generator: g);
        using var pack = new ConvWeightPack();
        var y = Tensor.Conv2dFused(x, w, null, 1, 1, 1, 1, r, 0, float.PositiveInfinity, pack);
        y.Sum().Backward();
        var x2 = x.Detach().RequiresGrad_();
        var w2 = w.Detach().RequiresGrad_();
        (Tensor.Conv2d(x2, w2, padding: 1) + r).Relu().Sum().Backward();
        Fixture.AssertClose(w2.Grad!, w.Grad!, 1e-5, 1e-5, "weight gradient through the fused op");
        Fixture.AssertClose(x2.Grad!, x.Grad!, 1e-5, 1e-5, "input gradient through the fused op");
        using var _ = GradMode.NoGrad();
        var x64 = x.Detach().To(DType.Float64);
        var w64 = w.Detach().To(DType.Float64);
        var y64 = Tensor.Conv2dFused(x64, w64, null, 1, 1, 1, 1, null, 0, 6, pack);
        Fixture.AssertClose(Tensor.Conv2d(x64, w64, padding: 1).Clamp(0, 6), y64, 1e-12, 1e-12, "float64");
    }

    [Fact]
    public void AResidualOfAnotherShapeIsRejected()
    {
        using var _ = GradMode.NoGrad();
        using var pack = new ConvWeightPack();
        var e = Assert.Throws<ArgumentException>(() => Tensor.Conv2dFused(Tensor.Zeros([1, 2, 5, 5]), Tensor.Zeros([3, 2, 3, 3]), null, 1, 1, 1, 1,
            Tensor.Zeros([1, 3, 4, 4]), 0, float.PositiveInfinity, pack));
        Assert.Contains("(1, 3, 5, 5)", e.Message);
    }

    // Stride-1 convolutions multiply the zero-padded image through row offsets (Kernels/Cpu/Convolution/ImplicitGemm.cs);
    // im2col (Unfold2d) + matmul is the oracle, for dilation, asymmetric padding, no padding, wide kernels and groups.
    [Theory]
    [InlineData(3, 3, 1, 1, 1, 1)]
    [InlineData(3, 3, 2, 2, 1, 1)]
    [InlineData(4, 2, 1, -1, 1, 1)]   // -1: "same" with an even kernel (asymmetric padding)
    [InlineData(5, 5, 1, 0, 1, 1)]
    [InlineData(3, 1, 1, 1, 2, 1)]
    [InlineData(3, 3, 1, 1, 1, 2)]    // strided: phase planes
    [InlineData(7, 7, 1, 3, 1, 2)]    // ResNet's stem
    [InlineData(3, 2, 2, 1, 2, 3)]
    [InlineData(3, 3, 1, 1, 1, 2, 70)]   // wide rows: the register deinterleave of stride 2, odd left padding
    [InlineData(3, 3, 1, 2, 1, 2, 67)]   // even left padding
    public void ImplicitGemmMatchesIm2colAndMatmul(int kh, int kw, int dilation, int padding, int groups, int stride, int w = 13)
    {
        var g = new Fovea.Random.Generator(8);
        int n = 2, c = 6, h = 15, o = 8;
        var x = Tensor.Randn([n, c, h, w], generator: g);
        var wt = Tensor.Randn([o, c / groups, kh, kw], generator: g);
        var b = Tensor.Randn([o], generator: g);
        Padding2d pad = padding < 0 ? Padding2d.Same : padding;
        using var _ = GradMode.NoGrad();
        var y = Tensor.Conv2d(x, wt, b, stride, pad, dilation, groups);
        var resolved = padding < 0 ? new Padding2d((kh - 1) / 2, kh / 2, (kw - 1) / 2, kw / 2) : pad;
        var cols = Tensor.Unfold2d(x, (kh, kw), dilation, resolved, stride);   // (n, c*kh*kw, L)
        int oh = y.Size(2), ow = y.Size(3), k = c / groups * kh * kw;
        var parts = new List<Tensor>();
        for (int gi = 0; gi < groups; gi++)
        {
            var wg = wt.Narrow(0, gi * (o / groups), o / groups).Reshape(o / groups, k);
            var cg = cols.Narrow(1, gi * k, k);
            parts.Add(wg.MatMul(cg));   // (n, o/groups, L)
        }
        var want = (Tensor.Cat(parts, 1) + b.Reshape(1, o, 1)).Reshape(n, o, oh, ow);
        Fixture.AssertClose(want, y, 1e-4, 1e-4, $"implicit GEMM k{kh}x{kw} d{dilation} p{padding} g{groups} s{stride}");
    }

    // The float32 depthwise kernel (all taps of 16 columns in a register, stride 1 and 2) against the float64 reference
    // loops, on rows wide enough for the register path, with its fused clamp.
    [Theory]
    [InlineData(40, 3, 1, 1, 1)]
    [InlineData(41, 3, 2, 1, 1)]
    [InlineData(64, 5, 1, 2, 1)]
    [InlineData(57, 5, 2, 2, 1)]
    [InlineData(50, 3, 1, 2, 2)]
    [InlineData(50, 3, 2, 0, 1)]
    [InlineData(120, 3, 2, 1, 1)]   // wide rows (four chunks) at stride 2
    [InlineData(150, 3, 1, 1, 1)]   // ten chunks a row: blocks of eight and two
    [InlineData(20, 3, 1, -1, 1)]   // -1: padding left 2, right 0, top 1, bottom 0
    public void DepthwiseFloatMatchesTheFloat64Loops(int size, int k, int stride, int padding, int dilation)
    {
        Padding2d pad = padding < 0 ? new Padding2d(1, 0, 2, 0) : padding;
        var g = new Fovea.Random.Generator(9);
        var x = Tensor.Randn([2, 6, size, size + 3], generator: g);
        var w = Tensor.Randn([6, 1, k, k], generator: g);
        var b = Tensor.Randn([6], generator: g);
        using var _ = GradMode.NoGrad();
        var want = Tensor.Conv2d(x.To(DType.Float64), w.To(DType.Float64), b.To(DType.Float64), stride, pad, dilation, 6);
        Fixture.AssertClose(want, Tensor.Conv2d(x, w, b, stride, pad, dilation, 6), 1e-4, 1e-4, $"depthwise {size} k{k} s{stride} p{padding} d{dilation}");
        using var pack = new ConvWeightPack();
        var fused = Tensor.Conv2dFused(x, w, b, stride, pad, dilation, 6, null, 0, 6, pack);
        Fixture.AssertClose(want.Clamp(0, 6), fused, 1e-4, 1e-4, "with ReLU6 fused");
    }
}
