// Convolutions against PyTorch 1.13 (tools/fixtures/gen_conv.py), finite differences in float64, and bad input.
using Fovea.Autograd;
using Fovea.Random;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Ops;

public class ConvolutionTests
{
    private static Tensor Apply(string name, Tensor[] x) => name switch
    {
        "conv2d_3x3_pad1" => Tensor.Conv2d(x[0], x[1], x[2], padding: 1),
        "conv2d_stride2" => Tensor.Conv2d(x[0], x[1], x[2], stride: 2, padding: 1),
        "conv2d_dilation2_rect" => Tensor.Conv2d(x[0], x[1], stride: (1, 2), padding: (2, 1), dilation: 2),
        "conv2d_groups2" => Tensor.Conv2d(x[0], x[1], x[2], padding: 1, groups: 2),
        "conv2d_depthwise" => Tensor.Conv2d(x[0], x[1], x[2], stride: 2, padding: 1, groups: 4),
        "conv2d_depth_multiplier" => Tensor.Conv2d(x[0], x[1], padding: 2, groups: 4),
        "conv2d_depthwise_dilated" => Tensor.Conv2d(x[0], x[1], x[2], stride: (1, 2), padding: (2, 1), dilation: (2, 1), groups: 4),
        "conv2d_pointwise" => Tensor.Conv2d(x[0], x[1], x[2]),
        "conv2d_same_even_kernel" => Tensor.Conv2d(x[0], x[1], padding: Padding2d.Same),
        "conv1d" => Tensor.Conv1d(x[0], x[1], x[2], stride: 2, padding: 1),
        "conv3d_pad1" => Tensor.Conv3d(x[0], x[1], x[2], padding: 1),
        "conv3d_stride_dilation_groups" => Tensor.Conv3d(x[0], x[1], stride: (2, 1, 2), padding: (1, 2, 0), dilation: (1, 2, 1), groups: 2),
        "conv3d_depthwise" => Tensor.Conv3d(x[0], x[1], x[2], stride: 2, padding: 1, groups: 4),
        "conv3d_same" => Tensor.Conv3d(x[0], x[1], padding: Padding3d.Same),
        "conv_transpose2d_stride2" => Tensor.ConvTranspose2d(x[0], x[1], x[2], stride: 2, padding: 1, outputPadding: 1),
        "conv_transpose2d_groups_dilation" => Tensor.ConvTranspose2d(x[0], x[1], stride: (1, 2), padding: (2, 0), groups: 2, dilation: 2),
        "conv_transpose2d_depthwise" => Tensor.ConvTranspose2d(x[0], x[1], x[2], stride: 2, groups: 4),
        _ => throw new ArgumentException($"no mapping for fixture {name}"),
    };

    public static TheoryData<string> Cases => new(Fixture.Cases("conv"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var f = Fixture.Load("conv/" + name);
        var inputs = f.Keys.Where(k => k.StartsWith('x')).Order().Select(k => f[k].RequiresGrad_()).ToArray();
        var y = Apply(name, inputs);
        // float32 sums of up to 100 products of N(0,1) values: 1e-4 absolute.
        Fixture.AssertClose(f["out"], y, 1e-4, 1e-4, name + " forward");
        y.Backward(f["gout"]);
        for (int i = 0; i < inputs.Length; i++)
            Fixture.AssertClose(f[$"grad_x{i}"], inputs[i].Grad!, 2e-4, 1e-4, $"{name} grad x{i}");
    }

    [Theory]
    [InlineData(1, 1, 0, 1, 1)]
    [InlineData(2, 3, 1, 1, 1)]
    [InlineData(2, 3, 2, 2, 1)]
    [InlineData(1, 3, 1, 1, 2)]
    [InlineData(2, 2, 1, 1, 4)]
    public void GradientsMatchFiniteDifferences(int stride, int k, int pad, int dilation, int groups)
    {
        var g = new Generator(7);
        var x = Tensor.Randn([2, 4, 6, 5], DType.Float64, g, requiresGrad: true);
        var w = Tensor.Randn([4, 4 / groups, k, k], DType.Float64, g, requiresGrad: true);
        var b = Tensor.Randn([4], DType.Float64, g, requiresGrad: true);
        Assert.Null(GradCheck.Check(t => Tensor.Conv2d(t[0], t[1], t[2], stride, pad, dilation, groups), [x, w, b]));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 1, 1)]
    [InlineData(1, 2, 2)]
    [InlineData(2, 1, 4)]
    public void Conv3dGradientsMatchFiniteDifferences(int stride, int dilation, int groups)
    {
        var g = new Generator(9);
        var x = Tensor.Randn([2, 4, 4, 5, 3], DType.Float64, g, requiresGrad: true);
        var w = Tensor.Randn([4, 4 / groups, 2, 3, 2], DType.Float64, g, requiresGrad: true);
        var b = Tensor.Randn([4], DType.Float64, g, requiresGrad: true);
        Assert.Null(GradCheck.Check(t => Tensor.Conv3d(t[0], t[1], t[2], stride, 1, dilation, groups), [x, w, b]));
    }

    [Theory]
    [InlineData(1, 3, 0, 0, 1, 1)]
    [InlineData(2, 3, 1, 1, 1, 1)]
    [InlineData(2, 2, 0, 1, 2, 2)]
    [InlineData(3, 3, 1, 2, 1, 4)]
    public void TransposedGradientsMatchFiniteDifferences(int stride, int k, int pad, int outputPad, int dilation, int groups)
    {
        var g = new Generator(8);
        var x = Tensor.Randn([2, 4, 4, 3], DType.Float64, g, requiresGrad: true);
        var w = Tensor.Randn([4, 8 / groups, k, k], DType.Float64, g, requiresGrad: true);
        var b = Tensor.Randn([8], DType.Float64, g, requiresGrad: true);
        Assert.Null(GradCheck.Check(t => Tensor.ConvTranspose2d(t[0], t[1], t[2], stride, pad, outputPad, groups, dilation), [x, w, b]));
    }

    [Fact]
    public void ResultsDoNotDependOnThreadCount()
    {
        var x = Tensor.Randn([3, 8, 12, 12], generator: new Generator(1));
        var w = Tensor.Randn([16, 8, 3, 3], generator: new Generator(2)).RequiresGrad_();
        Threads.AssertSameForAnyCount(() =>
        {
            w.Grad = null;
            var y = Tensor.Conv2d(x, w, padding: 1);
            y.Square().Sum().Backward();
            return y.ToArray<float>().Concat(w.Grad!.ToArray<float>()).ToArray();
        });
    }

    [Fact]
    public void BadShapesNameTheProblem()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Conv2d(Tensor.Zeros([8, 1, 28, 28]), Tensor.Zeros([16, 3, 3, 3])));
        Assert.Contains("input has 1 channel, weight expects 3", ex.Message);
        Assert.Contains("(8, 1, 28, 28)", ex.Message);
        Assert.Contains("larger than the padded input", Assert.Throws<ArgumentException>(() => Tensor.Conv2d(Tensor.Zeros([1, 1, 2, 2]), Tensor.Zeros([1, 1, 3, 3]))).Message);
        Assert.Contains("divisible by groups", Assert.Throws<ArgumentException>(() => Tensor.Conv2d(Tensor.Zeros([1, 3, 5, 5]), Tensor.Zeros([4, 1, 3, 3]), groups: 2)).Message);
        Assert.Contains("(N, C, H, W)", Assert.Throws<ArgumentException>(() => Tensor.Conv2d(Tensor.Zeros([3, 5, 5]), Tensor.Zeros([4, 3, 3, 3]))).Message);
    }
}
