// Layers against torch.nn (tools/fixtures/gen_layers.py): the PyTorch state dict is loaded into the Fovea layer,
// then the output, the input and parameter gradients, and the state after the step (running statistics) must match.
using Fovea.NN;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.NN;

public class LayerFixtureTests
{
    private static Module Build(string name) => name switch
    {
        "conv1d" => new Conv1d(3, 5, 3, stride: 2, padding: 1),
        "conv2d" => new Conv2d(4, 6, 3, stride: 2, padding: 1, groups: 2),
        "conv3d" => new Conv3d(2, 3, (2, 3, 3), padding: (0, 1, 1)),
        "conv_transpose2d" => new ConvTranspose2d(4, 3, 3, stride: 2, padding: 1, outputPadding: 1),
        "separable_conv2d" => new SeparableConv2d(4, 5, 3, padding: 1),
        "batch_norm2d_train" or "batch_norm2d_eval" => new BatchNorm2d(4),
        "batch_norm1d_cumulative" => new BatchNorm1d(5, momentum: null),
        "batch_norm3d" => new BatchNorm3d(2),
        "layer_norm" => new LayerNorm([7, 6]),
        "group_norm" => new GroupNorm(2, 4),
        "instance_norm2d" => new InstanceNorm2d(4, affine: true, trackRunningStats: true),
        "max_pool2d" => new MaxPool2d(3, stride: 2, padding: 1, ceilMode: true),
        "avg_pool2d" => new AvgPool2d(2, padding: 1, countIncludePad: false),
        "adaptive_avg_pool2d" => new AdaptiveAvgPool2d((3, 2)),
        "upsample_bilinear" => new Upsample(scaleFactor: 2, mode: "bilinear", alignCorners: false),
        "pixel_shuffle" => new PixelShuffle(2),
        "prelu" => new PReLU(4),
        "softmax" => new Softmax(1),
        "log_softmax" => new LogSoftmax(-1),
        "spp" => new SpatialPyramidPooling([1, 2, 4]),
        _ => throw new ArgumentException($"no mapping for fixture {name}"),
    };

    public static TheoryData<string> Cases => new(Fixture.Cases("layers").Where(c => c is not ("partial_conv2d" or "embedding")));

    [Fact]
    public void EmbeddingMatchesTorchNn()
    {
        var f = Fixture.Load("layers/embedding");
        var layer = new Embedding(10, 4, paddingIdx: 2);
        layer.LoadStateDict(Prefixed(f, "state."));
        var y = layer.Call(f["idx"]);
        Fixture.AssertClose(f["out"], y, 0, 0, "embedding forward");
        y.Backward(f["gout"]);
        Fixture.AssertClose(f["grad.weight"], layer.Weight.Grad!, 1e-6, 1e-6, "embedding weight gradient (none for the padding row)");
    }

    [Fact]
    public void DropoutLayersAreIdentityInEvalAndDropPathDropsWholeSamples()
    {
        var x = Tensor.Randn([64, 3, 4, 4]);
        foreach (Module m in new Module[] { new Dropout(0.5), new Dropout2d(0.5), new DropPath(0.5) })
        {
            m.Eval();
            Assert.Equal(x.ToArray<float>(), m.Call(x).ToArray<float>());
        }
        var dp = new DropPath(0.5, new Fovea.Random.Generator(4));
        var y = dp.Call(Tensor.Ones([64, 3, 4, 4]));
        var perSample = y.Reshape(64, -1).ToArray<float>().Chunk(48).Select(c => c.Distinct().Single()).ToArray();
        Assert.All(perSample, v => Assert.True(v == 0 || v == 2));
        Assert.InRange(perSample.Count(v => v == 0), 16, 48);
    }

    [Fact]
    public void SpatialPyramidPoolingGivesAFixedLengthForAnyInputSize()
    {
        var spp = new SpatialPyramidPooling([1, 2, 4]);
        Assert.Equal(new[] { 2, 3 * 21 }, spp.Call(Tensor.Randn([2, 3, 13, 9])).ShapeArray);
        Assert.Equal(new[] { 2, 3 * 21 }, spp.Call(Tensor.Randn([2, 3, 32, 40])).ShapeArray);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTorchNn(string name)
    {
        var f = Fixture.Load("layers/" + name);
        var layer = Build(name);
        layer.LoadStateDict(Prefixed(f, "state."));
        if (name.EndsWith("_eval")) layer.Eval();
        var x = f["x0"].RequiresGrad_();
        var y = layer.Call(x);
        Fixture.AssertClose(f["out"], y, 1e-4, 1e-4, name + " forward");
        y.Backward(f["gout"]);
        Fixture.AssertClose(f["grad_x0"], x.Grad!, 1e-4, 1e-4, name + " input gradient");
        foreach (var (pname, p) in layer.NamedParameters())
            Fixture.AssertClose(f["grad." + pname], p.Grad!, 1e-4, 1e-4, $"{name} gradient of {pname}");
        var after = layer.StateDict();
        foreach (var (key, expected) in Prefixed(f, "after."))
            Fixture.AssertClose(expected, after[key], 1e-5, 1e-5, $"{name} {key} after the step");
    }

    [Fact]
    public void PartialConvolutionFollowsItsDefinition()
    {
        var f = Fixture.Load("layers/partial_conv2d");
        var layer = new PartialConv2d(4, 3, 3, padding: 1);
        layer.LoadStateDict(Prefixed(f, "state."));
        var x = f["x0"].RequiresGrad_();
        var (y, mask) = layer.Forward(x, f["mask"]);
        Fixture.AssertClose(f["out"], y, 1e-4, 1e-4, "partial conv forward");
        Fixture.AssertClose(f["new_mask"], mask, 0, 0, "partial conv mask");
        y.Backward(f["gout"]);
        Fixture.AssertClose(f["grad_x0"], x.Grad!, 1e-4, 1e-4, "partial conv input gradient");
        Fixture.AssertClose(f["grad.conv.weight"], layer.Conv.Weight.Grad!, 1e-4, 1e-4, "partial conv weight gradient");
        Fixture.AssertClose(f["grad.conv.bias"], layer.Conv.Bias!.Grad!, 1e-4, 1e-4, "partial conv bias gradient");
    }

    [Fact]
    public void LayersPrintLikePyTorch()
    {
        Assert.Equal("Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)", new Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false).ToString().Split('\n')[0]);
        Assert.Equal("BatchNorm2d(64, eps=1E-05, momentum=0.1, affine=True, track_running_stats=True)", new BatchNorm2d(64).ToString().Split('\n')[0]);
        Assert.Equal(new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" }, new BatchNorm2d(8).StateDict().Keys);
    }

    [Fact]
    public void BadInputNamesTheLayer()
    {
        var e = Assert.Throws<ArgumentException>(() => new BatchNorm2d(8).Call(Tensor.Zeros([2, 4, 3, 3])));
        Assert.Contains("BatchNorm2d(8): expected input of rank 4 with 8 channels", e.Message);
        Assert.Contains("divisible by groups", Assert.Throws<ArgumentException>(() => new Conv2d(3, 8, 3, groups: 2)).Message);
    }

    private static Dictionary<string, Tensor> Prefixed(Dictionary<string, Tensor> f, string prefix) =>
        f.Where(kv => kv.Key.StartsWith(prefix)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}
