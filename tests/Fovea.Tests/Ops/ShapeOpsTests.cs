// Shape-changing ops (cat/stack/split/chunk/unbind, pad, flip/roll/repeat/tril/triu, einsum, meshgrid) against
// PyTorch 1.13 (tools/fixtures/gen_shape.py), finite differences in float64, every dtype, and bad input.
using Fovea.Autograd;
using Fovea.Random;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Ops;

public class ShapeOpsTests
{
    // Several-output ops are compared through the same weighted concatenation the generator uses.
    private static Tensor Weighted(Tensor[] pieces) => Tensor.Cat(pieces.Select((p, i) => p.Reshape(-1) * (i + 1)).ToArray());

    private static Tensor Apply(string name, Tensor[] x) => name switch
    {
        "cat_dim0" => Tensor.Cat([x[0], x[1]], 0),
        "cat_dim_neg1" => Tensor.Cat(x, -1),
        "cat_3d_mid" => Tensor.Cat(x, 1),
        "cat_mixed_dtype" => Tensor.Cat(x, 1),
        "cat_legacy_empty" => Tensor.Cat(x, 1),
        "cat_int_bool" => Tensor.Cat(x, 0),
        "cat_uint8_int8" => Tensor.Cat(x, 0).To(DType.Int32),
        "stack_dim1" => Tensor.Stack(x, 1),
        "stack_neg1" => Tensor.Stack(x, -1),
        "split_size" => Weighted(x[0].Split(3, 0)),
        "split_sizes" => Weighted(x[0].Split([1, 3, 0, 2], -1)),
        "chunk_uneven" => Weighted(x[0].Chunk(3, 1)),
        "chunk_fewer" => Weighted(x[0].Chunk(4, 0)),
        "unbind_dim1" => Weighted(x[0].Unbind(1)),
        "pad_constant_2d" => Tensor.Pad(x[0], [1, 2, 0, 1], value: 0.5),
        "pad_constant_negative" => Tensor.Pad(x[0], [-1, 2, 1, -1]),
        "pad_constant_3pairs" => Tensor.Pad(x[0], [0, 1, 2, 0, 1, 1], value: -2),
        "pad_constant_int" => Tensor.Pad(x[0], [2, 1], value: 7),
        "pad_reflect_1d" => Tensor.Pad(x[0], [2, 3], "reflect"),
        "pad_reflect_2d" => Tensor.Pad(x[0], [1, 2, 3, 1], "reflect"),
        "pad_reflect_negative" => Tensor.Pad(x[0], [-1, 2], "reflect"),
        "pad_replicate_2d" => Tensor.Pad(x[0], [2, 1, 1, 3], "replicate"),
        "pad_replicate_3d" => Tensor.Pad(x[0], [1, 1, 2, 0, 1, 1], "replicate"),
        "pad_circular_2d" => Tensor.Pad(x[0], [1, 2, 3, 0], "circular"),
        "pad_circular_negative" => Tensor.Pad(x[0], [-1, 3], "circular"),
        "flip_0_2" => x[0].Flip(0, 2),
        "flip_neg1" => x[0].Flip(-1),
        "flip_int64" => x[0].Flip(0, 1),
        "roll_dims" => x[0].Roll([2, -3], [0, 2]),
        "roll_flat" => x[0].Roll(5),
        "roll_big_shift" => x[0].Roll(13, 1),
        "roll_uint8" => x[0].Roll(-1, 0),
        "repeat" => x[0].Repeat(2, 1, 3),
        "tile" => x[0].Tile(2),
        "repeat_interleave_dim1" => x[0].RepeatInterleave(2, 1),
        "repeat_interleave_flat" => x[0].RepeatInterleave(3),
        "repeat_interleave_counts" => x[0].RepeatInterleave([1, 0, 2], 0),
        "tril" => x[0].Tril(),
        "tril_neg1" => x[0].Tril(-1),
        "triu_2" => x[0].Triu(2),
        "triu_neg2" => x[0].Triu(-2),
        "tril_bool" => x[0].Tril(1),
        "einsum_matmul" => Tensor.Einsum("ij,jk->ik", x),
        "einsum_bmm" => Tensor.Einsum("bij,bjk->bik", x),
        "einsum_diag" => Tensor.Einsum("ii->i", x),
        "einsum_trace" => Tensor.Einsum("ii", x),
        "einsum_transpose" => Tensor.Einsum("ij->ji", x),
        "einsum_outer" => Tensor.Einsum("i,j->ij", x),
        "einsum_ellipsis_broadcast" => Tensor.Einsum("...ij,...jk->...ik", x),
        "einsum_attention" => Tensor.Einsum("bhqd,bhkd->bhqk", x),
        "einsum_rowdot" => Tensor.Einsum("ij,ij->i", x),
        "einsum_diag_nonadjacent" => Tensor.Einsum("iji->j", x),
        "einsum_dot" => Tensor.Einsum("i,i->", x),
        "einsum_sum_all" => Tensor.Einsum("ijk->", x),
        "einsum_three" => Tensor.Einsum("ij,jk,kl->il", x),
        "einsum_implicit" => Tensor.Einsum("ij,jk", x),
        "einsum_upper" => Tensor.Einsum("bA,ba", x),
        "einsum_sum_ellipsis" => Tensor.Einsum("...ij->ij", x),
        "einsum_bilinear" => Tensor.Einsum("bn,anm,bm->ba", x),
        "einsum_int" => Tensor.Einsum("ij,jk->ik", x),
        "meshgrid_ij" => Weighted(Tensor.Meshgrid(x, "ij")),
        "meshgrid_xy" => Weighted(Tensor.Meshgrid(x, "xy")),
        _ => throw new ArgumentException($"no mapping for fixture {name}"),
    };

    public static TheoryData<string> Cases => new(Fixture.Cases("shape"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var f = Fixture.Load("shape/" + name);
        var inputs = f.Keys.Where(k => k.StartsWith('x')).Order()
            .Select(k => DTypes.IsFloatingPoint(f[k].DType) ? f[k].RequiresGrad_() : f[k]).ToArray();
        var y = Apply(name, inputs);
        Assert.Equal(f["out"].DType, y.DType);
        // Copies are exact; einsum sums a few float32 products.
        Fixture.AssertClose(f["out"], y, 1e-5, 1e-5, name + " forward");
        if (!f.ContainsKey("gout")) return;
        y.Backward(f["gout"]);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!f.TryGetValue($"grad_x{i}", out var expected)) continue;
            Assert.Equal(expected.DType, inputs[i].Grad!.DType);
            Fixture.AssertClose(expected, inputs[i].Grad!, 1e-5, 1e-5, $"{name} grad x{i}");
        }
    }

    // ---------------------------------------------------------------- finite differences (float64)

    private static Tensor R(Generator g, params int[] shape) => Tensor.Randn(shape, DType.Float64, g, requiresGrad: true);

    public static TheoryData<string> GradCases => new(
    [
        "cat", "cat_transposed", "stack", "split", "chunk", "unbind",
        "pad_constant", "pad_constant_negative", "pad_reflect", "pad_replicate", "pad_circular",
        "flip", "roll", "roll_flat", "repeat", "tile", "repeat_interleave", "repeat_interleave_counts", "tril", "triu",
        "einsum_bmm", "einsum_diag_transposed", "einsum_trace", "einsum_three", "einsum_broadcast",
    ]);

    [Theory]
    [MemberData(nameof(GradCases))]
    public void GradientsMatchFiniteDifferences(string name)
    {
        var g = new Generator(11);
        // Transposing inside f hands the op a non-contiguous input.
        (Tensor[] x, Func<Tensor[], Tensor> f) c = name switch
        {
            "cat" => ([R(g, 2, 3), R(g, 2, 2)], t => Tensor.Cat(t, 1)),
            "cat_transposed" => ([R(g, 3, 2), R(g, 1, 2)], t => Tensor.Cat([t[0].T, t[1].T], -1)),
            "stack" => ([R(g, 3, 2), R(g, 2, 3)], t => Tensor.Stack([t[0], t[1].MT], 1)),
            "split" => ([R(g, 5, 3)], t => Weighted(t[0].T.Split(2, 1))),
            "chunk" => ([R(g, 7, 2)], t => Weighted(t[0].Chunk(3, 0))),
            "unbind" => ([R(g, 3, 4)], t => Weighted(t[0].T.Unbind(0))),
            "pad_constant" => ([R(g, 2, 3, 4)], t => Tensor.Pad(t[0].Transpose(1, 2), [1, 2, 0, 1], value: 3)),
            "pad_constant_negative" => ([R(g, 2, 5)], t => Tensor.Pad(t[0], [-2, 1, 1, -1])),
            "pad_reflect" => ([R(g, 1, 3, 4, 5)], t => Tensor.Pad(t[0].Transpose(2, 3), [2, 3, 1, 2], "reflect")),
            "pad_replicate" => ([R(g, 2, 3, 4)], t => Tensor.Pad(t[0].MT, [2, 1, 3, 0], "replicate")),
            "pad_circular" => ([R(g, 1, 2, 3, 4)], t => Tensor.Pad(t[0], [-1, 3, 3, 2], "circular")),
            "flip" => ([R(g, 3, 4)], t => t[0].T.Flip(0, 1)),
            "roll" => ([R(g, 3, 4, 2)], t => t[0].Transpose(0, 1).Roll([1, -5], [0, 1])),
            "roll_flat" => ([R(g, 3, 4)], t => t[0].T.Roll(7)),
            "repeat" => ([R(g, 2, 3)], t => t[0].T.Repeat(2, 2, 1)),
            "tile" => ([R(g, 2, 3)], t => t[0].Tile(3)),
            "repeat_interleave" => ([R(g, 2, 3)], t => t[0].T.RepeatInterleave(3, 0)),
            "repeat_interleave_counts" => ([R(g, 2, 3)], t => t[0].RepeatInterleave([2, 0, 3], -1)),
            "tril" => ([R(g, 2, 4, 3)], t => t[0].MT.Tril(-1)),
            "triu" => ([R(g, 4, 5)], t => t[0].Triu(1)),
            "einsum_bmm" => ([R(g, 2, 3, 4), R(g, 2, 5, 4)], t => Tensor.Einsum("bij,bjk->bik", t[0], t[1].MT)),
            "einsum_diag_transposed" => ([R(g, 2, 3, 3)], t => Tensor.Einsum("iji->j", t[0].Permute(1, 0, 2))),
            "einsum_trace" => ([R(g, 4, 4)], t => Tensor.Einsum("ii", t[0].T)),
            "einsum_three" => ([R(g, 2, 3), R(g, 3, 4), R(g, 4)], t => Tensor.Einsum("ij,jk,k->i", t)),
            "einsum_broadcast" => ([R(g, 1, 2, 3), R(g, 4, 3, 2)], t => Tensor.Einsum("...ij,...jk->...ik", t)),
            _ => throw new ArgumentException(name),
        };
        Assert.Null(GradCheck.Check(c.f, c.x));
    }

    [Fact]
    public void SecondDerivativesFlowThroughPadAndCat()
    {
        // d/dx sum(pad(x)^2 * w) = backward of pad applied to 2 * pad(x) * w; differentiate that again.
        var g = new Generator(5);
        var x = R(g, 1, 2, 5);
        var w = Tensor.Randn([1, 2, 9], DType.Float64, g);
        Assert.Null(GradCheck.Check(t =>
        {
            using var _ = GradMode.EnableGrad(); // the finite-difference pass runs f without gradients
            t[0].Grad = null;                      // GradCheck's own first-order result may be stored there
            var p = Tensor.Pad(t[0], [2, 2], "reflect");
            var y = Tensor.Cat([p, p * 2], 0);
            var loss = (y * y * Tensor.Cat([w, w], 0)).Sum();
            loss.Backward(createGraph: true);
            var gx = t[0].Grad!;
            t[0].Grad = null;
            return gx;
        }, [x]));
    }

    // ---------------------------------------------------------------- dtypes

    public static TheoryData<DType> AllDTypes => new(Enum.GetValues<DType>());

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void EveryDTypeMatchesFloat64(DType dtype)
    {
        // Values 0..n-1 (0/1 for bool) are exact in every dtype, so each op must agree with its float64 run.
        var baseline = Tensor.Arange(0, 24, 1, DType.Float64).Reshape(2, 3, 4);
        if (dtype == DType.Bool) baseline = Tensor.Remainder(baseline, Tensor.Scalar(2, DType.Float64));
        var x = baseline.To(dtype);
        var ops = new (string Name, Func<Tensor, Tensor> Op)[]
        {
            ("cat", t => Tensor.Cat([t, t.Flip(1)], 1)),
            ("stack", t => Tensor.Stack([t, t], 0)),
            ("split", t => t.Split(3, -1)[1]),
            ("pad_constant", t => Tensor.Pad(t, [1, 2, 1, 0], value: 1)),
            ("pad_reflect", t => Tensor.Pad(t, [2, 1], "reflect")),
            ("pad_replicate", t => Tensor.Pad(t, [1, 1, 2, 2], "replicate")),
            ("pad_circular", t => Tensor.Pad(t, [3, 1], "circular")),
            ("flip", t => t.Flip(0, 2)),
            ("roll", t => t.Roll([1, 2], [1, 2])),
            ("repeat", t => t.MT.Repeat(2, 1, 2)),
            ("repeat_interleave", t => t.RepeatInterleave(2, 1)),
            ("tril", t => t.Tril()),
            ("triu", t => t.MT.Triu(1)),
        };
        foreach (var (name, op) in ops)
        {
            var y = op(x);
            Assert.Equal(dtype, y.DType);
            Fixture.AssertClose(op(baseline), y, 0, 0, $"{name} ({DTypes.Name(dtype)})");
        }
    }

    [Fact]
    public void CatPromotesLikePyTorch()
    {
        Assert.Equal(DType.Float64, Tensor.Cat([Tensor.Zeros([1], DType.Float32), Tensor.Zeros([1], DType.Float64)]).DType);
        Assert.Equal(DType.Float32, Tensor.Cat([Tensor.Zeros([1], DType.Int64), Tensor.Zeros([1], DType.Float32)]).DType);
        Assert.Equal(DType.Int64, Tensor.Cat([Tensor.Zeros([1], DType.Bool), Tensor.Zeros([1], DType.Int64)]).DType);
        Assert.Equal(DType.Float32, Tensor.Cat([Tensor.Zeros([1], DType.Float16), Tensor.Zeros([1], DType.BFloat16)]).DType);
    }

    [Fact]
    public void CatFastAndStridedPathsAgree()
    {
        var g = new Generator(3);
        var a = Tensor.Randn([40, 30, 50], generator: g);
        var b = Tensor.Randn([40, 50, 20], generator: g);
        var strided = Tensor.Cat([a, b.MT.Contiguous().MT.MT], 1); // second operand non-contiguous
        var fast = Tensor.Cat([a, b.MT.Contiguous()], 1);
        Assert.Equal(fast.ToArray<float>(), strided.ToArray<float>());
        Assert.Equal(a.ToArray<float>(), fast.Narrow(1, 0, 30).ToArray<float>());
    }

    [Fact]
    public void SplitChunkAndUnbindReturnViews()
    {
        var x = Tensor.Arange(0, 12, 1, DType.Float32).Reshape(3, 4);
        foreach (var p in x.Split(3, 1).Concat(x.Chunk(2, 0)).Concat(x.Unbind(1)).Concat(x.Split([1, 2], 0)))
            Assert.Same(x.Storage, p.Storage);
        Assert.Equal([3, 1], x.Split(3, 1).Select(p => p.Size(1)));
        Assert.Equal(3, Tensor.Zeros([0, 2]).Chunk(3, 0).Length);
        Assert.Equal([1f, 5, 9], x.Unbind(1)[1].ToArray<float>());
    }

    [Fact]
    public void CopyingOpsNeverAliasTheirInput()
    {
        var x = Tensor.Ones([2, 3]);
        foreach (var y in new[] { x.Repeat(1, 1), x.Tile(1), x.RepeatInterleave(1, 0), x.Roll(0, 0), x.Flip(), Tensor.Pad(x, [0, 0], "reflect"), Tensor.Pad(x, [0, 0]) })
            Assert.NotSame(x.Storage, y.Storage);
    }

    [Fact]
    public void ResultsDoNotDependOnThreadCount()
    {
        var x = Tensor.Randn([4, 16, 64, 64], generator: new Generator(1)).RequiresGrad_();
        Threads.AssertSameForAnyCount(() =>
        {
            x.Grad = null;
            var y = Tensor.Cat([Tensor.Pad(x, [3, 3, 3, 3], "reflect"), Tensor.Pad(x, [3, 3, 3, 3], "circular")], 1).Tril();
            (y * y).Sum().Backward();
            return y.ToArray<float>().Concat(x.Grad!.ToArray<float>()).ToArray();
        });
    }

    [Fact]
    public void EmptyShapesFollowPyTorch()
    {
        var x = Tensor.Ones([2, 3]);
        Assert.Equal(new Shape(0, 3), x.Repeat(0, 1).Shape);
        Assert.Equal(new Shape(2, 0), x.RepeatInterleave(0, 1).Shape);
        Assert.Equal(new Shape(0, 5), Tensor.Pad(Tensor.Ones([0, 3]), [1, 1], value: 2).Shape);
        Assert.Equal(new Shape(0), Tensor.Cat([Tensor.Zeros([0]), Tensor.Zeros([0], DType.Int64)]).Shape);
        Assert.Equal(new Shape(0, 4), Tensor.Zeros([0, 4]).Roll([3, 1], [0, 1]).Shape);
        Assert.Equal(new Shape(0, 4), Tensor.Zeros([0, 4]).Flip(0, 1).Shape);
        Assert.Equal(new Shape(3, 2), Tensor.Einsum("i,j->ji", Tensor.Ones([2]), Tensor.Ones([3])).Shape);
        Assert.Equal(new Shape(3, 2), Tensor.Meshgrid([Tensor.Ones([2]), Tensor.Ones([3])], "xy")[0].Shape);
    }

    // ---------------------------------------------------------------- errors

    [Fact]
    public void BadInputNamesTheProblem()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Cat([Tensor.Zeros([2, 3]), Tensor.Zeros([2, 3]), Tensor.Zeros([2, 4])], 0));
        Assert.Contains("tensor 2", ex.Message);
        Assert.Contains("dim 0", ex.Message);
        Assert.Contains("(2, 4)", ex.Message);
        Assert.Contains("(2, 3)", ex.Message);
        Assert.Contains("zero-dimensional", Assert.Throws<ArgumentException>(() => Tensor.Cat([Tensor.Scalar(1)])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Cat([Tensor.Zeros([2, 3])], 2));
        Assert.Contains("tensor 1 has shape (3, 2)", Assert.Throws<ArgumentException>(() => Tensor.Stack([Tensor.Zeros([2, 3]), Tensor.Zeros([3, 2])])).Message);

        var pad = Assert.Throws<ArgumentException>(() => Tensor.Pad(Tensor.Zeros([1, 2, 3]), [3, 0], "reflect"));
        Assert.Contains("reflect padding (3, 0) of dimension 2 (size 3", pad.Message);
        Assert.Contains("more than once", Assert.Throws<ArgumentException>(() => Tensor.Pad(Tensor.Zeros([1, 2, 3]), [0, 4], "circular")).Message);
        Assert.Contains("unknown mode", Assert.Throws<ArgumentException>(() => Tensor.Pad(Tensor.Zeros([3]), [1, 1], "wrap")).Message);
        Assert.Contains("pairs", Assert.Throws<ArgumentException>(() => Tensor.Pad(Tensor.Zeros([3]), [1])).Message);
        Assert.Contains("invalid size -1", Assert.Throws<ArgumentException>(() => Tensor.Pad(Tensor.Zeros([2, 3]), [-2, -2])).Message);

        Assert.Contains("add up to 5", Assert.Throws<ArgumentException>(() => Tensor.Zeros([5]).Split([2, 2])).Message);
        Assert.Contains("appears more than once", Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 2]).Flip(0, -2)).Message);
        Assert.Contains("at least 2 are needed", Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 5]).Repeat(2)).Message);
        Assert.Contains("at least 2 dimensions", Assert.Throws<ArgumentException>(() => Tensor.Zeros([5]).Tril()).Message);
        Assert.Contains("pair up", Assert.Throws<ArgumentException>(() => Tensor.Zeros([5]).Roll([1, 2], [0])).Message);

        Assert.Contains("label 'j' has size 4", Assert.Throws<ArgumentException>(() => Tensor.Einsum("ij,jk", Tensor.Zeros([2, 3]), Tensor.Zeros([4, 2]))).Message);
        Assert.Contains("2 operand subscripts but 1", Assert.Throws<ArgumentException>(() => Tensor.Einsum("ij,jk", Tensor.Zeros([2, 3]))).Message);
        Assert.Contains("'k' does not appear", Assert.Throws<ArgumentException>(() => Tensor.Einsum("ij->k", Tensor.Zeros([2, 3]))).Message);
        Assert.Contains("name 3", Assert.Throws<ArgumentException>(() => Tensor.Einsum("ijk", Tensor.Zeros([2, 3]))).Message);
        Assert.Contains("invalid subscript '1'", Assert.Throws<ArgumentException>(() => Tensor.Einsum("i1", Tensor.Zeros([2, 3]))).Message);
    }
}
