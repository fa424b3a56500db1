// Elementwise ops, reductions and their gradients against PyTorch 1.13 (tools/fixtures/gen_elementwise.py).
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Ops;

public class ElementwiseFixtureTests
{
    private static Tensor Apply(string name, Tensor[] x) => name switch
    {
        "neg" => -x[0], "abs" => x[0].Abs(), "exp" => x[0].Exp(), "tanh" => x[0].Tanh(), "sigmoid" => x[0].Sigmoid(),
        "sin" => x[0].Sin(), "cos" => x[0].Cos(), "erf" => x[0].Erf(), "expm1" => x[0].Expm1(), "square" => x[0].Square(),
        "relu" => x[0].Relu(), "relu6" => x[0].Relu6(), "leaky_relu" => x[0].LeakyRelu(0.1), "elu" => x[0].Elu(0.7),
        "gelu" => x[0].Gelu(), "gelu_tanh" => x[0].Gelu(approximateTanh: true), "silu" => x[0].Silu(),
        "softplus" => x[0].Softplus(2, 3), "mish" => x[0].Mish(), "hardswish" => x[0].Hardswish(),
        "hardsigmoid" => x[0].Hardsigmoid(), "clamp" => x[0].Clamp(-1, 1.5), "pow3" => x[0].Pow(3),
        "sqrt" => x[0].Sqrt(), "rsqrt" => x[0].Rsqrt(), "log" => x[0].Log(), "log1p" => x[0].Log1p(),
        "reciprocal" => x[0].Reciprocal(), "pow_half" => x[0].Pow(0.5),
        "add_broadcast" => x[0] + x[1], "sub_broadcast" => x[0] - x[1], "mul_broadcast" => x[0] * x[1],
        "maximum_broadcast" => x[0].Maximum(x[1]), "minimum_broadcast" => x[0].Minimum(x[1]),
        "atan2_broadcast" => Tensor.Atan2(x[0], x[1]), "div_broadcast" => x[0] / (x[1].Abs() + 0.5),
        "pow_broadcast" => (x[0].Abs() + 0.5).Pow(x[1]), "where" => Tensor.Where(x[0].Gt(x[1]), x[0] * 2, x[1] * 3),
        "sum_dims" => x[0].Sum([0, 2]), "mean_keepdim" => x[0].Mean([1], keepDim: true),
        _ => throw new ArgumentException($"no mapping for fixture {name}"),
    };

    public static TheoryData<string> Cases => new(Fixture.Cases("elementwise"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var f = Fixture.Load("elementwise/" + name);
        var inputs = f.Keys.Where(k => k.StartsWith('x')).Order().Select(k => f[k].RequiresGrad_()).ToArray();
        var y = Apply(name, inputs);
        // float32 on both sides; tolerance covers differing exp/erf/tanh implementations.
        Fixture.AssertClose(f["out"], y, 1e-5, 1e-5, name + " forward");
        y.Backward(f["gout"]);
        for (int i = 0; i < inputs.Length; i++)
            Fixture.AssertClose(f[$"grad_x{i}"], inputs[i].Grad!, 1e-5, 1e-4, $"{name} grad x{i}");
    }
}
