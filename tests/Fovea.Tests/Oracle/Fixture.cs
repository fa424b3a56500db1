// Loads PyTorch-generated fixtures (tools/fixtures/*.py) and compares tensors with stated tolerances.
using Fovea.IO;
using Xunit;

namespace Fovea.Tests.Oracle;

public static class Fixture
{
    public static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    /// <summary>The arrays of Fixtures/<paramref name="name"/>.npz, e.g. "elementwise/exp".</summary>
    public static Dictionary<string, Tensor> Load(string name) => Npy.LoadArchive(Path.Combine(Root, name + ".npz"));

    /// <summary>Case names of a fixture family (file names without extension).</summary>
    public static IEnumerable<string> Cases(string family) =>
        Directory.EnumerateFiles(Path.Combine(Root, family), "*.npz").Select(Path.GetFileNameWithoutExtension).Order()!;

    /// <summary>Asserts |actual - expected| &lt;= atol + rtol * |expected| elementwise, with same shapes.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double atol, double rtol, string what)
    {
        Assert.True(expected.Shape == actual.Shape, $"{what}: shape {actual.Shape}, expected {expected.Shape}");
        var e = expected.To(DType.Float64).ToArray<double>();
        var a = actual.To(DType.Float64).ToArray<double>();
        for (int i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i]) && double.IsNaN(a[i])) continue;
            double tol = atol + rtol * Math.Abs(e[i]);
            Assert.True(Math.Abs(a[i] - e[i]) <= tol, $"{what}[{i}]: {a[i]:G9}, expected {e[i]:G9} (tolerance {tol:G3})");
        }
    }
}
