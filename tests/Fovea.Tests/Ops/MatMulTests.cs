// Matrix products: shapes and broadcasting rules of torch.matmul, values against a float64 triple loop, gradients.
using Fovea.Autograd;
using Fovea.Random;
using Xunit;

namespace Fovea.Tests.Ops;

public class MatMulTests
{
    private static double[,] Naive(double[] a, double[] b, int m, int k, int n)
    {
        var c = new double[m, n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++) c[i, j] += a[i * k + p] * b[p * n + j];
        return c;
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 9, 15)]
    [InlineData(16, 17, 33)]
    [InlineData(65, 3, 64)]
    public void MatchesTripleLoopForEveryTransposeLayout(int m, int k, int n)
    {
        var a = Tensor.Randn([m, k], DType.Float64, new Generator(1));
        var b = Tensor.Randn([k, n], DType.Float64, new Generator(2));
        var want = Naive(a.ToArray<double>(), b.ToArray<double>(), m, k, n);
        foreach (var (x, y) in new[] { (a, b), (a.T.Contiguous().T, b), (a, b.T.Contiguous().T), (a.T.Contiguous().T, b.T.Contiguous().T) })
        {
            var c = Tensor.MatMul(x, y).ToArray<double>();
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) Assert.Equal(want[i, j], c[i * n + j], 10);
        }
    }

    [Fact]
    public void ShapesFollowTorchMatmul()
    {
        Assert.Equal(new Shape(), Tensor.MatMul(Tensor.Ones([3]), Tensor.Ones([3])).Shape);
        Assert.Equal(new Shape(4), Tensor.MatMul(Tensor.Ones([3]), Tensor.Ones([3, 4])).Shape);
        Assert.Equal(new Shape(2), Tensor.MatMul(Tensor.Ones([2, 3]), Tensor.Ones([3])).Shape);
        Assert.Equal(new Shape(5, 2, 4), Tensor.MatMul(Tensor.Ones([5, 2, 3]), Tensor.Ones([3, 4])).Shape);
        Assert.Equal(new Shape(6, 5, 2, 4), Tensor.MatMul(Tensor.Ones([6, 1, 2, 3]), Tensor.Ones([5, 3, 4])).Shape);
        var ex = Assert.Throws<ArgumentException>(() => Tensor.MatMul(Tensor.Ones([2, 3]), Tensor.Ones([4, 5])));
        Assert.Contains("(2, 3) @ (4, 5)", ex.Message);
    }

    [Fact]
    public void BroadcastBatchesMatchPerBatchProducts()
    {
        var a = Tensor.Randn([3, 1, 4, 5], DType.Float64, new Generator(3));
        var b = Tensor.Randn([2, 5, 6], DType.Float64, new Generator(4));
        var c = Tensor.MatMul(a, b);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 2; j++)
            {
                var want = Tensor.MatMul(a[i][0], b[j]).ToArray<double>();
                var got = c[i][j].ToArray<double>();
                for (int t = 0; t < want.Length; t++) Assert.Equal(want[t], got[t], 12);
            }
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var g = new Generator(5);
        Tensor R(params int[] s) => Tensor.Randn(s, DType.Float64, g, requiresGrad: true);
        Assert.Null(GradCheck.Check(x => Tensor.MatMul(x[0], x[1]), [R(3, 4), R(4, 2)]));
        Assert.Null(GradCheck.Check(x => Tensor.MatMul(x[0], x[1]), [R(2, 1, 3, 4), R(3, 4, 2)]));
        Assert.Null(GradCheck.Check(x => Tensor.MatMul(x[0], x[1]), [R(4), R(2, 4, 3)]));
        Assert.Null(GradCheck.Check(x => Tensor.MatMul(x[0].T, x[1]), [R(4, 3), R(4)]));
        Assert.Null(GradCheck.Check(x => Tensor.Linear(x[0], x[1], x[2]), [R(5, 3), R(2, 3), R(2)]));
        Assert.Null(GradCheck.Check(x => Tensor.Addmm(x[0], x[1], x[2], 0.5, 2), [R(3), R(2, 4), R(4, 3)]));
        Assert.Null(GradCheck.Check(x => Tensor.Outer(x[0], x[1]), [R(3), R(4)]));
    }

    [Fact]
    public void Float32MatchesFloat64()
    {
        var a = Tensor.Randn([37, 129], generator: new Generator(6));
        var b = Tensor.Randn([129, 65], generator: new Generator(7));
        var want = Tensor.MatMul(a.To(DType.Float64), b.To(DType.Float64)).ToArray<double>();
        var got = Tensor.MatMul(a, b).ToArray<float>();
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - got[i]) < 1e-4 * Math.Sqrt(129), $"[{i}] {got[i]} vs {want[i]}");
    }
}
