// Resuming from a checkpoint continues a run bit for bit: N+M steps straight equal N, save, load, M.
using Fovea.Memory;
using Fovea.NN;
using Fovea.Optim;
using Fovea.Random;
using Fovea.Training;
using Xunit;

namespace Fovea.Tests.Training;

public class CheckpointTests
{
    private static (Sequential, Adam, OneCycleLr) Build()
    {
        Generator.ManualSeed(11);
        var model = new Sequential(new Linear(6, 16), new Tanh(), new Linear(16, 3));
        var opt = new Adam(model.Parameters(), lr: 0.01);
        var sched = new OneCycleLr(opt, 0.05, totalSteps: 20);
        return (model, opt, sched);
    }

    // One step; the batch is drawn from the default generator, so its state must be restored too.
    private static double TrainStep(Module model, Optimizer opt, LrScheduler sched)
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Randn([8, 6]);
        var y = x.Slice(1, 0, 3).Sin();
        var loss = (model.Call(x) - y).Square().Mean();
        opt.ZeroGrad();
        loss.Backward();
        opt.Step();
        sched.Step();
        return loss.ToDouble();
    }

    [Fact]
    public void ResumingContinuesBitIdentically()
    {
        var (m1, o1, s1) = Build();
        var straight = Enumerable.Range(0, 12).Select(_ => TrainStep(m1, o1, s1)).ToList();

        var (m2, o2, s2) = Build();
        var resumed = Enumerable.Range(0, 7).Select(_ => TrainStep(m2, o2, s2)).ToList();
        var path = Path.Combine(Path.GetTempPath(), $"fovea-ckpt-{Guid.NewGuid():N}.safetensors");
        Checkpoint.Capture(m2, o2, s2, epoch: 1, step: 7, config: "{\"model\":\"mlp\"}").Save(path);
        Generator.ManualSeed(999); // disturb the generator: the checkpoint must restore it

        var (m3, o3, s3) = Build();
        var ck = Checkpoint.Load(path);
        Assert.Equal(7, ck.Step);
        Assert.Equal("{\"model\":\"mlp\"}", ck.Config);
        ck.Restore(m3, o3, s3);
        resumed.AddRange(Enumerable.Range(0, 5).Select(_ => TrainStep(m3, o3, s3)));

        Assert.Equal(straight, resumed); // exact, not approximate
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void LoadingAPlainWeightsFileAsACheckpointIsAClearError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fovea-weights-{Guid.NewGuid():N}.safetensors");
        Fovea.IO.SafeTensors.Save(path, new Linear(2, 2).StateDict());
        var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains("not a Fovea training checkpoint", ex.Message);
    }
}
