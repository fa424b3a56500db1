// Batch, layer, group and instance norm against PyTorch 1.13 (tools/fixtures/gen_norm.py) and finite differences.
using Fovea.Autograd;
using Fovea.Random;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Ops;

public class NormalizationTests
{
    private static Tensor Apply(string name, Tensor[] x) => name switch
    {
        "batch_norm_train" => Tensor.BatchNorm(x[0], null, null, x[1], x[2], training: true),
        "batch_norm_eval" => EvalBatchNorm(x),
        "batch_norm_1d" => Tensor.BatchNorm(x[0], null, null, training: true),
        "layer_norm" => Tensor.LayerNorm(x[0], [5, 6], x[1], x[2]),
        "layer_norm_noaffine" => Tensor.LayerNorm(x[0], [6]),
        "group_norm" => Tensor.GroupNorm(x[0], 2, x[1], x[2]),
        "group_norm_3d" => Tensor.GroupNorm(x[0], 3, eps: 1e-3),
        "instance_norm" => Tensor.InstanceNorm(x[0], weight: x[1], bias: x[2]),
        _ => throw new ArgumentException($"no mapping for fixture {name}"),
    };

    // The running statistics the eval case used are saved beside it.
    private static Tensor EvalBatchNorm(Tensor[] x)
    {
        var f = Fixture.Load("norm/batch_norm_eval_stats");
        return Tensor.BatchNorm(x[0], f["mean"], f["var"], x[1], x[2], training: false, eps: 1e-3);
    }

    public static TheoryData<string> Cases => new(Fixture.Cases("norm").Where(c => c != "running_stats" && c != "batch_norm_eval_stats"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var f = Fixture.Load("norm/" + name);
        var inputs = f.Keys.Where(k => k.StartsWith('x')).Order().Select(k => f[k].RequiresGrad_()).ToArray();
        var y = Apply(name, inputs);
        Fixture.AssertClose(f["out"], y, 1e-5, 1e-4, name + " forward");
        y.Backward(f["gout"]);
        for (int i = 0; i < inputs.Length; i++)
            Fixture.AssertClose(f[$"grad_x{i}"], inputs[i].Grad!, 1e-4, 1e-4, $"{name} grad x{i}");
    }

    [Fact]
    public void RunningStatisticsFollowPyTorch()
    {
        var f = Fixture.Load("norm/running_stats");
        var (m, v) = (f["mean0"].Clone(), f["var0"].Clone());
        Tensor.BatchNorm(f["x"], m, v, training: true, momentum: 0.2);
        Fixture.AssertClose(f["bn_mean"], m, 1e-6, 1e-5, "batch norm running mean");
        Fixture.AssertClose(f["bn_var"], v, 1e-6, 1e-5, "batch norm running var");
        (m, v) = (f["mean0"].Clone(), f["var0"].Clone());
        Tensor.InstanceNorm(f["x"], m, v, momentum: 0.2);
        Fixture.AssertClose(f["in_mean"], m, 1e-6, 1e-5, "instance norm running mean");
        Fixture.AssertClose(f["in_var"], v, 1e-5, 1e-5, "instance norm running var");
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var g = new Generator(3);
        var x = Tensor.Randn([3, 4, 2, 3], DType.Float64, g, requiresGrad: true);
        var xt = Tensor.Randn([3, 4, 3, 2], DType.Float64, g).Transpose(2, 3).RequiresGrad_();
        var w = Tensor.Randn([4], DType.Float64, g, requiresGrad: true);
        var b = Tensor.Randn([4], DType.Float64, g, requiresGrad: true);
        var rm = Tensor.Zeros([4], DType.Float64);
        var rv = Tensor.Full([4], 2.0, DType.Float64);
        Assert.Null(GradCheck.Check(t => Tensor.BatchNorm(t[0], null, null, t[1], t[2], training: true), [x, w, b]));
        Assert.Null(GradCheck.Check(t => Tensor.BatchNorm(t[0], null, null, t[1], t[2], training: true), [xt, w, b]));
        Assert.Null(GradCheck.Check(t => Tensor.BatchNorm(t[0], rm, rv, t[1], t[2]), [x, w, b]));
        Assert.Null(GradCheck.Check(t => Tensor.GroupNorm(t[0], 2, t[1], t[2]), [xt, w, b]));
        Assert.Null(GradCheck.Check(t => Tensor.InstanceNorm(t[0], weight: t[1], bias: t[2]), [x, w, b]));
        var lw = Tensor.Randn([2, 3], DType.Float64, g, requiresGrad: true);
        var lb = Tensor.Randn([2, 3], DType.Float64, g, requiresGrad: true);
        Assert.Null(GradCheck.Check(t => Tensor.LayerNorm(t[0], [2, 3], t[1], t[2]), [xt, lw, lb]));
    }

    [Fact]
    public void BadInputIsNamed()
    {
        var x = Tensor.Randn([2, 4, 3, 3]);
        var e = Assert.Throws<ArgumentException>(() => Tensor.BatchNorm(x, null, null, Tensor.Ones([3]), training: true));
        Assert.Contains("BatchNorm: weight must have shape (4)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.GroupNorm(x, 3));
        Assert.Contains("4 channels cannot be split into 3 groups", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.LayerNorm(x, [4]));
        Assert.Contains("must match the trailing dims", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.BatchNorm(Tensor.Randn([1, 4]), null, null, training: true));
        Assert.Contains("more than 1 value per channel", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.BatchNorm(x, null, null));
    }
}
