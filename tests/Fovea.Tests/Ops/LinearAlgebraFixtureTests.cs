// Matrix products and their gradients against PyTorch 1.13 (tools/fixtures/gen_linalg.py).
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.Ops;

public class LinearAlgebraFixtureTests
{
    private static Tensor Apply(string name, Tensor[] x) => name switch
    {
        "matmul_2d" or "matmul_batch_broadcast" or "matmul_vec_mat" or "matmul_mat_vec" => Tensor.MatMul(x[0], x[1]),
        "linear" => Tensor.Linear(x[0], x[1], x[2]),
        "bmm" => Tensor.Bmm(x[0], x[1]),
        "addmm" => Tensor.Addmm(x[0], x[1], x[2], 0.5, 2),
        "outer" => Tensor.Outer(x[0], x[1]),
        "dot" => Tensor.Dot(x[0], x[1]),
        _ => throw new ArgumentException($"no mapping for fixture {name}"),
    };

    public static TheoryData<string> Cases => new(Fixture.Cases("linalg"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var f = Fixture.Load("linalg/" + name);
        var inputs = f.Keys.Where(k => k.StartsWith('x')).Order().Select(k => f[k].RequiresGrad_()).ToArray();
        var y = Apply(name, inputs);
        // float32 sums of up to 8 products: 1e-5 absolute covers the different summation orders.
        Fixture.AssertClose(f["out"], y, 1e-5, 1e-5, name + " forward");
        y.Backward(f["gout"]);
        for (int i = 0; i < inputs.Length; i++)
            Fixture.AssertClose(f[$"grad_x{i}"], inputs[i].Grad!, 1e-5, 1e-5, $"{name} grad x{i}");
    }
}
