// Every elementwise op: values against the scalar reference, and gradients against finite differences in float64,
// on contiguous, broadcast and non-contiguous (transposed) inputs.
using Fovea.Autograd;
using Fovea.Random;
using Xunit;

namespace Fovea.Tests.Ops;

public class ElementwiseGradTests
{
    // Inputs kept away from kinks (0 for relu/abs, +-3 for hard*) so central differences are valid.
    private static Tensor Input(int[] shape, ulong seed, double lo = -2, double hi = 2)
    {
        var t = Tensor.Rand(shape, DType.Float64, new Generator(seed)) * (hi - lo) + lo;
        var away = Tensor.Where(t.Abs().Lt(0.05), t + 0.1, t);
        var away3 = Tensor.Where((away.Abs() - 3).Abs().Lt(0.05), away + 0.1, away);
        return away3.Detach().RequiresGrad_();
    }

    public static TheoryData<string> UnaryNames => new()
    {
        "Neg", "Abs", "Sqrt", "Rsqrt", "Exp", "Log", "Log1p", "Expm1", "Sin", "Cos", "Tanh", "Sigmoid", "Erf",
        "Relu", "Relu6", "LeakyRelu", "Elu", "Gelu", "GeluTanh", "Silu", "Softplus", "Mish", "Hardswish", "Hardsigmoid",
        "Reciprocal", "Square", "Pow3", "PowHalf", "Clamp", "AddScalar", "MulScalar", "RSubScalar", "RDivScalar",
    };

    private static Tensor ApplyUnary(string name, Tensor x) => name switch
    {
        "Neg" => -x,
        "Abs" => x.Abs(),
        "Sqrt" => x.Abs().Sqrt(),
        "Rsqrt" => (x.Abs() + 0.5).Rsqrt(),
        "Exp" => x.Exp(),
        "Log" => x.Abs().Log(),
        "Log1p" => x.Abs().Log1p(),
        "Expm1" => x.Expm1(),
        "Sin" => x.Sin(),
        "Cos" => x.Cos(),
        "Tanh" => x.Tanh(),
        "Sigmoid" => x.Sigmoid(),
        "Erf" => x.Erf(),
        "Relu" => x.Relu(),
        "Relu6" => (x * 4).Relu6(),
        "LeakyRelu" => x.LeakyRelu(0.2),
        "Elu" => x.Elu(0.7),
        "Gelu" => x.Gelu(),
        "GeluTanh" => x.Gelu(approximateTanh: true),
        "Silu" => x.Silu(),
        "Softplus" => x.Softplus(2, 3),
        "Mish" => x.Mish(),
        "Hardswish" => (x * 2).Hardswish(),
        "Hardsigmoid" => (x * 2).Hardsigmoid(),
        "Reciprocal" => (x.Abs() + 0.5).Reciprocal(),
        "Square" => x.Square(),
        "Pow3" => x.Pow(3),
        "PowHalf" => (x.Abs() + 0.1).Pow(0.5),
        "Clamp" => x.Clamp(-1, 1.2),
        "AddScalar" => x + 1.5,
        "MulScalar" => 2.5 * x,
        "RSubScalar" => 1 - x,
        "RDivScalar" => 2 / (x.Abs() + 0.5),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void UnaryGradientsMatchFiniteDifferences(string name)
    {
        var x = Input([3, 4], 11);
        Assert.Null(GradCheck.Check(xs => ApplyUnary(name, xs[0]), [x]));
        var xt = Input([4, 3], 12).Detach().T.RequiresGrad_(); // non-contiguous leaf
        Assert.Null(GradCheck.Check(xs => ApplyUnary(name, xs[0]), [xt]));
    }

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void Float32PathMatchesFloat64Reference(string name)
    {
        using var _ = GradMode.NoGrad();
        var x64 = Input([5, 37], 13).Detach();
        var want = ApplyUnary(name, x64).ToArray<double>();
        var got = ApplyUnary(name, x64.To(DType.Float32)).To(DType.Float64).ToArray<double>();
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - got[i]) <= 1e-5 * (1 + Math.Abs(want[i])), $"{name}[{i}]: float32 {got[i]} vs float64 {want[i]}");
    }

    public static TheoryData<string> BinaryNames => new() { "Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum", "Atan2", "Where" };

    private static Tensor ApplyBinary(string name, Tensor a, Tensor b) => name switch
    {
        "Add" => a + b,
        "Sub" => a - b,
        "Mul" => a * b,
        "Div" => a / (b.Abs() + 0.5),
        "Pow" => (a.Abs() + 0.5).Pow(b),
        "Maximum" => a.Maximum(b),
        "Minimum" => a.Minimum(b),
        "Atan2" => Tensor.Atan2(a, b),
        "Where" => Tensor.Where(a.Gt(b), a * 2, b * 3),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(BinaryNames))]
    public void BinaryGradientsMatchFiniteDifferencesWithBroadcasting(string name)
    {
        Assert.Null(GradCheck.Check(xs => ApplyBinary(name, xs[0], xs[1]), [Input([2, 3], 21), Input([2, 3], 22)]));
        Assert.Null(GradCheck.Check(xs => ApplyBinary(name, xs[0], xs[1]), [Input([2, 1, 4], 23), Input([3, 1], 24)]));
        var at = Input([4, 3], 25).Detach().T.RequiresGrad_();
        Assert.Null(GradCheck.Check(xs => ApplyBinary(name, xs[0], xs[1]), [at, Input([4], 26)]));
    }

    [Fact]
    public void BroadcastingFollowsNumPyRules()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3 }, 3, 1);
        var b = Tensor.FromArray(new float[] { 10, 20 }, 1, 2);
        var c = a + b;
        Assert.Equal(new Shape(3, 2), c.Shape);
        Assert.Equal(new float[] { 11, 21, 12, 22, 13, 23 }, c.ToArray<float>());
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3]) + Tensor.Zeros([4]));
        Assert.Contains("(2, 3)", ex.Message);
        Assert.Contains("(4,)", ex.Message);
    }

    [Fact]
    public void TypePromotionMatchesPyTorch()
    {
        var i = Tensor.FromArray(new long[] { 1, 2, 3 });
        var f = Tensor.FromArray(new float[] { 0.5f, 0.5f, 0.5f });
        Assert.Equal(DType.Float32, (i + f).DType);
        Assert.Equal(DType.Int64, (i * 2).DType);
        Assert.Equal(DType.Float32, (i * 2.5).DType);
        Assert.Equal(DType.Float32, (i / Tensor.FromArray(new long[] { 2, 2, 2 })).DType);
        Assert.Equal(new float[] { 0.5f, 1, 1.5f }, (i / Tensor.FromArray(new long[] { 2, 2, 2 })).ToArray<float>());
        Assert.Equal(DType.Float64, (f + Tensor.Zeros([3], DType.Float64)).DType);
    }

    [Fact]
    public void ComparisonsAndLogicalOps()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, float.NaN, float.PositiveInfinity });
        Assert.Equal(new[] { false, true, false, true }, a.Gt(1).ToArray<bool>());
        Assert.Equal(new[] { false, false, true, false }, a.IsNaN().ToArray<bool>());
        Assert.Equal(new[] { false, false, false, true }, a.IsInf().ToArray<bool>());
        Assert.Equal(new[] { true, true, false, false }, a.IsFinite().ToArray<bool>());
        Assert.Equal(new[] { true, false, true, false }, a.Lt(2).LogicalOr(a.IsNaN()).ToArray<bool>());
        Assert.Equal(new[] { false, true, false, true }, a.Lt(2).LogicalOr(a.IsNaN()).LogicalNot().ToArray<bool>());
    }

    [Fact]
    public void RoundIsHalfToEvenAndReluKeepsNaN()
    {
        var a = Tensor.FromArray(new float[] { 0.5f, 1.5f, 2.5f, -0.5f });
        Assert.Equal(new float[] { 0, 2, 2, -0f }, a.Round().ToArray<float>());
        Assert.True(float.IsNaN(Tensor.FromArray(new float[] { float.NaN }).Relu().ToArray<float>()[0]));
    }

    [Fact]
    public void LargeTensorsTakeTheVectorPathAndAgreeWithSmallOnes()
    {
        var x = Tensor.Randn([3, 70001], generator: new Generator(5));
        var y = (x.Tanh() * x.Sigmoid() + x.T.Contiguous().T).ToArray<float>();
        var xs = x.ToArray<float>();
        for (int i = 0; i < xs.Length; i += 997)
        {
            double v = xs[i];
            double want = Math.Tanh(v) / (1 + Math.Exp(-v)) + v;
            Assert.True(Math.Abs(y[i] - want) < 1e-5, $"element {i}: {y[i]} vs {want}");
        }
    }

    [Fact]
    public void SumAndMeanOverAxes()
    {
        var t = Tensor.Arange(24, DType.Float64).Reshape(2, 3, 4);
        Assert.Equal(new double[] { 12 + 13 + 14 + 15 + 16 + 17 + 18 + 19 + 20 + 21 + 22 + 23 }, t.Select(0, 1).Sum([0, 1], false).Reshape(1).ToArray<double>());
        Assert.Equal(new Shape(2, 1, 4), t.Sum(1, keepDim: true).Shape);
        Assert.Equal(new double[] { 12, 15, 18, 21, 48, 51, 54, 57 }, t.Sum(1).ToArray<double>());
        Assert.Equal(new double[] { 6, 22, 38, 54, 70, 86 }, t.Sum(-1).ToArray<double>());
        Assert.Equal(new double[] { 60, 66, 72, 78 }, t.Sum([0, 1]).ToArray<double>());
        Assert.Equal(11.5, t.Mean().ToDouble());
        Assert.Equal(DType.Int64, Tensor.Ones([3], DType.Bool).Sum().DType);
        var x = Input([2, 3, 4], 31);
        Assert.Null(GradCheck.Check(xs => xs[0].Sum([0, 2]), [x]));
        Assert.Null(GradCheck.Check(xs => xs[0].Permute(2, 0, 1).Mean([1], keepDim: true), [x]));
    }

    [Fact]
    public void ViewOpsPassGradCheck()
    {
        var x = Input([2, 3, 4], 41);
        Assert.Null(GradCheck.Check(xs => xs[0].Permute(2, 0, 1).Reshape(4, 6) * Tensor.Arange(6, DType.Float64), [x]));
        Assert.Null(GradCheck.Check(xs => xs[0].Slice(2, 1, 4, 2).Square(), [x]));
        Assert.Null(GradCheck.Check(xs => xs[0].Select(1, 2).Exp(), [x]));
        Assert.Null(GradCheck.Check(xs => xs[0].Unsqueeze(1).Expand(2, 5, 3, 4).Sin(), [x]));
        Assert.Null(GradCheck.Check(xs => xs[0].Unfold(2, 2, 1).Square(), [x]));
        Assert.Null(GradCheck.Check(xs => xs[0].Flatten(1).Transpose(0, 1).Contiguous().Cos(), [x]));
    }
}
