// Module registration, naming, state dicts, freezing, hooks and printing.
using Fovea.NN;
using Xunit;

namespace Fovea.Tests.NN;

public class ModuleTests
{
    private sealed class Block : Module
    {
        public readonly Linear Fc1, Fc2;
        public Block()
        {
            Fc1 = RegisterModule("fc1", new Linear(4, 8));
            Fc2 = RegisterModule("fc2", new Linear(8, 2, bias: false));
            RegisterBuffer("steps", Tensor.Zeros([1], DType.Int64));
        }
        public override Tensor Forward(Tensor x) => Fc2.Call(Fc1.Call(x).Relu());
    }

    [Fact]
    public void NamesFollowPyTorch()
    {
        var net = new Sequential(new Block(), new ReLU(), new Linear(2, 3));
        Assert.Equal(new[] { "0.fc1.weight", "0.fc1.bias", "0.fc2.weight", "2.weight", "2.bias" }, net.NamedParameters().Select(p => p.Name));
        // Like torch: a module's own parameters and buffers come before its children's.
        Assert.Equal(new[] { "0.steps", "0.fc1.weight", "0.fc1.bias", "0.fc2.weight", "2.weight", "2.bias" }, net.StateDict().Keys);
        Assert.Equal(4 * 8 + 8 + 8 * 2 + 2 * 3 + 3, net.ParameterCount());
        Assert.IsType<Linear>(net.GetSubmodule("0.fc2"));
    }

    [Fact]
    public void StateDictRoundTripsAndMismatchesAreAllReportedBeforeAnyWrite()
    {
        var a = new Block();
        var b = new Block();
        b.LoadStateDict(a.StateDict());
        Assert.Equal(a.Fc1.Weight.ToArray<float>(), b.Fc1.Weight.ToArray<float>());

        var bad = a.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        bad["fc1.weight"] = Tensor.Zeros([3, 3]);
        bad["fc2.weight"] = Tensor.Zeros([2, 9]);
        var before = b.Fc1.Bias!.ToArray<float>();
        bad["fc1.bias"] = Tensor.Full([8], 7);
        var ex = Assert.Throws<InvalidDataException>(() => b.LoadStateDict(bad));
        Assert.Contains("fc1.weight: checkpoint (3, 3), model (8, 4)", ex.Message);
        Assert.Contains("fc2.weight: checkpoint (2, 9), model (2, 8)", ex.Message);
        Assert.Equal(before, b.Fc1.Bias!.ToArray<float>()); // nothing was written

        var partial = a.StateDict().Where(kv => kv.Key != "steps").ToDictionary(kv => kv.Key, kv => kv.Value);
        partial["extra"] = Tensor.Zeros([1]);
        Assert.Throws<InvalidDataException>(() => b.LoadStateDict(partial));
        var r = b.LoadStateDict(partial, strict: false);
        Assert.Equal(new[] { "steps" }, r.MissingKeys);
        Assert.Equal(new[] { "extra" }, r.UnexpectedKeys);
    }

    [Fact]
    public void FreezeStopsGradientsForAPrefix()
    {
        var net = new Block();
        net.Freeze("fc1");
        Assert.False(net.Fc1.Weight.RequiresGrad);
        Assert.True(net.Fc2.Weight.RequiresGrad);
        net.Call(Tensor.Randn([3, 4])).Sum().Backward();
        Assert.Null(net.Fc1.Weight.Grad);
        Assert.NotNull(net.Fc2.Weight.Grad);
        Assert.Equal(16, net.ParameterCount(trainableOnly: true));
        net.Unfreeze();
        Assert.True(net.Fc1.Weight.RequiresGrad);
        Assert.Throws<ArgumentException>(() => net.Freeze("nope"));
    }

    [Fact]
    public void ForwardHooksSeeActivationsAndCanBeRemoved()
    {
        var net = new Block();
        Tensor? seen = null;
        var handle = net.Fc1.RegisterForwardHook((_, _, y) => { seen = y; return null; });
        net.Call(Tensor.Randn([5, 4]));
        Assert.Equal(new Shape(5, 8), seen!.Shape);
        handle.Dispose();
        seen = null;
        net.Call(Tensor.Randn([5, 4]));
        Assert.Null(seen);
    }

    [Fact]
    public void TrainEvalReachesChildrenAndToStringShowsTheTree()
    {
        var net = new Sequential(new Linear(4, 2), new ReLU());
        net.Eval();
        Assert.All(net.Modules(), m => Assert.False(m.Training));
        Assert.Equal("Sequential(\n  (0): Linear(in_features=4, out_features=2, bias=True)\n  (1): ReLU()\n)\nParameters: 10 (10 trainable)", net.ToString());
    }

    [Fact]
    public void LinearRejectsWrongInputWidth()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Linear(4, 2).Forward(Tensor.Zeros([3, 5])));
        Assert.Contains("in_features: 4", ex.Message);
        Assert.Contains("(3, 5)", ex.Message);
    }

    [Fact]
    public void ToDtypeCastsParametersAndKeepsThemTrainable()
    {
        var net = new Block();
        net.To(DType.Float64);
        Assert.All(net.Parameters(), p => Assert.Equal(DType.Float64, p.DType));
        Assert.Same(net.Fc1.Weight, net.NamedParameters().First().Parameter);
        Assert.True(net.Fc1.Weight.RequiresGrad);
        Assert.Equal(DType.Int64, net.StateDict()["steps"].DType);
    }

    [Fact]
    public void InitSchemesHaveTheirDocumentedSpread()
    {
        var w = Init.KaimingNormal(Tensor.Empty([256, 128]), nl: Nonlinearity.Relu, g: new Random.Generator(1));
        double std = Math.Sqrt(w.Square().Mean().ToDouble());
        Assert.InRange(std, Math.Sqrt(2.0 / 128) * 0.95, Math.Sqrt(2.0 / 128) * 1.05);
        var q = Init.Orthogonal(Tensor.Empty([3, 5]), g: new Random.Generator(2));
        var qqT = Tensor.MatMul(q, q.T).ToArray<float>();
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) Assert.Equal(i == j ? 1f : 0f, qqT[i * 3 + j], 4);
        var t = Init.TruncatedNormal(Tensor.Empty([1000]), 0, 1, -1, 1, new Random.Generator(3)).ToArray<float>();
        Assert.All(t, v => Assert.InRange(v, -1f, 1f));
    }
}

public class LayerExtrasTests
{
    [Fact]
    public void BilinearMatchesItsDefinitionAndGradChecks()
    {
        var layer = new Bilinear(3, 4, 2);
        layer.To(DType.Float64);
        var x1 = Tensor.Randn([5, 3], DType.Float64, new Random.Generator(1), requiresGrad: true);
        var x2 = Tensor.Randn([5, 4], DType.Float64, new Random.Generator(2), requiresGrad: true);
        var y = layer.Forward(x1, x2).ToArray<double>();
        var w = layer.Weight.ToArray<double>();
        var b = layer.Bias!.ToArray<double>();
        var a1 = x1.ToArray<double>();
        var a2 = x2.ToArray<double>();
        for (int n = 0; n < 5; n++)
            for (int o = 0; o < 2; o++)
            {
                double want = b[o];
                for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) want += a1[n * 3 + i] * w[(o * 3 + i) * 4 + j] * a2[n * 4 + j];
                Assert.Equal(want, y[n * 2 + o], 10);
            }
        Assert.Null(Fovea.Autograd.GradCheck.Check(xs => layer.Forward(xs[0], xs[1]), [x1, x2]));
    }

    [Fact]
    public void FeatureExtractorReturnsNamedActivations()
    {
        var net = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
        var feats = FeatureExtractor.Extract(net, Tensor.Randn([3, 4]), "1", "2");
        Assert.Equal(new Shape(3, 8), feats["1"].Shape);
        Assert.True(feats["1"].ToArray<float>().All(v => v >= 0));
        Assert.Equal(feats["2"].ToArray<float>(), feats["output"].ToArray<float>());
        Assert.Throws<KeyNotFoundException>(() => FeatureExtractor.Extract(net, Tensor.Randn([3, 4]), "7"));
    }
}
