// Learning-rate schedules against PyTorch 1.13 (tools/fixtures/gen_sched.py), and ReduceLrOnPlateau's rules.
using Fovea.Optim;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.NN;

public class SchedulerTests
{
    private static (Optimizer, LrScheduler, string?) Make(string name)
    {
        var p = Tensor.Zeros([1], requiresGrad: true);
        Optimizer sgd = new Sgd([p], lr: 0.1, momentum: 0.9);
        return name switch
        {
            "step" => (sgd, new StepLr(sgd, 7, 0.5), null),
            "multistep" => (sgd, new MultiStepLr(sgd, [5, 12, 20], 0.3), null),
            "exponential" => (sgd, new ExponentialLr(sgd, 0.9), null),
            "cosine" => (sgd, new CosineAnnealingLr(sgd, 12, 0.01), null),
            "cosine_restarts" => (sgd, new CosineAnnealingWarmRestarts(sgd, 5, 2, 0.001), null),
            "linear_warmup" => (sgd, new LinearLr(sgd, 0.1, 1.0, 8), null),
            "onecycle_sgd" => (sgd, new OneCycleLr(sgd, 1.0, 30), "momentum"),
            "onecycle_adam_linear_3phase" => Adam3(p),
            "sequential" => (sgd, new SequentialLr(sgd, [new LinearLr(sgd, 0.2, 1.0, 4), new ExponentialLr(sgd, 0.8)], [4]), null),
            _ => throw new ArgumentException(name),
        };
    }

    private static (Optimizer, LrScheduler, string?) Adam3(Tensor p)
    {
        var adam = new Adam([p], lr: 0.1);
        return (adam, new OneCycleLr(adam, 0.3, 31, cosine: false, threePhase: true), "betas0");
    }

    public static TheoryData<string> Cases => new(Fixture.Cases("sched"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void ThirtyStepsMatchPyTorch(string name)
    {
        var f = Fixture.Load("sched/" + name);
        var lr = f["lr"].ToArray<double>();
        var mom = f["momentum"].ToArray<double>();
        var (opt, sched, key) = Make(name);
        for (int i = 0; i <= 30; i++)
        {
            if (i > 0) { opt.Step(); sched.Step(); }
            Assert.True(Math.Abs(lr[i] - opt.ParamGroups[0].LearningRate) < 1e-9, $"{name} step {i}: lr {opt.ParamGroups[0].LearningRate}, expected {lr[i]}");
            if (key != null) Assert.True(Math.Abs(mom[i] - opt.ParamGroups[0].Options[key]) < 1e-9, $"{name} step {i}: momentum {opt.ParamGroups[0].Options[key]}, expected {mom[i]}");
        }
    }

    [Fact]
    public void PlateauReducesAfterPatienceAndRespectsCooldown()
    {
        var opt = new Sgd([Tensor.Zeros([1], requiresGrad: true)], lr: 1.0);
        var s = new ReduceLrOnPlateau(opt, factor: 0.5, patience: 2, cooldown: 1);
        foreach (var v in new[] { 1.0, 0.9, 0.9, 0.9 }) s.Step(v);
        Assert.Equal(1.0, opt.ParamGroups[0].LearningRate); // 2 bad epochs: not more than patience yet
        s.Step(0.9);
        Assert.Equal(0.5, opt.ParamGroups[0].LearningRate);
        s.Step(0.9); // cool-down epoch
        s.Step(0.9);
        s.Step(0.9);
        Assert.Equal(0.5, opt.ParamGroups[0].LearningRate);
        s.Step(0.9);
        Assert.Equal(0.25, opt.ParamGroups[0].LearningRate);
    }
}
