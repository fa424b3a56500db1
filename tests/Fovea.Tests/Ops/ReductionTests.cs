// Reductions, softmax, scans, norms and sorting against PyTorch 1.13 (tools/fixtures/gen_reduction.py), gradients
// against finite differences in float64 (contiguous and transposed inputs), plus edge cases: ties, NaN, huge
// logits, empty dims, 0-d tensors, dtypes, bad arguments and thread-count independence.
using Fovea.Autograd;
using Fovea.Random;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Ops;

public class ReductionTests
{
    private static Tensor[] One(Tensor t) => [t];
    private static Tensor[] Pair((Tensor Values, Tensor Indices) r) => [r.Values, r.Indices];

    private static Tensor[] Apply(string name, Tensor x) => name switch
    {
        "var_dim1" => One(x.Var(1)),
        "var_dims02_keep_corr0" => One(x.Var([0, 2], correction: 0, keepDim: true)),
        "var_t" => One(x.T.Var(1)),
        "std_all" => One(x.Std()),
        "std_dim1_keep_corr2" => One(x.Std([1], 2, keepDim: true)),
        "logsumexp_dims12_keep" => One(x.LogSumExp([1, 2], keepDim: true)),
        "logsumexp_large" => One((x * 400 + 1000).LogSumExp(1)),
        "logsumexp_t" => One(x.T.LogSumExp(0)),
        "prod_dim1" => One(x.Prod(1)),
        "prod_zeros" => One(x.Prod(1, keepDim: true)),
        "prod_all" => One(x.Prod()),
        "max_dim1" or "max_dim1_int64" => Pair(x.Max(1)),
        "min_dim0_keep_t" => Pair(x.T.Min(0, keepDim: true)),
        "max_full" => One(x.Max()),
        "min_full" => One(x.Min()),
        "amax_dims02" => One(x.Amax([0, 2])),
        "amin_dim1_keep_ties" => One(x.Amin(1, keepDim: true)),
        "argmax_dim1_ties" => One(x.ArgMax(1)),
        "argmin_dim0_ties" => One(x.ArgMin(0, keepDim: true)),
        "argmax_flat" => One(x.ArgMax()),
        "argmax_dim0_int32" => One(x.ArgMax(0)),
        "softmax_last" => One(x.Softmax(-1)),
        "softmax_mid" => One(x.Softmax(1)),
        "softmax_t" => One(x.T.Softmax(0)),
        "softmax_large" => One((x * 300 + 1000).Softmax(-1)),
        "log_softmax_last" => One(x.LogSoftmax(-1)),
        "log_softmax_dim0" => One(x.LogSoftmax(0)),
        "log_softmax_large_neg" => One((x * 300 - 1000).LogSoftmax(1)),
        "cumsum_dim1" or "cumsum_int32" => One(x.CumSum(1)),
        "cumsum_dim0_3d" => One(x.CumSum(0)),
        "cumsum_t" => One(x.T.CumSum(1)),
        "cumprod_dim1" or "cumprod_zeros" => One(x.CumProd(1)),
        "norm2_all" => One(x.Norm()),
        "norm1_dim1" => One(x.Norm(1, 1)),
        "norminf_dim1_ties" => One(x.Norm(double.PositiveInfinity, [1], keepDim: true)),
        "normneginf_all" => One(x.Norm(double.NegativeInfinity)),
        "norm3_dims02_t" => One(x.T.Norm(3, [0])),
        "norm0_dim0" => One(x.Norm(0, 0)),
        "norm_half_p_dims" => One(x.Norm(0.5, [1, 2])),
        "sort_last" or "sort_int64" => Pair(x.Sort(-1)),
        "sort_desc_dim0" => Pair(x.Sort(0, descending: true)),
        "sort_stable_ties" => Pair(x.Sort(1)),
        "sort_desc_stable_ties_t" => Pair(x.T.Sort(1, descending: true)),
        "topk_largest" => Pair(x.TopK(3)),
        "topk_smallest_dim0" => Pair(x.TopK(2, 0, largest: false)),
        "all_dim1" => One(x.All(1)),
        "any_dim0_keep" => One(x.Any(0, keepDim: true)),
        "all_full_float" => One(x.All()),
        _ => throw new ArgumentException($"no mapping for fixture {name}"),
    };

    public static TheoryData<string> Cases => new(Fixture.Cases("reduction"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var f = Fixture.Load("reduction/" + name);
        var x = f["x0"];
        if (DTypes.IsFloatingPoint(x.DType)) x.RequiresGrad_();
        var y = Apply(name, x);
        Assert.Equal(f["out"].DType, y[0].DType);
        // float32 reductions of tens of N(0, 1) values (logits up to ~2000 for the large cases).
        Fixture.AssertClose(f["out"], y[0], 1e-5, 1e-5, name + " forward");
        if (f.TryGetValue("indices", out var idx))
        {
            Assert.Equal(DType.Int64, y[1].DType);
            Assert.Equal(idx.ToArray<long>(), y[1].ToArray<long>());
        }
        if (!f.TryGetValue("gout", out var gout)) return;
        y[0].Backward(gout);
        Fixture.AssertClose(f["grad_x0"], x.Grad!, 1e-5, 1e-4, name + " grad");
    }

    public static TheoryData<string> GradNames => new()
    {
        "Var", "VarDims", "Std", "StdKeepCorr0", "LogSumExp", "Prod", "ProdZeros", "ProdAll", "MaxDim", "MinDim",
        "MaxFull", "Amax", "Amin", "Softmax", "SoftmaxMid", "LogSoftmax", "LogSoftmaxDim0", "CumSum", "CumSumMid",
        "CumProd", "CumProdZeros", "Norm2", "Norm1", "NormInf", "Norm3", "NormHalf", "Sort", "SortDesc", "TopK",
        "TopKSmallest",
    };

    private static Tensor ApplyGrad(string name, Tensor x) => name switch
    {
        "Var" => x.Var(1),
        "VarDims" => x.Var([0, 2], keepDim: true),
        "Std" => x.Std(),
        "StdKeepCorr0" => x.Std([2], correction: 0, keepDim: true),
        "LogSumExp" => x.LogSumExp([0, 2]),
        "Prod" => x.Prod(1),
        "ProdZeros" => Tensor.Where(x.Gt(0.5), 0.0, x).Prod(2),
        "ProdAll" => x.Narrow(0, 0, 1).Prod(),
        "MaxDim" => x.Max(2).Values,
        "MinDim" => x.Min(0, keepDim: true).Values,
        "MaxFull" => x.Max(),
        "Amax" => x.Amax([0, 2]),
        "Amin" => x.Amin(1, keepDim: true),
        "Softmax" => x.Softmax(-1),
        "SoftmaxMid" => x.Softmax(1),
        "LogSoftmax" => x.LogSoftmax(2),
        "LogSoftmaxDim0" => x.LogSoftmax(0),
        "CumSum" => x.CumSum(2),
        "CumSumMid" => x.CumSum(1),
        "CumProd" => x.CumProd(2),
        "CumProdZeros" => Tensor.Where(x.Gt(0.5), 0.0, x).CumProd(1),
        "Norm2" => x.Norm(),
        "Norm1" => x.Norm(1, [1]),
        "NormInf" => x.Norm(double.PositiveInfinity, [2]),
        "Norm3" => x.Norm(3, [0, 1], keepDim: true),
        "NormHalf" => x.Norm(0.5, 2),
        "Sort" => x.Sort(1).Values,
        "SortDesc" => x.Sort(-1, descending: true).Values,
        "TopK" => x.TopK(2).Values,
        "TopKSmallest" => x.TopK(2, 1, largest: false).Values,
        _ => throw new ArgumentException($"no mapping for {name}"),
    };

    [Theory]
    [MemberData(nameof(GradNames))]
    public void GradientsMatchFiniteDifferences(string name)
    {
        var x = Tensor.Randn([3, 4, 5], DType.Float64, new Generator(3), requiresGrad: true);
        Assert.Null(GradCheck.Check(t => ApplyGrad(name, t[0]), [x]));
        // The same op on a non-contiguous input: a (5, 4, 3) tensor seen through a permutation.
        var p = Tensor.Randn([5, 4, 3], DType.Float64, new Generator(4), requiresGrad: true);
        Assert.Null(GradCheck.Check(t => ApplyGrad(name, t[0].Permute(2, 1, 0)), [p]));
    }

    [Fact]
    public void SoftmaxCanBeDifferentiatedTwice()
    {
        var x = Tensor.Randn([3, 5], DType.Float64, new Generator(5), requiresGrad: true);
        var w = Tensor.Randn([3, 5], DType.Float64, new Generator(6));
        // f(x) = d/dx sum(w * log_softmax(x)) . w, differentiated again by finite differences.
        Assert.Null(GradCheck.Check(t =>
        {
            using (GradMode.EnableGrad())
            {
                var inner = t[0] * 1.0;
                var s = (inner.Softmax(1) * w).Sum() + (inner.LogSoftmax(1) * w).Sum();
                inner.RetainGrad();
                s.Backward(createGraph: true);
                t[0].Grad = null; // keep only what GradCheck's own backward accumulates
                return inner.Grad! * w;
            }
        }, [x]));
    }

    [Fact]
    public void ArgMaxTakesTheFirstOfTiesAndNaN()
    {
        var x = Tensor.From(1, 3, 3, 2, 3);
        Assert.Equal(1L, x.ArgMax().Item<long>());
        Assert.Equal(0L, x.ArgMin().Item<long>());
        var (v, i) = x.Max(0);
        Assert.Equal(3f, v.Item<float>());
        Assert.Equal(1L, i.Item<long>());
        var nan = Tensor.From(1, float.NaN, 5, float.NaN);
        Assert.Equal(1L, nan.ArgMax().Item<long>());
        Assert.Equal(1L, nan.ArgMin().Item<long>());
        Assert.True(float.IsNaN(nan.Max().Item<float>()));
        Assert.True(float.IsNaN(nan.Amin(0).Item<float>()));
        var (sv, si) = nan.Sort();
        Assert.Equal([1f, 5f], sv.ToArray<float>()[..2]);
        Assert.Equal([0L, 2L, 1L, 3L], si.ToArray<long>());
    }

    [Fact]
    public void SoftmaxOfHugeLogitsDoesNotOverflow()
    {
        var x = Tensor.FromArray(new[] { 1e4f, 1e4f, -1e4f, 3e38f, 3e38f, 0f }, 2, 3);
        Assert.Equal([0.5f, 0.5f, 0f, 0.5f, 0.5f, 0f], x.Softmax(1).ToArray<float>());
        var ls = x.LogSoftmax(1).ToArray<float>();
        Assert.Equal(-MathF.Log(2), ls[0], 5);
        Assert.Equal(-2e4f - MathF.Log(2), ls[2], 1);
        Assert.Equal(1e4f + MathF.Log(2), Tensor.From(1e4f, 1e4f).LogSumExp(0).Item<float>(), 1);
        Assert.Equal(float.NegativeInfinity, Tensor.From(float.NegativeInfinity, float.NegativeInfinity).LogSumExp(0).Item<float>());
        Assert.Equal(float.PositiveInfinity, Tensor.From(float.PositiveInfinity, 1).LogSumExp(0).Item<float>());
    }

    [Theory]
    [InlineData(1, 1000)]
    [InlineData(7, 33)]
    [InlineData(3, 4097)]
    public void SoftmaxMatchesAScalarReference(int rows, int cols)
    {
        var x = Tensor.Randn([rows, cols], generator: new Generator(9)) * 10;
        var xs = x.ToArray<float>();
        var y = x.Softmax(1).ToArray<float>();
        var ly = x.LogSoftmax(1).ToArray<float>();
        for (int r = 0; r < rows; r++)
        {
            var row = xs.AsSpan(r * cols, cols).ToArray().Select(v => (double)v).ToArray();
            double m = row.Max(), s = row.Sum(v => Math.Exp(v - m));
            for (int c = 0; c < cols; c++)
            {
                double e = Math.Exp(row[c] - m) / s;
                Assert.True(Math.Abs(y[r * cols + c] - e) <= 1e-6 + 1e-5 * e, $"softmax[{r},{c}] {y[r * cols + c]} vs {e}");
                Assert.True(Math.Abs(ly[r * cols + c] - (row[c] - m - Math.Log(s))) <= 1e-4, $"log_softmax[{r},{c}]");
            }
        }
    }

    [Fact]
    public void EmptyDimsFollowPyTorch()
    {
        var e = Tensor.Zeros([2, 0]);
        Assert.Equal([float.NegativeInfinity, float.NegativeInfinity], e.LogSumExp(1).ToArray<float>());
        Assert.Equal([1f, 1f], e.Prod(1).ToArray<float>());
        Assert.Equal([true, true], e.All(1).ToArray<bool>());
        Assert.Equal([false, false], e.Any(1).ToArray<bool>());
        Assert.All(e.Var(1).ToArray<float>(), v => Assert.True(float.IsNaN(v)));
        Assert.Equal([0f, 0f], e.Norm(2, [1]).ToArray<float>());
        Assert.Equal(new Shape(2, 0), e.Softmax(1).Shape);
        Assert.Equal(new Shape(2, 0), e.CumSum(1).Shape);
        Assert.Equal(new Shape(2, 0), e.Sort(1).Values.Shape);
        Assert.Equal(new Shape(0), e.Amax(0).Shape);
        Assert.Equal(new Shape(2, 0), e.TopK(0, 1).Values.Shape);
        Assert.Contains("size 0", Assert.Throws<ArgumentException>(() => e.Amax(1)).Message);
        Assert.Contains("size 0", Assert.Throws<ArgumentException>(() => e.Max(1)).Message);
        Assert.Contains("size 0", Assert.Throws<ArgumentException>(() => e.ArgMax()).Message);
    }

    [Fact]
    public void ZeroDimensionalTensorsReduceOverDimZero()
    {
        var s = Tensor.Scalar(2.5);
        Assert.Equal(1f, s.Softmax(0).Item<float>());
        Assert.Equal(0f, s.LogSoftmax(-1).Item<float>());
        Assert.Equal(2.5f, s.Max(0).Values.Item<float>());
        Assert.Equal(0L, s.ArgMax(0).Item<long>());
        Assert.Equal(2.5f, s.CumSum(0).Item<float>());
        Assert.Equal(2.5f, s.Sort().Values.Item<float>());
        Assert.Equal(2.5f, s.Amax(0).Item<float>());
        Assert.Equal(2.5f, s.Prod(0).Item<float>());
        Assert.Equal(0, s.Max(0).Values.Rank);
    }

    [Fact]
    public void IntegerAndBoolDTypes()
    {
        var b = Tensor.FromArray(new[] { false, true, false, false }, 2, 2);
        var (bv, bi) = b.Max(1);
        Assert.Equal(DType.Bool, bv.DType);
        Assert.Equal([true, false], bv.ToArray<bool>());
        Assert.Equal([1L, 0L], bi.ToArray<long>());
        Assert.Equal(DType.Int64, b.CumSum(1).DType);
        Assert.Equal([0L, 1L, 0L, 0L], b.CumSum(1).ToArray<long>());
        var u = Tensor.FromArray(new byte[] { 5, 1, 200, 7 });
        Assert.Equal([(byte)200, (byte)7, (byte)5, (byte)1], u.Sort(descending: true).Values.ToArray<byte>());
        Assert.Equal(DType.Int64, Tensor.FromArray(new[] { 2, 3, 4 }).Prod().DType);
        Assert.Equal(24L, Tensor.FromArray(new[] { 2, 3, 4 }).Prod().Item<long>());
        Assert.Equal(-4, Tensor.FromArray(new[] { 2, -4, 4 }).Amin().Item<int>());
        var h = Tensor.FromArray(new[] { 1f, 2f, 3f }).To(DType.Float16);
        Assert.Equal(DType.Float16, h.Softmax(0).DType);
        Assert.InRange((double)h.Softmax(0).ToArray<Half>()[2], 0.66, 0.67);
        Assert.Contains("floating-point", Assert.Throws<ArgumentException>(() => Tensor.FromArray(new[] { 1L }).Softmax(0)).Message);
        Assert.Contains("floating-point", Assert.Throws<ArgumentException>(() => Tensor.FromArray(new[] { 1L }).Var()).Message);
    }

    [Fact]
    public void BadDimsNameTheOpAndTheRange()
    {
        var x = Tensor.Zeros([2, 3]);
        Assert.Contains("Var: dim 2 is out of range for a tensor of rank 2", Assert.Throws<ArgumentOutOfRangeException>(() => x.Var(2)).Message);
        Assert.Contains("Softmax: dim -3", Assert.Throws<ArgumentOutOfRangeException>(() => x.Softmax(-3)).Message);
        Assert.Contains("Amax: dimension 1 appears more than once", Assert.Throws<ArgumentException>(() => x.Amax([1, -1])).Message);
        Assert.Contains("Max: dim 5", Assert.Throws<ArgumentOutOfRangeException>(() => x.Max(5)).Message);
        Assert.Contains("CumSum: dim 2", Assert.Throws<ArgumentOutOfRangeException>(() => x.CumSum(2)).Message);
        Assert.Contains("Sort: dim 4", Assert.Throws<ArgumentOutOfRangeException>(() => x.Sort(4)).Message);
        Assert.Contains("TopK: k = 4 is out of range for dimension 1 of size 3", Assert.Throws<ArgumentOutOfRangeException>(() => x.TopK(4)).Message);
        Assert.Contains("correction must be >= 0", Assert.Throws<ArgumentOutOfRangeException>(() => x.Std(correction: -1)).Message);
        Assert.Contains("ArgMin: dim 2", Assert.Throws<ArgumentOutOfRangeException>(() => x.ArgMin(2)).Message);
    }

    [Fact]
    public void MultiDimReductionsMatchChainedSingleDimOnes()
    {
        var x = Tensor.Randn([3, 4, 5, 2], generator: new Generator(11));
        var perm = x.Permute(2, 0, 3, 1);
        Fixture.AssertClose(perm.Amax(3).Amax(1), perm.Amax([1, 3]), 0, 0, "amax");
        Fixture.AssertClose(perm.All(1).All(2), (perm.Gt(-10)).All([1, 3]), 0, 0, "all");
        var lse = perm.Exp().Sum([0, 2]).Log();
        Fixture.AssertClose(lse, perm.LogSumExp([0, 2]), 1e-5, 1e-5, "logsumexp");
        var m = perm.Mean([1, 3], keepDim: true);
        Fixture.AssertClose(((perm - m).Square().Sum([1, 3]) / 11), perm.Var([1, 3]), 1e-5, 1e-5, "var");
    }

    [Fact]
    public void ResultsDoNotDependOnThreadCount()
    {
        var x = Tensor.Randn([64, 1500], generator: new Generator(1));
        Threads.AssertSameForAnyCount<float>(() =>
        {
            return [.. x.Softmax(1).ToArray<float>(), .. x.Softmax(0).ToArray<float>(), .. x.Var(1).ToArray<float>(),
                .. x.LogSumExp(0).ToArray<float>(), .. x.CumSum(0).ToArray<float>(), .. x.Sort(1).Values.ToArray<float>(),
                .. x.Amax(0).ToArray<float>()];
        });
    }
}
