// Behaviour of the autograd engine: accumulation, hooks, graph freeing, version checks, no-grad, custom functions.
using Fovea.Autograd;
using Xunit;

namespace Fovea.Tests.Autograd;

public class AutogradTests
{
    [Fact]
    public void GradientsAccumulateAcrossBackwardCalls()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3 }).RequiresGrad_();
        (x * x).Sum().Backward();
        (x * x).Sum().Backward();
        Assert.Equal(new float[] { 4, 8, 12 }, x.Grad!.ToArray<float>());
    }

    [Fact]
    public void SharedSubexpressionsSumTheirGradients()
    {
        var x = Tensor.FromArray(new float[] { 2 }).RequiresGrad_();
        var y = x * 3;
        var z = y * y + y; // dz/dx = (2y + 1) * 3 = 39
        z.Sum().Backward();
        Assert.Equal(39f, x.Grad!.ToArray<float>()[0]);
    }

    [Fact]
    public void BackwardTwiceWithoutRetainGraphThrows()
    {
        var x = Tensor.FromArray(new float[] { 1, 2 }).RequiresGrad_();
        var y = x.Exp().Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("retainGraph", ex.Message);
    }

    [Fact]
    public void InPlaceChangeOfASavedTensorIsDetected()
    {
        var x = Tensor.FromArray(new float[] { 1, 2 }).RequiresGrad_();
        var y = x.Exp(); // saves its output
        var z = y.Sum();
        y.AddInPlace(Tensor.OnesLike(y));
        var ex = Assert.Throws<InvalidOperationException>(() => z.Backward());
        Assert.Contains("Exp", ex.Message);
        Assert.Contains("in-place", ex.Message);
    }

    [Fact]
    public void InPlaceOnLeafRequiringGradThrowsOutsideNoGrad()
    {
        var w = Tensor.Ones([3], requiresGrad: true);
        Assert.Throws<InvalidOperationException>(() => w.AddInPlace(Tensor.Ones([3])));
        using (GradMode.NoGrad()) w.AddInPlace(Tensor.Ones([3]), -0.5);
        Assert.Equal(new float[] { 0.5f, 0.5f, 0.5f }, w.ToArray<float>());
    }

    [Fact]
    public void InPlaceAddOnNonLeafIsRecorded()
    {
        var x = Tensor.FromArray(new float[] { 1, 2 }).RequiresGrad_();
        var b = Tensor.FromArray(new float[] { 5, 5 }).RequiresGrad_();
        var y = x * 2;
        y.AddInPlace(b, 3);
        y.Sum().Backward();
        Assert.Equal(new float[] { 2, 2 }, x.Grad!.ToArray<float>());
        Assert.Equal(new float[] { 3, 3 }, b.Grad!.ToArray<float>());
    }

    [Fact]
    public void NoGradBlocksRecording()
    {
        var x = Tensor.Ones([2], requiresGrad: true);
        using (GradMode.NoGrad())
        {
            var y = x * 2;
            Assert.False(y.RequiresGrad);
            Assert.Null(y.GradFn);
        }
        Assert.NotNull((x * 2).GradFn);
    }

    [Fact]
    public void HooksSeeAndReplaceGradients()
    {
        var x = Tensor.FromArray(new float[] { 1, 2 }).RequiresGrad_();
        var y = x * 3;
        Tensor? seen = null;
        y.RegisterHook(g => { seen = g.Clone(); return g * 10; });
        y.RetainGrad();
        y.Sum().Backward();
        Assert.Equal(new float[] { 1, 1 }, seen!.ToArray<float>());
        Assert.Equal(new float[] { 10, 10 }, y.Grad!.ToArray<float>());
        Assert.Equal(new float[] { 30, 30 }, x.Grad!.ToArray<float>());
    }

    [Fact]
    public void DetachCutsTheGraph()
    {
        var x = Tensor.Ones([2], requiresGrad: true);
        var y = (x * 2).Detach();
        Assert.False(y.RequiresGrad);
        Assert.True(y.IsLeaf);
    }

    [Fact]
    public void CreateGraphGivesSecondDerivatives()
    {
        var x = Tensor.FromArray(new double[] { 1.5 }).RequiresGrad_();
        var y = (x * x * x).Sum();  // y' = 3x^2, y'' = 6x
        y.Backward(createGraph: true);
        var g = x.Grad!;
        Assert.Equal(6.75, g.ToArray<double>()[0], 12);
        x.Grad = null;
        g.Sum().Backward();
        Assert.Equal(9.0, x.Grad!.ToArray<double>()[0], 12);
    }

    private sealed class Cube : Function
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] x)
        {
            ctx.Save(x[0]);
            return x[0] * x[0] * x[0];
        }

        protected override Tensor?[] Backward(FunctionContext ctx, Tensor dy)
        {
            var x = ctx.Saved[0];
            return [dy * 3 * x * x];
        }
    }

    [Fact]
    public void CustomFunctionPassesGradCheck()
    {
        var x = Tensor.Randn([5], DType.Float64, new Random.Generator(1), requiresGrad: true);
        Assert.Null(GradCheck.Check(xs => new Cube().Apply(xs[0]), [x]));
        Assert.Equal("Cube", new Cube().Apply(x).GradFn!.Name);
    }

    [Fact]
    public void BackwardOnNonScalarNeedsAGradient()
    {
        var x = Tensor.Ones([3], requiresGrad: true);
        var y = x * 2;
        Assert.Throws<InvalidOperationException>(() => y.Backward());
        y.Backward(Tensor.FromArray(new float[] { 1, 2, 3 }));
        Assert.Equal(new float[] { 2, 4, 6 }, x.Grad!.ToArray<float>());
    }
}
