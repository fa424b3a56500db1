// Attention layers against PyTorch (tools/fixtures/gen_attention.py): the torch state dict is loaded into the Fovea
// layer, then the output, attention weights, input and parameter gradients must match; plus finite-difference
// gradient checks in float64, initialisation and bad-input messages.
using Fovea.Autograd;
using Fovea.NN;
using Fovea.Random;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.NN;

public class AttentionTests
{
    private static Module Build(string name) => name switch
    {
        "se" => new SqueezeExcitation(8, 4),
        "se_hardsigmoid" => new SqueezeExcitation(8, 2, scaleActivation: new Hardsigmoid()),
        "cbam" => new Cbam(8, 4, 7),
        "cbam_k3" => new Cbam(6, 2, 3),
        "nonlocal_embedded_gaussian" or "nonlocal_eval" => new NonLocal2d(4),
        "nonlocal_gaussian_nobn" => new NonLocal2d(4, mode: "gaussian", batchNorm: false),
        "nonlocal_dot_product" => new NonLocal2d(4, interChannels: 3, mode: "dot_product"),
        "nonlocal_concatenation" => new NonLocal2d(4, mode: "concatenation", batchNorm: false),
        "self_attention2d" => new SelfAttention2d(16),
        "mha_kdim_vdim" => new MultiheadAttention(8, 4, kdim: 6, vdim: 3),
        "mha_batch_first" => new MultiheadAttention(8, 2, batchFirst: true),
        "mha_no_bias" => new MultiheadAttention(8, 4, bias: false),
        _ when name.StartsWith("mha_") => new MultiheadAttention(8, 2),
        "encoder_post_norm_relu" => new TransformerEncoderLayer(8, 2, 12, dropout: 0, batchFirst: true),
        "encoder_pre_norm_gelu" => new TransformerEncoderLayer(8, 2, 12, dropout: 0, activation: "gelu", normFirst: true),
        _ => throw new ArgumentException($"no mapping for fixture {name}"),
    };

    public static TheoryData<string> ModuleCases => new(Fixture.Cases("attention").Where(c => !c.StartsWith("sdpa_")));
    public static TheoryData<string> SdpaCases => new(Fixture.Cases("attention").Where(c => c.StartsWith("sdpa_")));

    [Theory]
    [MemberData(nameof(ModuleCases))]
    public void MatchesTorch(string name)
    {
        var f = Fixture.Load("attention/" + name);
        var layer = Build(name);
        layer.LoadStateDict(Prefixed(f, "state."));
        if (name.EndsWith("_eval")) layer.Eval();
        var xs = Enumerable.Range(0, 3).Where(i => f.ContainsKey($"x{i}")).Select(i => f[$"x{i}"].RequiresGrad_()).ToArray();
        var (y, weights) = Run(name, layer, xs, f);
        Fixture.AssertClose(f["out"], y, 1e-4, 1e-4, name + " forward");
        Assert.Equal(f.ContainsKey("weights"), weights != null);
        if (weights != null) Fixture.AssertClose(f["weights"], weights, 1e-5, 1e-4, name + " attention weights");
        y.Backward(f["gout"]);
        for (int i = 0; i < xs.Length; i++) Fixture.AssertClose(f[$"grad_x{i}"], xs[i].Grad!, 1e-4, 1e-4, $"{name} gradient of x{i}");
        foreach (var (pname, p) in layer.NamedParameters())
            Fixture.AssertClose(f["grad." + pname], p.Grad!, 1e-4, 1e-4, $"{name} gradient of {pname}");
        var after = layer.StateDict();
        foreach (var (key, expected) in Prefixed(f, "after."))
            Fixture.AssertClose(expected, after[key], 1e-5, 1e-5, $"{name} {key} after the step");
    }

    private static (Tensor Output, Tensor? Weights) Run(string name, Module layer, Tensor[] xs, Dictionary<string, Tensor> f)
    {
        var padding = f.GetValueOrDefault("key_padding_mask");
        var mask = f.GetValueOrDefault("attn_mask");
        if (layer is MultiheadAttention mha)
            return mha.Forward(xs[0], xs.Length > 1 ? xs[1] : xs[0], xs.Length > 2 ? xs[2] : xs[0], padding,
                needWeights: name != "mha_no_weights", attnMask: mask, averageAttnWeights: name != "mha_per_head");
        if (layer is TransformerEncoderLayer encoder) return (encoder.Forward(xs[0], mask, padding), null);
        return (layer.Call(xs[0]), null);
    }

    [Theory]
    [MemberData(nameof(SdpaCases))]
    public void ScaledDotProductAttentionMatchesItsDefinition(string name)
    {
        var f = Fixture.Load("attention/" + name);
        var (q, k, v) = (f["x0"].RequiresGrad_(), f["x1"].RequiresGrad_(), f["x2"].RequiresGrad_());
        var y = Tensor.ScaledDotProductAttention(q, k, v, f.GetValueOrDefault("mask"), isCausal: name == "sdpa_causal");
        Fixture.AssertClose(f["out"], y, 1e-5, 1e-4, name + " forward");
        y.Backward(f["gout"]);
        foreach (var (x, i) in new[] { q, k, v }.Select((x, i) => (x, i)))
            Fixture.AssertClose(f[$"grad_x{i}"], x.Grad!, 1e-5, 1e-4, $"{name} gradient of x{i}");
    }

    // ------------------------------------------------------------------ finite differences (float64)

    [Fact]
    public void MultiheadAttentionGradChecks()
    {
        var mha = new MultiheadAttention(6, 3, kdim: 4, vdim: 5);
        mha.To(DType.Float64);
        var g = new Generator(3);
        var q = Tensor.Randn([3, 2, 6], DType.Float64, g, requiresGrad: true);
        var kT = Tensor.Randn([2, 4, 4], DType.Float64, g, requiresGrad: true);   // used transposed: non-contiguous key
        var v = Tensor.Randn([4, 2, 5], DType.Float64, g, requiresGrad: true);
        var padding = Tensor.FromArray(new[] { false, false, false, true, true, false, false, false }, 2, 4);
        Tensor F(Tensor[] xs)
        {
            var (o, w) = mha.Forward(xs[0], xs[1].Transpose(0, 1), xs[2], padding, averageAttnWeights: false);
            return Tensor.Cat([o.Flatten(), w!.Flatten()]);
        }
        Assert.Null(GradCheck.Check(F, [q, kT, v, .. mha.Parameters()]));
    }

    [Fact]
    public void CbamGradChecks()
    {
        var cbam = new Cbam(4, 2, 3);
        cbam.To(DType.Float64);
        var x = Tensor.Randn([2, 5, 4, 4], DType.Float64, new Generator(5)).Transpose(1, 3).Detach().RequiresGrad_();   // (2, 4, 4, 5), non-contiguous
        Assert.Null(GradCheck.Check(xs => cbam.Call(xs[0]), [x, .. cbam.Parameters()]));
    }

    [Fact]
    public void ScaledDotProductAttentionGradChecksWithCausalMask()
    {
        var g = new Generator(7);
        var q = Tensor.Randn([2, 4, 3], DType.Float64, g, requiresGrad: true);
        var k = Tensor.Randn([2, 5, 3], DType.Float64, g, requiresGrad: true);
        var v = Tensor.Randn([2, 5, 2], DType.Float64, g, requiresGrad: true);
        Assert.Null(GradCheck.Check(xs => Tensor.ScaledDotProductAttention(xs[0], xs[1], xs[2], isCausal: true), [q, k, v]));
    }

    // ------------------------------------------------------------------ initialisation, modes, layout

    [Fact]
    public void MultiheadAttentionInitialisesLikePyTorch()
    {
        var mha = new MultiheadAttention(16, 4);
        Assert.Equal(new[] { "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias" }, mha.StateDict().Keys);
        Assert.Equal(0.0, mha.InProjBias!.Abs().Max().ToDouble());
        Assert.Equal(0.0, mha.OutProj.Bias!.Abs().Max().ToDouble());
        double bound = Math.Sqrt(6.0 / (16 + 48));   // xavier_uniform on (3E, E)
        Assert.InRange(mha.InProjWeight!.Abs().Max().ToDouble(), bound * 0.8, bound);
        var separate = new MultiheadAttention(16, 4, kdim: 5, vdim: 7, bias: false);
        Assert.Equal(new[] { "q_proj_weight", "k_proj_weight", "v_proj_weight", "out_proj.weight" }, separate.StateDict().Keys);
        Assert.Equal([16, 5], separate.KProjWeight!.ShapeArray);
        Assert.Equal([16, 7], separate.VProjWeight!.ShapeArray);
    }

    [Fact]
    public void ResidualBlocksStartAsIdentity()
    {
        var x = Tensor.Randn([2, 8, 3, 4], generator: new Generator(1));
        Fixture.AssertClose(x, new NonLocal2d(8).Call(x), 0, 0, "non-local (BN)");
        Fixture.AssertClose(x, new NonLocal2d(8, mode: "dot_product", batchNorm: false).Call(x), 0, 0, "non-local (no BN)");
        Fixture.AssertClose(x, new SelfAttention2d(8).Call(x), 0, 0, "SAGAN self-attention");
    }

    [Fact]
    public void SqueezeExcitationHasTorchvisionKeys()
    {
        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" }, new SqueezeExcitation(16, 4).StateDict().Keys);
        Assert.Equal(new[] { "channel.mlp.0.weight", "channel.mlp.2.weight", "spatial.conv.weight" }, new Cbam(32).StateDict().Keys);
        Assert.Equal([2, 32, 1, 1], new Cbam(32).StateDict()["channel.mlp.0.weight"].ShapeArray);
    }

    [Fact]
    public void AttentionDropoutOnlyInTraining()
    {
        var mha = new MultiheadAttention(8, 2, dropout: 0.5) { Generator = new Generator(11) };
        var x = Tensor.Randn([5, 2, 8], generator: new Generator(2));
        var (_, trained) = mha.Forward(x, x, x, averageAttnWeights: false);
        var rowSums = trained!.Sum(-1).ToArray<float>();
        Assert.Contains(rowSums, s => Math.Abs(s - 1) > 1e-3);   // dropped and rescaled weights
        mha.Eval();
        var (_, evaluated) = mha.Forward(x, x, x, averageAttnWeights: false);
        Assert.All(evaluated!.Sum(-1).ToArray<float>(), s => Assert.Equal(1, s, 1e-5));
    }

    [Fact]
    public void SelfAttentionForwardOverloadMatchesFullForward()
    {
        var mha = new MultiheadAttention(8, 4, batchFirst: true);
        var x = Tensor.Randn([2, 5, 8], generator: new Generator(4));
        Fixture.AssertClose(mha.Forward(x, x, x).Output, mha.Call(x), 0, 0, "self-attention overload");
    }

    // ------------------------------------------------------------------ bad inputs

    [Fact]
    public void BadInputsNameTheProblem()
    {
        var e = Assert.Throws<ArgumentException>(() => new MultiheadAttention(10, 3));
        Assert.Contains("embed_dim 10", e.Message);
        Assert.Contains("num_heads 3", e.Message);
        var mha = new MultiheadAttention(8, 2);
        var x = Tensor.Zeros([5, 2, 8]);
        Assert.Contains("last dimensions", Assert.Throws<ArgumentException>(() => mha.Forward(x, Tensor.Zeros([5, 2, 6]), x)).Message);
        Assert.Contains("key_padding_mask must be (N, S) = (2, 5)", Assert.Throws<ArgumentException>(() => mha.Forward(x, x, x, Tensor.Zeros([5, 2], DType.Bool))).Message);
        Assert.Contains("attn_mask must be (5, 5)", Assert.Throws<ArgumentException>(() => mha.Forward(x, x, x, attnMask: Tensor.Zeros([4, 5]))).Message);
        Assert.Contains("same batch size", Assert.Throws<ArgumentException>(() => mha.Forward(x, Tensor.Zeros([5, 3, 8]), x)).Message);
        Assert.Contains("mode must be one of", Assert.Throws<ArgumentException>(() => new NonLocal2d(4, mode: "cosine")).Message);
        Assert.Contains("SqueezeExcitation(8): expected input (N, 8, H, W)", Assert.Throws<ArgumentException>(() => new SqueezeExcitation(8, 2).Call(Tensor.Zeros([1, 4, 3, 3]))).Message);
        Assert.Contains("odd", Assert.Throws<ArgumentOutOfRangeException>(() => new Cbam(8, spatialKernel: 4)).Message);
        Assert.Contains("not both", Assert.Throws<ArgumentException>(() => Tensor.ScaledDotProductAttention(x, x, x, Tensor.Zeros([2, 8]), isCausal: true)).Message);
    }

    private static Dictionary<string, Tensor> Prefixed(Dictionary<string, Tensor> f, string prefix) =>
        f.Where(kv => kv.Key.StartsWith(prefix)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}
