// Pooling against PyTorch 1.13 (tools/fixtures/gen_pooling.py), finite differences in float64, and bad input.
using Fovea.Autograd;
using Fovea.Random;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Ops;

public class PoolingTests
{
    // Returns the values and, for the ops that have them, the indices.
    private static (Tensor Y, Tensor? Idx) Apply(string name, Tensor[] x) => name switch
    {
        "maxpool2d_k2" => Tensor.MaxPool2dWithIndices(x[0], 2),
        "maxpool2d_k3s2p1_ceil" => Tensor.MaxPool2dWithIndices(x[0], 3, 2, 1, ceilMode: true),
        "maxpool2d_dilation_rect" => Tensor.MaxPool2dWithIndices(x[0], (2, 3), (1, 2), (1, 1), dilation: (2, 1)),
        "maxpool2d_ties" => Tensor.MaxPool2dWithIndices(x[0], 3, 1, 1),
        "maxpool2d_unbatched" => Tensor.MaxPool2dWithIndices(x[0], 2, 2, 1),
        "maxpool2d_f64" => Tensor.MaxPool2dWithIndices(x[0], 3, 2, ceilMode: true),
        "maxpool1d_dilation_pad" => Tensor.MaxPool1dWithIndices(x[0], 3, 2, 1, dilation: 2),
        "maxpool1d_ceil" => Tensor.MaxPool1dWithIndices(x[0], 4, 3, 2, ceilMode: true),
        "maxpool3d_ceil_pad" => Tensor.MaxPool3dWithIndices(x[0], (2, 3, 2), (2, 2, 1), (1, 1, 0), ceilMode: true),
        "adaptive_maxpool2d_nondiv" => Tensor.AdaptiveMaxPool2dWithIndices(x[0], (3, 5)),
        "adaptive_maxpool1d" => Tensor.AdaptiveMaxPool1dWithIndices(x[0], 4),
        "adaptive_maxpool3d" => (Tensor.AdaptiveMaxPool3d(x[0], (2, 3, 2)), null),
        "maxunpool2d" => (Tensor.MaxUnpool2d(x[0], x[1], 2, outputSize: (7, 9)), null),
        "avgpool2d_k3s2p1" => (Tensor.AvgPool2d(x[0], 3, 2, 1), null),
        "avgpool2d_exclude_pad_ceil" => (Tensor.AvgPool2d(x[0], 3, 2, 1, ceilMode: true, countIncludePad: false), null),
        "avgpool2d_include_pad_ceil" => (Tensor.AvgPool2d(x[0], (2, 3), (2, 2), (1, 1), ceilMode: true), null),
        "avgpool2d_divisor" => (Tensor.AvgPool2d(x[0], (2, 3), 1, (1, 1), divisorOverride: 4), null),
        "avgpool2d_f64" => (Tensor.AvgPool2d(x[0], 2, ceilMode: true, countIncludePad: false), null),
        "avgpool1d_exclude_pad_ceil" => (Tensor.AvgPool1d(x[0], 4, 3, 2, ceilMode: true, countIncludePad: false), null),
        "avgpool1d_k2" => (Tensor.AvgPool1d(x[0], 2), null),
        "avgpool3d_exclude_pad" => (Tensor.AvgPool3d(x[0], 2, (1, 2, 2), 1, countIncludePad: false), null),
        "avgpool3d_divisor_ceil" => (Tensor.AvgPool3d(x[0], (3, 2, 2), 2, (1, 0, 1), ceilMode: true, divisorOverride: 5), null),
        "adaptive_avgpool2d_nondiv" => (Tensor.AdaptiveAvgPool2d(x[0], (3, 5)), null),
        "adaptive_avgpool2d_upsample" => (Tensor.AdaptiveAvgPool2d(x[0], (9, 10)), null),
        "adaptive_avgpool1d" => (Tensor.AdaptiveAvgPool1d(x[0], 4), null),
        "adaptive_avgpool3d" => (Tensor.AdaptiveAvgPool3d(x[0], (2, 3, 4)), null),
        "unfold_k3_pad1" => (Tensor.Unfold2d(x[0], 3, padding: 1), null),
        "unfold_rect_dil_stride" => (Tensor.Unfold2d(x[0], (2, 3), dilation: (2, 1), padding: (1, 2), stride: (2, 3)), null),
        "fold_k3_pad1" => (Tensor.Fold2d(x[0], (5, 6), 3, padding: 1), null),
        "fold_rect_dil_stride" => (Tensor.Fold2d(x[0], (7, 8), (2, 3), dilation: (2, 1), padding: (1, 2), stride: (2, 3)), null),
        _ => throw new ArgumentException($"no mapping for fixture {name}"),
    };

    public static TheoryData<string> Cases => new(Fixture.Cases("pooling"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var f = Fixture.Load("pooling/" + name);
        var inputs = f.Keys.Where(k => k.StartsWith('x')).Order()
            .Select(k => DTypes.IsFloatingPoint(f[k].DType) ? f[k].RequiresGrad_() : f[k]).ToArray();
        var (y, idx) = Apply(name, inputs);
        Fixture.AssertClose(f["out"], y, 1e-5, 1e-5, name + " forward");
        if (f.TryGetValue("idx", out var expectedIdx))
        {
            Assert.Equal(DType.Int64, idx!.DType);
            Assert.Equal(expectedIdx.ToArray<long>(), idx.ToArray<long>());
        }
        y.Backward(f["gout"]);
        for (int i = 0; i < inputs.Length; i++)
            if (f.TryGetValue($"grad_x{i}", out var g))
                Fixture.AssertClose(g, inputs[i].Grad!, 1e-5, 1e-5, $"{name} grad x{i}");
    }

    public static TheoryData<string> GradCases => new(["max2d", "max2d_ceil_dil", "max1d", "max3d", "avg2d", "avg2d_exclude", "avg2d_divisor", "avg1d", "avg3d", "adaptive_avg2d", "adaptive_max2d", "adaptive_avg1d", "unpool", "unfold", "fold"]);

    private static Tensor GradFn(string name, Tensor x) => name switch
    {
        "max2d" => Tensor.MaxPool2d(x, 3, 2, 1),
        "max2d_ceil_dil" => Tensor.MaxPool2d(x, 2, 2, 1, dilation: 2, ceilMode: true),
        "max1d" => Tensor.MaxPool1d(x.Flatten(2), 3, 2, 1, ceilMode: true),
        "max3d" => Tensor.MaxPool3d(x.Reshape(2, 3, 3, 2, 5), 2, (1, 2, 2), 1),
        "avg2d" => Tensor.AvgPool2d(x, 3, 2, 1),
        "avg2d_exclude" => Tensor.AvgPool2d(x, 3, 2, 1, ceilMode: true, countIncludePad: false),
        "avg2d_divisor" => Tensor.AvgPool2d(x, 2, 1, 1, divisorOverride: 3),
        "avg1d" => Tensor.AvgPool1d(x.Flatten(2), 3, 2, 1, ceilMode: true, countIncludePad: false),
        "avg3d" => Tensor.AvgPool3d(x.Reshape(2, 3, 2, 3, 5), 2, 1, 1, countIncludePad: false),
        "adaptive_avg2d" => Tensor.AdaptiveAvgPool2d(x, (4, 3)),
        "adaptive_max2d" => Tensor.AdaptiveMaxPool2d(x, (2, 3)),
        "adaptive_avg1d" => Tensor.AdaptiveAvgPool1d(x.Flatten(2), 7),
        "unpool" => UnpoolRoundTrip(x),
        "unfold" => Tensor.Unfold2d(x, (2, 3), dilation: (1, 2), padding: 1, stride: (2, 1)),
        "fold" => Tensor.Fold2d(x.Reshape(2, 6, 15), (3, 6), (3, 2), padding: (1, 0)),
        _ => throw new ArgumentException(name),
    };

    private static Tensor UnpoolRoundTrip(Tensor x)
    {
        var (v, i) = Tensor.MaxPool2dWithIndices(x, 2);
        return Tensor.MaxUnpool2d(v * 2, i, 2, outputSize: (x.Size(2), x.Size(3)));
    }

    [Theory]
    [MemberData(nameof(GradCases))]
    public void GradientsMatchFiniteDifferences(string name)
    {
        // A transposed (non-contiguous) input of shape (2, 3, 6, 5).
        var x = Tensor.Randn([2, 3, 5, 6], DType.Float64, new Generator(3)).Transpose(2, 3).Detach().RequiresGrad_();
        Assert.False(x.IsContiguous);
        Assert.Null(GradCheck.Check(t => GradFn(name, t[0]), [x]));
    }

    [Fact]
    public void AvgPoolSecondDerivativeIsItsAdjoint()
    {
        // d/dx of sum(w * grad_x(sum(v * avgpool(x)))) is zero, but the double-backward graph must exist and
        // feed v: grad_v of <grad_x, u> = avgpool(u).
        var g = new Generator(5);
        var x = Tensor.Randn([1, 2, 5, 5], DType.Float64, g, requiresGrad: true);
        var v = Tensor.Randn([1, 2, 3, 3], DType.Float64, g, requiresGrad: true);
        var u = Tensor.Randn([1, 2, 5, 5], DType.Float64, g);
        var y = (Tensor.AvgPool2d(x, 3, 2, 1) * v).Sum();
        y.Backward(createGraph: true);
        var gx = x.Grad!;
        v.Grad = null;
        (gx * u).Sum().Backward();
        Fixture.AssertClose(Tensor.AvgPool2d(u, 3, 2, 1), v.Grad!, 1e-12, 1e-12, "double backward");
    }

    [Fact]
    public void FoldIsTheAdjointOfUnfold()
    {
        // <unfold(x), c> == <x, fold(c)> for any x and c.
        var g = new Generator(9);
        var x = Tensor.Randn([2, 3, 7, 6], DType.Float64, g);
        var u = Tensor.Unfold2d(x, 3, dilation: 2, padding: (2, 1), stride: (1, 2));
        var c = Tensor.Randn(u.ShapeArray, DType.Float64, g);
        var f = Tensor.Fold2d(c, (7, 6), 3, dilation: 2, padding: (2, 1), stride: (1, 2));
        Assert.Equal((u * c).Sum().ToDouble(), (x * f).Sum().ToDouble(), 1e-10);
        Assert.Equal([3 * 9, u.Size(2)], Tensor.Unfold2d(x[0], 3, dilation: 2, padding: (2, 1), stride: (1, 2)).ShapeArray);
    }

    [Fact]
    public void ResultsDoNotDependOnThreadCount()
    {
        var x = Tensor.Randn([4, 8, 12, 12], generator: new Generator(1)).RequiresGrad_();
        Threads.AssertSameForAnyCount(() =>
        {
            x.Grad = null;
            var y = Tensor.MaxPool2d(x, 3, 2, 1) + Tensor.AvgPool2d(x, 3, 2, 1, countIncludePad: false);
            y.Square().Sum().Backward();
            return y.ToArray<float>().Concat(x.Grad!.ToArray<float>()).ToArray();
        });
    }

    [Fact]
    public void BadArgumentsNameTheProblem()
    {
        var x = Tensor.Zeros([1, 2, 4, 4]);
        Assert.Contains("MaxPool2d: output size is too small", Assert.Throws<ArgumentException>(() => Tensor.MaxPool2d(x, 5)).Message);
        Assert.Contains("(1, 2, 4, 4)", Assert.Throws<ArgumentException>(() => Tensor.MaxPool2d(x, 5)).Message);
        Assert.Contains("at most half the kernel size", Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.AvgPool2d(x, 2, padding: 2)).Message);
        Assert.Contains("must be symmetric", Assert.Throws<ArgumentException>(() => Tensor.MaxPool2d(x, 2, padding: new Padding2d(1, 0, 1, 1))).Message);
        Assert.Contains("(N, C, H, W) or (C, H, W)", Assert.Throws<ArgumentException>(() => Tensor.MaxPool2d(Tensor.Zeros([4, 4]), 2)).Message);
        Assert.Contains("AdaptiveAvgPool2d: output size must be > 0", Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.AdaptiveAvgPool2d(x, (0, 2))).Message);
        Assert.Contains("float32 or float64", Assert.Throws<ArgumentException>(() => Tensor.AvgPool1d(Tensor.Zeros([1, 2, 4], DType.Int32), 2)).Message);
        Assert.Contains("Fold2d: input has 10 blocks", Assert.Throws<ArgumentException>(() => Tensor.Fold2d(Tensor.Zeros([1, 9, 10]), (4, 4), 3)).Message);
        Assert.Contains("divisible by the kernel's 9 taps", Assert.Throws<ArgumentException>(() => Tensor.Fold2d(Tensor.Zeros([1, 10, 4]), (4, 4), 3)).Message);
        Assert.Contains("Unfold2d: kernel 5", Assert.Throws<ArgumentException>(() => Tensor.Unfold2d(x, 5)).Message);
        var bad = Tensor.FromArray(new long[] { 0, 99, 1, 2 }, 1, 1, 2, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.MaxUnpool2d(Tensor.Ones([1, 1, 2, 2]), bad, 2));
    }

    [Theory]
    [InlineData(3, 2, 1, 1, false)]   // ResNet's stem pool
    [InlineData(3, 2, 1, 1, false, 75)]   // the same, several vectors of outputs a row
    [InlineData(3, 2, 0, 1, true)]
    [InlineData(3, 2, 0, 1, true, 68)]
    [InlineData(2, 1, 0, 2, false)]
    [InlineData(2, 2, 0, 1, false)]
    [InlineData(5, 3, 2, 1, true)]
    public void MaxPoolWithoutGradientMatchesTheIndexedValues(int k, int s, int p, int d, bool ceil, int width = 19)
    {
        var data = Tensor.Randn([2, 3, 21, width], generator: new Fovea.Random.Generator(12)).ToArray<float>();
        data[(1 * 21 + 4) * width + 5] = float.NaN;
        var x = Tensor.FromArray(data, 2, 3, 21, width);
        var (want, _) = Tensor.MaxPool2dWithIndices(x, k, s, p, d, ceil);
        using var _ = Fovea.Autograd.GradMode.NoGrad();
        var got = Tensor.MaxPool2d(x, k, s, p, d, ceil);
        Assert.Equal(want.ShapeArray, got.ShapeArray);
        Assert.Equal(want.ToArray<float>(), got.ToArray<float>());
    }
}
