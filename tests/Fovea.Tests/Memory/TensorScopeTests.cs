// TensorScope and the buffer pool: intermediates are released at the end of a step, gradients and parameters
// survive, and a long training loop does not grow memory.
using Fovea.Autograd;
using Fovea.Memory;
using Fovea.Random;
using Xunit;

namespace Fovea.Tests.Memory;

[Collection(SerialCollection.Name)]
public class TensorScopeTests
{
    [Fact]
    public void ScopeDisposesIntermediatesButKeepsGradientsAndKeptTensors()
    {
        var w = Tensor.Randn([4, 3], requiresGrad: true);
        Tensor inner, kept;
        using (var scope = TensorScope.Begin())
        {
            inner = w * 2;
            kept = scope.Keep((w * 3).Sum());
            inner.Sum().Backward();
        }
        Assert.True(inner.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.False(w.IsDisposed);
        Assert.False(w.Grad!.IsDisposed);
        Assert.Equal(12, w.Grad.ToArray<float>().Length);
        Assert.Throws<ObjectDisposedException>(() => inner.ToArray<float>());
    }

    [Fact]
    public void DisposingASavedTemporaryWaitsForBackward()
    {
        var w = Tensor.Randn([5], requiresGrad: true);
        var t = w * 3;
        var y = (t * t).Sum();   // Mul saves t
        t.Dispose();
        Assert.False(t.IsDisposed);
        y.Backward();
        Assert.True(t.IsDisposed);   // released with the graph
        Assert.Equal(w.ToArray<float>().Select(v => 18 * v), w.Grad!.ToArray<float>(), (a, b) => Math.Abs(a - b) < 1e-4);
    }

    [Fact]
    public void NestedScopesReleaseInnerFirst()
    {
        using var outer = TensorScope.Begin();
        var a = Tensor.Ones([3]);
        Tensor b;
        using (TensorScope.Begin()) b = a + 1;
        Assert.True(b.IsDisposed);
        Assert.False(a.IsDisposed);
        Assert.Same(outer, TensorScope.Current);
    }

    [Fact]
    public void ViewsKeepStorageAliveAfterTheBaseIsDisposed()
    {
        var a = Tensor.Arange(100, DType.Float32);
        var v = a.Slice(0, 10, 20);
        a.Dispose();
        Assert.Equal(10f, v.ToArray<float>()[0]);
    }

    [Fact]
    public void ThousandTrainingStepsKeepMemoryFlat()
    {
        var g = new Generator(9);
        var x = Tensor.Randn([64, 32], generator: g);
        var y = Tensor.Randn([64, 4], generator: g);
        var w1 = (Tensor.Randn([64, 32], generator: g) * 0.1).Detach().RequiresGrad_();
        var w2 = (Tensor.Randn([4, 64], generator: g) * 0.1).Detach().RequiresGrad_();
        long afterWarmup = 0;
        double firstLoss = 0, lastLoss = 0;
        for (int step = 0; step < 1000; step++)
        {
            using (TensorScope.Begin())
            {
                var h = Tensor.Linear(x, w1).Relu();
                var loss = (Tensor.Linear(h, w2) - y).Square().Mean();
                w1.Grad?.ZeroInPlace();
                w2.Grad?.ZeroInPlace();
                loss.Backward();
                using (GradMode.NoGrad())
                {
                    w1.AddInPlace(w1.Grad!, -0.05);
                    w2.AddInPlace(w2.Grad!, -0.05);
                }
                if (step == 0) firstLoss = loss.ToDouble();
                lastLoss = loss.ToDouble();
            }
            if (step == 99) afterWarmup = GC.GetTotalMemory(forceFullCollection: true);
        }
        long end = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(lastLoss < firstLoss * 0.5, $"loss did not fall: {firstLoss} -> {lastLoss}");
        Assert.True(end - afterWarmup < 2_000_000, $"managed memory grew by {end - afterWarmup} bytes between step 100 and step 1000");
    }

    [Fact]
    public void ThousandCnnTrainingStepsKeepMemoryFlat()
    {
        var g = new Generator(10);
        var x = Tensor.Randn([8, 1, 12, 12], generator: g);
        var target = Tensor.Randn([8, 3], generator: g);
        var c1 = (Tensor.Randn([8, 1, 3, 3], generator: g) * 0.3).Detach().RequiresGrad_();
        var c2 = (Tensor.Randn([16, 8, 3, 3], generator: g) * 0.1).Detach().RequiresGrad_();
        var fc = (Tensor.Randn([3, 16], generator: g) * 0.1).Detach().RequiresGrad_();
        var (gamma, beta) = (Tensor.Ones([8], requiresGrad: true), Tensor.Zeros([8], requiresGrad: true));
        var (runMean, runVar) = (Tensor.Zeros([8]), Tensor.Ones([8]));
        Tensor[] parameters = [c1, c2, fc, gamma, beta];
        long afterWarmup = 0, poolAfterWarmup = 0;
        double firstLoss = 0, lastLoss = 0;
        for (int step = 0; step < 1000; step++)
        {
            using (TensorScope.Begin())
            {
                var h = Tensor.BatchNorm(Tensor.Conv2d(x, c1, padding: 1), runMean, runVar, gamma, beta, training: true).Relu();
                h = Tensor.Conv2d(h, c2, stride: 2, padding: 1).Relu().Mean([2, 3]);
                var loss = (Tensor.Linear(h, fc) - target).Square().Mean();
                foreach (var p in parameters) p.Grad?.ZeroInPlace();
                loss.Backward();
                using (GradMode.NoGrad())
                    foreach (var p in parameters) p.AddInPlace(p.Grad!, -0.05);
                if (step == 0) firstLoss = loss.ToDouble();
                lastLoss = loss.ToDouble();
            }
            if (step == 99)
            {
                afterWarmup = GC.GetTotalMemory(forceFullCollection: true);
                poolAfterWarmup = PoolStats.RetainedBytes;
            }
        }
        long end = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(lastLoss < firstLoss * 0.5, $"loss did not fall: {firstLoss} -> {lastLoss}");
        Assert.True(end - afterWarmup < 2_000_000, $"managed memory grew by {end - afterWarmup} bytes between step 100 and step 1000");
        Assert.True(PoolStats.RetainedBytes - poolAfterWarmup < 1_000_000, $"the buffer pool grew by {PoolStats.RetainedBytes - poolAfterWarmup} bytes");
    }
}

/// <summary>Tests that measure process-wide memory run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial (process-wide measurements)";
}
