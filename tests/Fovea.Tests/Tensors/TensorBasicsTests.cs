// Construction, views, strides, dtype conversion and printing of tensors.
using Xunit;

namespace Fovea.Tests.Tensors;

public class TensorBasicsTests
{
    [Fact]
    public void FromArrayKeepsRowMajorOrder()
    {
        var t = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(new Shape(2, 3), t.Shape);
        Assert.Equal([3, 1], t.Strides.ToArray());
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.ToArray<float>());
    }

    [Fact]
    public void PermuteIsAViewAndContiguousCopiesInLogicalOrder()
    {
        var t = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var p = t.T;
        Assert.Same(t.Storage, p.Storage);
        Assert.False(p.IsContiguous);
        Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, p.ToArray<float>());
        var c = p.Contiguous();
        Assert.True(c.IsContiguous);
        Assert.NotSame(t.Storage, c.Storage);
    }

    [Fact]
    public void ReshapeViewsWhenStridesAllowAndCopiesOtherwise()
    {
        var t = Tensor.Arange(24, DType.Float32).Reshape(2, 3, 4);
        var v = t.Reshape(6, -1);
        Assert.Same(t.Storage, v.Storage);
        Assert.Equal(new Shape(6, 4), v.Shape);
        var tr = t.Transpose(1, 2); // (2, 4, 3) non-contiguous
        var r = tr.Reshape(2, 12);
        Assert.NotSame(t.Storage, r.Storage);
        Assert.Equal(tr.ToArray<float>(), r.ToArray<float>());
        var ex = Assert.Throws<ArgumentException>(() => t.Reshape(5, 5));
        Assert.Contains("(5, 5)", ex.Message);
        Assert.Contains("24 elements", ex.Message);
    }

    [Fact]
    public void SliceWithStepSelectsEveryOtherElement()
    {
        var t = Tensor.Arange(10, DType.Float32);
        Assert.Equal(new float[] { 1, 4, 7 }, t.Slice(0, 1, 9, 3).ToArray<float>());
        Assert.Equal(new float[] { 7, 8 }, t.Slice(0, -3, -1).ToArray<float>());
        var m = Tensor.Arange(12, DType.Float32).Reshape(3, 4);
        Assert.Equal(new float[] { 4, 5, 6, 7 }, m[1].ToArray<float>());
        Assert.Equal(new float[] { 2, 6, 10 }, m.Select(1, 2).ToArray<float>());
        Assert.Throws<IndexOutOfRangeException>(() => m.Select(0, 3));
    }

    [Fact]
    public void ExpandBroadcastsWithZeroStrides()
    {
        var t = Tensor.FromArray(new float[] { 1, 2, 3 }, 3, 1);
        var e = t.Expand(2, 3, 4);
        Assert.Equal([0, 1, 0], e.Strides.ToArray());
        Assert.Equal(24, e.ToArray<float>().Length);
        Assert.Throws<ArgumentException>(() => t.Expand(2, 4, 4));
    }

    [Fact]
    public void UnfoldMakesSlidingWindows()
    {
        var t = Tensor.Arange(7, DType.Float32);
        var u = t.Unfold(0, 3, 2); // windows at 0, 2, 4
        Assert.Equal(new Shape(3, 3), u.Shape);
        Assert.Equal(new float[] { 0, 1, 2, 2, 3, 4, 4, 5, 6 }, u.ToArray<float>());
    }

    [Fact]
    public void SqueezeUnsqueezeFlatten()
    {
        var t = Tensor.Zeros([2, 1, 3, 1]);
        Assert.Equal(new Shape(2, 3), t.Squeeze().Shape);
        Assert.Equal(new Shape(2, 3, 1), t.Squeeze(1).Shape);
        Assert.Equal(new Shape(2, 1, 1, 3, 1), t.Unsqueeze(2).Shape);
        Assert.Equal(new Shape(2, 3), t.Flatten(1).Shape);
        Assert.Equal(new Shape(6), t.Flatten().Shape);
    }

    [Fact]
    public void CastsFollowPyTorch()
    {
        var t = Tensor.FromArray(new float[] { -1.7f, 0f, 2.9f, 300f });
        Assert.Equal(new long[] { -1, 0, 2, 300 }, t.To(DType.Int64).ToArray<long>());
        Assert.Equal(new[] { true, false, true, true }, t.To(DType.Bool).ToArray<bool>());
        var h = t.To(DType.Float16).To(DType.Float32).ToArray<float>();
        Assert.Equal(2.900390625f, h[2]);
        var b = t.To(DType.BFloat16).To(DType.Float32).ToArray<float>();
        Assert.Equal(2.90625f, b[2]);
        Assert.Equal(300f, b[3]);
    }

    [Fact]
    public void ToStringLooksLikePyTorch()
    {
        var t = Tensor.FromArray(new float[] { 1, -2.5f, 3, 4 }, 2, 2);
        Assert.Equal("tensor([[ 1.0000, -2.5000],\n        [ 3.0000,  4.0000]])", t.ToString());
        Assert.Equal("tensor([0, 1, 2])", Tensor.Arange(3).ToString());
        var big = Tensor.Zeros([2000]);
        Assert.Contains("...", big.ToString());
        var g = Tensor.Ones([2], requiresGrad: true);
        Assert.EndsWith("requires_grad=True)", g.ToString());
    }

    [Fact]
    public void LinspaceArangeEye()
    {
        Assert.Equal(new float[] { 0, 0.25f, 0.5f, 0.75f, 1 }, Tensor.Linspace(0, 1, 5).ToArray<float>());
        Assert.Equal(new long[] { 2, 5, 8 }, Tensor.Arange(2, 10, 3).ToArray<long>());
        Assert.Equal(new float[] { 1, 0, 0, 0, 1, 0 }, Tensor.Eye(2, 3).ToArray<float>());
    }

    [Fact]
    public void RandomIsSeededAndReproducible()
    {
        var a = Tensor.Randn([1000], generator: new Random.Generator(7)).ToArray<float>();
        var b = Tensor.Randn([1000], generator: new Random.Generator(7)).ToArray<float>();
        Assert.Equal(a, b);
        double mean = a.Average(), var = a.Select(v => (v - mean) * (v - mean)).Average();
        Assert.InRange(mean, -0.1, 0.1);
        Assert.InRange(var, 0.9, 1.1);
        var u = Tensor.Rand([1000], generator: new Random.Generator(3)).ToArray<float>();
        Assert.All(u, x => Assert.InRange(x, 0f, 1f));
        var ints = Tensor.RandInt(-2, 3, [1000], generator: new Random.Generator(3)).ToArray<long>();
        Assert.Equal(new long[] { -2, -1, 0, 1, 2 }, ints.Distinct().Order().ToArray());
    }
}
