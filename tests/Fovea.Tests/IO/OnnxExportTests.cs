// OnnxExporter: every supported zoo model and layer exports, re-imports with OnnxModule and reproduces the model's
// output (also at another batch size), the file is written atomically, and unsupported modules are named.
using Fovea.IO.Onnx;
using Fovea.Models;
using Fovea.NN;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.IO;

public class OnnxExportTests
{
    private static readonly Dictionary<string, (Func<Module> Build, int[] Input)> Zoo = new()
    {
        ["resnet_basic"] = (() => new ResNet(false, [1, 1, 1, 1], numClasses: 5, inChannels: 3), [2, 3, 32, 32]),
        ["resnet_bottleneck_small_stem"] = (() => new ResNet(true, [1, 1, 1, 1], numClasses: 5, inChannels: 1, smallStem: true), [2, 1, 8, 8]),
        ["mobilenet_v2"] = (() => new MobileNetV2(numClasses: 7, inChannels: 3, widthMult: 0.25), [2, 3, 32, 32]),
        ["compact_cnn"] = (() => new CompactCnn(), [2, 1, 28, 28]),
        ["reference_cnn"] = (() => new ReferenceCnn(), [2, 1, 28, 28]),
        ["lenet5"] = (() => new LeNet5(), [2, 1, 28, 28]),
        ["vgg_small"] = (() => new VggSmall(widths: [8, 16, 16]), [2, 1, 16, 16]),
    };

    public static TheoryData<string> ZooNames => [.. Zoo.Keys];

    [Theory]
    [MemberData(nameof(ZooNames))]
    public void ZooModelRoundTrips(string name)
    {
        var (build, shape) = Zoo[name];
        var model = Randomized(build());
        var x = Tensor.Randn(shape, generator: new Fovea.Random.Generator(3));
        var onnx = OnnxExporter.ToModel(model, x);
        Assert.True(model.Training, "export must restore training mode");
        AssertSameOutputs(model, OnnxModule.FromModel(OnnxSerializer.Parse(OnnxSerializer.Serialize(onnx))), x, name);
    }

    [Theory]
    [InlineData(17)]
    [InlineData(13)]
    [InlineData(11)]
    public void LayersRoundTripThroughAFile(int opset)
    {
        var layers = new List<Module>
        {
            new Conv2d(3, 8, 3, padding: Padding2d.Same), new BatchNorm2d(8), new ReLU6(), new SiLU(),
            new ConvTranspose2d(8, 6, 3, stride: 2, padding: 1, outputPadding: 1), new Hardswish(), new LeakyReLU(0.2),
            new Conv2d(6, 6, 3, stride: 2, padding: 1, groups: 3, bias: false), new ELU(0.5), new GELU(), new Hardsigmoid(),
            new Fovea.NN.MaxPool2d(3, 2, 1, ceilMode: true), new Fovea.NN.AvgPool2d(2, 1, 1, countIncludePad: false), new GELU(approximateTanh: true),
            new Fovea.NN.AdaptiveAvgPool2d(2), new Dropout(0.3), new Flatten(), new Linear(24, 10), new Tanh(), new Identity(),
        };
        if (opset >= 17) layers.Add(new LayerNorm(10));
        layers.AddRange([new Linear(10, 4), new Sigmoid(), new Fovea.NN.Softmax(-1)]);
        var model = Randomized(new Sequential([.. layers]));
        var x = Tensor.Randn([2, 3, 8, 8], generator: new Fovea.Random.Generator(4));
        var dir = Directory.CreateTempSubdirectory("fovea_onnx_export_").FullName;
        try
        {
            string path = Path.Combine(dir, "layers.onnx");
            OnnxExporter.Export(model, x, path, opset);
            Assert.Equal(["layers.onnx"], Directory.GetFiles(dir).Select(Path.GetFileName));   // no temporary file left
            var back = OnnxModule.Load(path);
            Assert.Equal(opset, back.Opset);
            Assert.Contains("0.weight", back.Initializers.Keys);
            AssertSameOutputs(model, back, x, $"layers opset {opset}");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void FixedBatchExportDeclaresTheExampleShape()
    {
        var onnx = OnnxExporter.ToModel(new Sequential(new Flatten(1, 2), new ReLU()), Tensor.Zeros([2, 3, 4, 5]), dynamicBatch: false);
        Assert.Equal([(2L, (string?)null), (3L, null), (4L, null), (5L, null)], onnx.Graph.Inputs[0].Shape!.Select(d => (d.Value!.Value, d.Param)));
        Assert.Equal(new long?[] { 2, 12, 5 }, onnx.Graph.Outputs[0].Shape!.Select(d => d.Value));
        Assert.Equal("Reshape", onnx.Graph.Nodes[0].OpType);
    }

    [Fact]
    public void UnsupportedModuleIsNamed()
    {
        var model = new Sequential(new ReLU(), new Doubler());
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ToModel(model, Tensor.Zeros([1, 4])));
        Assert.Contains("Doubler", e.Message);
        Assert.Contains("'1'", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => OnnxExporter.ToModel(new ReLU(), Tensor.Zeros([1, 4]), opset: 9));
    }

    [Fact]
    public void ModelsWithFusedActivationsAreRefusedWithTheLayerNamed()
    {
        var model = new Sequential(new Conv2d(1, 4, 3, padding: 1), new BatchNorm2d(4), new ReLU());
        Fovea.Models.Inference.FoldBatchNorm(model);
        OnnxExporter.ToModel(model, Tensor.Zeros([1, 1, 8, 8]));   // folding alone exports
        Fovea.Models.Inference.Optimize(model);
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ToModel(model, Tensor.Zeros([1, 1, 8, 8])));
        Assert.Contains("'0'", e.Message);
        Assert.Contains("Inference.Optimize", e.Message);
    }

    private sealed class Doubler : Module
    {
        public override Tensor Forward(Tensor x) => x * 2;
    }

    // Eval-mode outputs at the example's batch and at batch 3 (the exported batch dim is symbolic).
    private static void AssertSameOutputs(Module model, OnnxModule imported, Tensor x, string what)
    {
        model.Eval();
        Fixture.AssertClose(model.Forward(x), imported.Forward(x), 1e-5, 1e-5, what);
        var x3 = Tensor.Randn([3, .. x.Shape.ToArray()[1..]], generator: new Fovea.Random.Generator(5));
        Fixture.AssertClose(model.Forward(x3), imported.Forward(x3), 1e-5, 1e-5, what + " batch 3");
    }

    // Non-trivial batch-norm statistics and affine parameters, so export mistakes show.
    private static Module Randomized(Module model)
    {
        var g = new Fovea.Random.Generator(7);
        using var _ = Fovea.Autograd.GradMode.NoGrad();
        foreach (var bn in model.Modules().OfType<BatchNormLayer>())
        {
            bn.RunningMean!.CopyFrom(Tensor.Rand([bn.NumFeatures], generator: g) * 0.4 - 0.2);
            bn.RunningVar!.CopyFrom(Tensor.Rand([bn.NumFeatures], generator: g) + 0.5);
            bn.Weight!.CopyFrom(Tensor.Rand([bn.NumFeatures], generator: g) + 0.5);
            bn.Bias!.CopyFrom(Tensor.Rand([bn.NumFeatures], generator: g) * 0.4 - 0.2);
        }
        return model;
    }
}
