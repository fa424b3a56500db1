// Indexing ops against PyTorch 1.13 (tools/fixtures/gen_indexing.py), finite differences in float64, and
// out-of-range / malformed arguments.
using Fovea.Autograd;
using Fovea.Random;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Ops;

public class IndexingTests
{
    private static Tensor Apply(string name, Tensor[] x) => name switch
    {
        "gather_dim1" => x[0].Gather(1, x[1]),
        "gather_dim0_smaller" => x[0].Gather(0, x[1]),
        "scatter_dim0" => x[0].Scatter(0, x[1], x[2]),
        "scatter_value" => x[0].Scatter(1, x[1], 2.5),
        "scatter_add_dim1" => x[0].ScatterAdd(1, x[1], x[2]),
        "scatter_add_3d_dim_neg" => x[0].ScatterAdd(-1, x[1], x[2]),
        _ when name.StartsWith("scatter_reduce_") => x[0].ScatterReduce(0, x[1], x[2], name.Split('_')[2], name.EndsWith("_self")),
        "index_select_dim0" => x[0].IndexSelect(0, x[1]),
        "index_select_dim1" => x[0].IndexSelect(1, x[1]),
        "index_add_dim1" => x[0].IndexAdd(1, x[1], x[2]),
        "index_add_alpha" => x[0].IndexAdd(0, x[1], x[2], alpha: -2.0),
        "index_rows_negative" => x[0].Index(x[1]),
        "index_broadcast" => x[0].Index(x[1], x[2]),
        "index_nonadjacent" => x[0].Index(x[1], null, x[2]),
        "index_middle" => x[0].Index(null, x[1]),
        "index_mask" or "index_mask_partial" => x[0].Index(x[1]),
        "index_put_accumulate" => x[0].IndexPut([x[1]], x[2], accumulate: true),
        "index_put_broadcast" => x[0].IndexPut([x[1], x[2]], x[3]),
        "masked_fill" => x[0].MaskedFill(x[1], -1.5),
        "masked_select" => x[0].MaskedSelect(x[1]),
        "embedding_padding" => Tensor.Embedding(x[0], x[1], paddingIdx: 1),
        "embedding" => Tensor.Embedding(x[0], x[1]),
        "one_hot" => Tensor.OneHot(x[0], 5),
        "nonzero" => x[0].Nonzero(),
        _ => throw new ArgumentException($"no mapping for fixture {name}"),
    };

    public static TheoryData<string> Cases => new(Fixture.Cases("indexing"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var f = Fixture.Load("indexing/" + name);
        var inputs = f.Keys.Where(k => k.StartsWith('x')).Order()
            .Select(k => DTypes.IsFloatingPoint(f[k].DType) && f.ContainsKey("grad_" + k) ? f[k].RequiresGrad_() : f[k]).ToArray();
        var y = Apply(name, inputs);
        Assert.Equal(f["out"].DType, y.DType);
        // Copies are exact; sums and means of a few float32 values round at the 1e-7 level.
        Fixture.AssertClose(f["out"], y, 1e-6, 1e-6, name + " forward");
        if (!f.ContainsKey("gout")) return;
        y.Backward(f["gout"]);
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i].RequiresGrad)
                Fixture.AssertClose(f[$"grad_x{i}"], inputs[i].Grad!, 1e-5, 1e-5, $"{name} grad x{i}");
    }

    // ---------------------------------------------------------------- finite differences (float64, non-contiguous inputs)

    private static Tensor Randn(params int[] shape) => Tensor.Randn(shape, DType.Float64, new Generator((ulong)shape.Sum() * 31 + 7));
    private static Tensor Ints(long high, params int[] shape) => Tensor.RandInt(0, high, shape, generator: new Generator((ulong)shape.Sum() + 99));
    private static Tensor Longs(params long[] v) => Tensor.FromArray(v);

    private static void AssertGrad(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        foreach (var t in inputs) t.RequiresGrad = true;
        Assert.Null(GradCheck.Check(f, inputs));
    }

    [Fact]
    public void GatherAndScatterGradients()
    {
        var idx = Ints(4, 3, 5);
        // x is a transposed (non-contiguous) view.
        AssertGrad(t => t[0].T.Gather(0, idx), Randn(6, 4));
        AssertGrad(t => t[0].ScatterAdd(0, idx, t[1].T), Randn(4, 6), Randn(7, 3));
        AssertGrad(t => t[0].Scatter(1, Longs(2, 0, 3).Reshape(3, 1), t[1]), Randn(3, 4), Randn(3, 2));
        AssertGrad(t => t[0].Scatter(0, idx, 0.5), Randn(4, 5));
    }

    [Theory]
    [InlineData("sum", true)]
    [InlineData("sum", false)]
    [InlineData("mean", true)]
    [InlineData("mean", false)]
    [InlineData("amax", true)]
    [InlineData("amin", false)]
    [InlineData("prod", true)]
    [InlineData("prod", false)]
    public void ScatterReduceGradients(string reduce, bool includeSelf)
    {
        var idx = Longs(0, 2, 0, 3, 2, 0).Reshape(3, 2);
        AssertGrad(t => t[0].ScatterReduce(0, idx, t[1], reduce, includeSelf), Randn(4, 2), Randn(3, 2));
    }

    [Fact]
    public void ScatterReduceProdGradientWithZeros()
    {
        var self = Tensor.FromArray(new[] { 2.0, 0.0, 3.0 }).Reshape(3, 1);
        var src = Tensor.FromArray(new[] { 0.0, 5.0, 4.0, 0.0, 0.0 }).Reshape(5, 1);
        var idx = Longs(0, 0, 1, 2, 2).Reshape(5, 1);
        AssertGrad(t => t[0].ScatterReduce(0, idx, t[1], "prod"), self, src);
    }

    [Fact]
    public void IndexSelectAndIndexAddGradients()
    {
        var idx = Longs(2, 0, 2, 1);
        AssertGrad(t => t[0].T.IndexSelect(1, idx), Randn(5, 3));
        AssertGrad(t => t[0].IndexAdd(0, idx, t[1].T, alpha: 0.5), Randn(3, 2), Randn(2, 4));
        AssertGrad(t => Tensor.Embedding(Longs(1, 3, 3, 0).Reshape(2, 2), t[0], paddingIdx: -2), Randn(4, 3)); // row 2: unused
        var w = Randn(4, 3).RequiresGrad_();
        Tensor.Embedding(Longs(1, 3, 3, 0), w, paddingIdx: -1).Sum().Backward();
        Assert.Equal(new double[] { 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0 }, w.Grad!.ToArray<double>());
    }

    [Fact]
    public void AdvancedIndexingGradients()
    {
        var rows = Longs(0, -1, 0);
        var cols = Longs(1, 2).Reshape(2, 1);
        AssertGrad(t => t[0].Permute(2, 0, 1).Index(cols, null, rows), Randn(3, 4, 3));
        AssertGrad(t => t[0].Index(null, rows), Randn(2, 4));
        AssertGrad(t => t[0].IndexPut([Longs(0, -1, 1)], t[1]), Randn(4, 3), Randn(3));
        AssertGrad(t => t[0].IndexPut([null, cols], t[1], accumulate: true), Randn(2, 3), Randn(2, 1)); // values broadcast to (2, 2, 1)
        var mask = Tensor.FromArray(new[] { true, false, true, true }).Reshape(2, 2);
        AssertGrad(t => t[0].T.MaskedSelect(mask), Randn(2, 2));
        AssertGrad(t => t[0].MaskedFill(mask, 3), Randn(3, 2, 2));
    }

    [Fact]
    public void GatherAndIndexSupportDoubleBackward()
    {
        // sum(y^3) with y = x[idx]: dL/dx_j = 3 x_j^2 count_j, whose sum has derivative 6 x_j count_j.
        var x = Tensor.FromArray(new[] { 1.5, -2.0, 0.5 }).RequiresGrad_();
        var idx = Longs(0, 0, 2, 2, 2);
        foreach (var pick in new Func<Tensor, Tensor>[] { t => t.Gather(0, idx), t => t.Index(idx), t => t.IndexSelect(0, idx) })
        {
            x.Grad = null;
            pick(x).Pow(3).Sum().Backward(createGraph: true);
            var g = x.Grad!;
            Assert.Equal(new[] { 13.5, 0, 2.25 }, g.ToArray<double>());
            x.Grad = null;
            g.Sum().Backward();
            Assert.Equal(new[] { 18.0, 0, 9 }, x.Grad!.ToArray<double>());
        }
    }

    [Fact]
    public void LargeScattersAreExactAndThreadCountIndependent()
    {
        // Big enough to be split across threads: index_add over (3000, 64) rows into 50, and a scatter_add.
        var idx = Ints(50, 3000);
        var src = Randn(3000, 64);
        var idx2 = Ints(64, 3000, 64);
        double[] Run()
        {
            var a = Tensor.Zeros([50, 64], DType.Float64).IndexAdd(0, idx, src);
            var b = Tensor.Zeros([3000, 64], DType.Float64).ScatterAdd(1, idx2, src);
            var c = Tensor.Zeros([50, 64], DType.Float64).IndexPut([idx], src, accumulate: true);
            return [.. a.ToArray<double>(), .. b.ToArray<double>(), .. c.ToArray<double>()];
        }
        var one = Threads.With(1, Run);
        Assert.Equal(one, Threads.With(4, Run));
        // Same accumulation order as a naive loop over the rows.
        var expected = new double[50 * 64];
        var s = src.ToArray<double>();
        var ix = idx.ToArray<long>();
        for (int t = 0; t < 3000; t++)
            for (int j = 0; j < 64; j++) expected[ix[t] * 64 + j] += s[t * 64 + j];
        Assert.Equal(expected, one[..(50 * 64)]);
        Assert.Equal(expected, one[^(50 * 64)..]);
    }

    // ---------------------------------------------------------------- semantics and errors

    [Fact]
    public void IndexingWithInt32IndicesMatchesInt64()
    {
        var x = Tensor.Arange(12, DType.Float32).Reshape(3, 4);
        var i64 = Longs(2, 0);
        var i32 = i64.To(DType.Int32);
        Assert.Equal(x.IndexSelect(1, i64).ToArray<float>(), x.IndexSelect(1, i32).ToArray<float>());
        Assert.Equal(x.Index(i64).ToArray<float>(), x.Index(i32).ToArray<float>());
        Assert.Equal(new float[] { 8, 9, 10, 11, 0, 1, 2, 3 }, x.Index(i32).ToArray<float>());
    }

    [Fact]
    public void AdvancedIndexWithoutTensorsIsTheWholeTensor()
    {
        var x = Tensor.Arange(6, DType.Float32).Reshape(2, 3);
        Assert.Equal(x.ToArray<float>(), x.Index(null, null).ToArray<float>());
        var filled = x.IndexPut([null], Tensor.Scalar(7));
        Assert.All(filled.ToArray<float>(), v => Assert.Equal(7f, v));
    }

    [Fact]
    public void IntegerAndBoolScatterReductions()
    {
        var self = Tensor.FromArray(new long[] { 5, 1, 7 });
        var idx = Longs(0, 0, 2, 1);
        var src = Tensor.FromArray(new long[] { 2, 4, -3, 9 });
        Assert.Equal(new long[] { 11, 10, 4 }, self.ScatterReduce(0, idx, src, "sum").ToArray<long>());
        Assert.Equal(new long[] { 5, 9, 7 }, self.ScatterReduce(0, idx, src, "amax").ToArray<long>());
        Assert.Equal(new long[] { 3, 9, -3 }, self.ScatterReduce(0, idx, src, "mean", includeSelf: false).ToArray<long>());
        Assert.Equal(new long[] { 40, 9, -21 }, self.ScatterReduce(0, idx, src, "prod").ToArray<long>());
        var floorMean = Tensor.FromArray(new long[] { 5, 1, -7 }).ScatterReduce(0, idx, Tensor.FromArray(new long[] { 2, 4, -4, 9 }), "mean");
        Assert.Equal(new long[] { 3, 5, -6 }, floorMean.ToArray<long>()); // rounds toward minus infinity, like PyTorch
        var flags = Tensor.Zeros([3], DType.Bool);
        var set = flags.ScatterAdd(0, Longs(2, 2), Tensor.Ones([2], DType.Bool));
        Assert.Equal(new[] { false, false, true }, set.ToArray<bool>());
        var h = Tensor.Zeros([2], DType.Float16).ScatterAdd(0, Longs(1, 1, 1), Tensor.Ones([3], DType.Float16));
        Assert.Equal(new[] { 0f, 3f }, h.ToFloatArray());
    }

    [Fact]
    public void OneHotInfersClassCountAndNonzeroHandlesStrides()
    {
        var oh = Tensor.OneHot(Longs(2, 0));
        Assert.Equal(new Shape(2, 3), oh.Shape);
        Assert.Equal(new long[] { 0, 0, 1, 1, 0, 0 }, oh.ToArray<long>());
        var m = Tensor.FromArray(new[] { true, false, false, true, true, false }).Reshape(2, 3).T; // (3, 2)
        var nz = m.Nonzero();
        Assert.Equal(new Shape(3, 2), nz.Shape);
        Assert.Equal(new long[] { 0, 0, 0, 1, 1, 1 }, nz.ToArray<long>());
        Assert.Equal(new Shape(0, 2), Tensor.Zeros([2, 2]).Nonzero().Shape);
    }

    [Fact]
    public void MaskedFillBroadcastsOnlyTheMask()
    {
        var x = Tensor.Zeros([2, 3]);
        var tooBig = Tensor.Ones([4, 2, 3], DType.Bool);
        Assert.Throws<ArgumentException>(() => x.MaskedFill(tooBig, 1));
        Assert.Throws<ArgumentException>(() => x.MaskedFill(Tensor.Ones([2, 3]), 1));
    }

    [Fact]
    public void OutOfRangeIndicesNameOpDimIndexAndSize()
    {
        var x = Tensor.Zeros([3, 4]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.Gather(1, Longs(0, 4, 1).Reshape(1, 3)));
        Assert.Contains("Gather", e.Message);
        Assert.Contains("index 4", e.Message);
        Assert.Contains("dimension 1", e.Message);
        Assert.Contains("size 4", e.Message);
        Assert.Contains("index -1", Assert.Throws<ArgumentOutOfRangeException>(() => x.IndexSelect(0, Longs(-1))).Message);
        Assert.Contains("ScatterAdd", Assert.Throws<ArgumentOutOfRangeException>(() => x.ScatterAdd(0, Longs(3).Reshape(1, 1), Tensor.Ones([1, 1]))).Message);
        Assert.Contains("IndexAdd", Assert.Throws<ArgumentOutOfRangeException>(() => x.IndexAdd(0, Longs(5), Tensor.Ones([1, 4]))).Message);
        Assert.Contains("index -4", Assert.Throws<ArgumentOutOfRangeException>(() => x.Index(Longs(-4))).Message);
        Assert.Contains("IndexPut", Assert.Throws<ArgumentOutOfRangeException>(() => x.IndexPut([null, Longs(4)], Tensor.Scalar(1))).Message);
        Assert.Contains("Embedding", Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Embedding(Longs(3), x)).Message);
        Assert.Contains("OneHot", Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.OneHot(Longs(5), 3)).Message);
    }

    [Fact]
    public void MalformedArgumentsThrow()
    {
        var x = Tensor.Zeros([3, 4]);
        Assert.Throws<ArgumentException>(() => x.Gather(0, Tensor.Zeros([1, 1])));                 // float index
        Assert.Throws<ArgumentException>(() => x.Gather(0, Longs(0)));                               // rank mismatch
        Assert.Throws<ArgumentException>(() => x.Gather(0, Tensor.Zeros([1, 5], DType.Int64)));    // too wide
        Assert.Throws<ArgumentException>(() => x.Scatter(0, Tensor.Zeros([1, 1], DType.Int64), Tensor.Zeros([1, 1], DType.Float64)));
        Assert.Throws<ArgumentException>(() => x.ScatterReduce(0, Tensor.Zeros([1, 1], DType.Int64), Tensor.Zeros([1, 1]), "median"));
        Assert.Throws<ArgumentException>(() => x.IndexSelect(0, Tensor.Zeros([1, 1], DType.Int64)));
        Assert.Throws<ArgumentException>(() => x.IndexAdd(0, Longs(0), Tensor.Zeros([1, 3])));
        Assert.Throws<ArgumentException>(() => x.Index(Longs(0), Longs(0), Longs(0)));
        Assert.Throws<ArgumentException>(() => x.Index(Longs(0, 1), Longs(0, 1, 2)));             // no broadcast
        Assert.Throws<ArgumentException>(() => x.Index(Tensor.Ones([3, 3], DType.Bool)));
        Assert.Throws<ArgumentException>(() => x.IndexPut([Longs(0)], Tensor.Zeros([5])));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Gather(2, Tensor.Zeros([1, 1], DType.Int64)));
    }
}
