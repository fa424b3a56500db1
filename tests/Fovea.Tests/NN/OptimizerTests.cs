// Optimizer trajectories against PyTorch 1.13 (tools/fixtures/gen_optim.py), clipping, and state dict round trips.
using Fovea.Optim;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.NN;

public class OptimizerTests
{
    private static Optimizer Make(string name, Tensor p) => name switch
    {
        "sgd" => new Sgd([p], lr: 0.1),
        "sgd_momentum_wd" => new Sgd([p], lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01),
        "sgd_nesterov" => new Sgd([p], lr: 0.05, momentum: 0.9, nesterov: true),
        "adam" => new Adam([p], lr: 0.01),
        "adam_wd_amsgrad" => new Adam([p], lr: 0.01, beta1: 0.8, beta2: 0.95, weightDecay: 0.1, amsgrad: true),
        "adamw" => new AdamW([p], lr: 0.01, weightDecay: 0.1),
        "rmsprop" => new RmsProp([p], lr: 0.01),
        "rmsprop_centered_momentum" => new RmsProp([p], lr: 0.01, momentum: 0.5, centered: true, weightDecay: 0.01),
        "adagrad" => new Adagrad([p], lr: 0.1, lrDecay: 0.01, weightDecay: 0.01, initialAccumulatorValue: 0.1),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string> Cases => new(Fixture.Cases("optim"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void TenStepsMatchPyTorch(string name)
    {
        var f = Fixture.Load("optim/" + name);
        var p = f["p0"].Clone().RequiresGrad_();
        var opt = Make(name, p);
        for (int step = 0; step < 10; step++)
        {
            opt.ZeroGrad();
            var loss = (p.Sin() * f["w"] + (p - f["t"]).Square()).Sum();
            loss.Backward();
            opt.Step();
            Fixture.AssertClose(f["traj"][step], p, 1e-5, 1e-5, $"{name} step {step + 1}");
        }
    }

    [Fact]
    public void ParameterGroupsKeepTheirOwnLearningRates()
    {
        var a = Tensor.Ones([2], requiresGrad: true);
        var b = Tensor.Ones([2], requiresGrad: true);
        var opt = new Sgd([new ParamGroup([a]), new ParamGroup([b], learningRate: 0.5)], lr: 0.1);
        (a.Sum() + b.Sum()).Backward();
        opt.Step();
        Assert.Equal(new float[] { 0.9f, 0.9f }, a.ToArray<float>());
        Assert.Equal(new float[] { 0.5f, 0.5f }, b.ToArray<float>());
    }

    [Fact]
    public void ClipGradNormScalesAllGradientsTogether()
    {
        var a = Tensor.Ones([3], requiresGrad: true);
        var b = Tensor.Ones([4], requiresGrad: true);
        (a * 3 + 0).Sum().Backward();
        (b * 4).Sum().Backward();
        double norm = GradClip.ClipGradNorm([a, b], 1.0);
        Assert.Equal(Math.Sqrt(9 * 3 + 16 * 4), norm, 5);
        var all = a.Grad!.ToArray<float>().Concat(b.Grad!.ToArray<float>());
        Assert.Equal(1.0, Math.Sqrt(all.Sum(x => (double)x * x)), 4);
        GradClip.ClipGradValue([a, b], 0.1);
        Assert.All(b.Grad!.ToArray<float>(), x => Assert.True(x <= 0.1f));
    }

    [Fact]
    public void StateDictRoundTripContinuesIdentically()
    {
        var f = Fixture.Load("optim/adam");
        Tensor Loss(Tensor p) => (p.Sin() * f["w"] + (p - f["t"]).Square()).Sum();
        var p1 = f["p0"].Clone().RequiresGrad_();
        var o1 = new Adam([p1], lr: 0.01);
        for (int i = 0; i < 4; i++) { o1.ZeroGrad(); Loss(p1).Backward(); o1.Step(); }
        var p2 = p1.Detach().Clone().RequiresGrad_();
        var o2 = new Adam([p2], lr: 0.5);
        o2.LoadStateDict(o1.StateDict());
        Assert.Equal(0.01, o2.ParamGroups[0].LearningRate);
        for (int i = 0; i < 3; i++)
        {
            o1.ZeroGrad(); Loss(p1).Backward(); o1.Step();
            o2.ZeroGrad(); Loss(p2).Backward(); o2.Step();
        }
        Assert.Equal(p1.ToArray<float>(), p2.ToArray<float>());
    }

    [Fact]
    public void LambFollowsTheTrustRatio()
    {
        var p = Tensor.FromArray(new float[] { 3, 4 }).RequiresGrad_();
        var opt = new Lamb([p], lr: 0.1);
        p.Sum().Backward();
        opt.Step();
        // First step: m^ = g, v^ = g^2, so r = g / (|g| + eps) = (1, 1); trust = ||p|| / ||r|| = 5 / sqrt(2).
        double step = 0.1 * 5 / Math.Sqrt(2);
        Assert.Equal(3 - step, p.ToArray<float>()[0], 4);
    }
}
