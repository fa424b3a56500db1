// Checks analytic gradients against central finite differences in float64 (the first of the two oracles every
// op is tested against; the second is PyTorch).
using Fovea.Random;

namespace Fovea.Autograd;

/// <summary>Finite-difference gradient checking, like torch.autograd.gradcheck.</summary>
public static class GradCheck
{
    /// <summary>
    /// Compares the vector-Jacobian product of <paramref name="f"/> for a fixed random output weighting with
    /// central differences of step <paramref name="eps"/>, element by element of every input that requires
    /// gradients. Inputs must be float64. Returns null on success, else a description of the worst mismatch.
    /// </summary>
    public static string? Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3, ulong seed = 1234)
    {
        foreach (var x in inputs)
            if (x.RequiresGrad && x.DType != DType.Float64)
                throw new ArgumentException($"GradCheck: inputs that require gradients must be float64, got {DTypes.Name(x.DType)} of shape {x.Shape}.");
        foreach (var x in inputs) x.Grad = null;

        var y = f(inputs);
        var w = Tensor.Randn(y.ShapeArray, DType.Float64, new Generator(seed));
        var loss = (y.To(DType.Float64) * w).Sum();
        loss.Backward();

        double Objective()
        {
            using var _ = GradMode.NoGrad();
            var yy = f(inputs);
            return (yy.To(DType.Float64) * w).Sum().ToDouble();
        }

        string? worst = null;
        double worstExcess = 0;
        for (int k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k];
            if (!x.RequiresGrad) continue;
            var data = x.RawArray<double>();
            var analytic = x.Grad?.ToArray<double>() ?? new double[x.NumElements];
            var offsets = ElementOffsets(x);
            for (int i = 0; i < offsets.Length; i++)
            {
                int o = offsets[i];
                double orig = data[o];
                data[o] = orig + eps;
                double plus = Objective();
                data[o] = orig - eps;
                double minus = Objective();
                data[o] = orig;
                double numeric = (plus - minus) / (2 * eps);
                double err = Math.Abs(numeric - analytic[i]);
                double excess = err - (atol + rtol * Math.Abs(numeric));
                if (excess > worstExcess)
                {
                    worstExcess = excess;
                    worst = $"input {k} (shape {x.Shape}) element {i}: analytic {analytic[i]:G6}, numeric {numeric:G6}";
                }
            }
        }
        return worst;
    }

    /// <summary>Storage offsets of the elements of <paramref name="x"/> in row-major logical order.</summary>
    private static int[] ElementOffsets(Tensor x)
    {
        var r = new int[x.NumElements];
        var idx = new int[x.Rank];
        for (int i = 0; i < r.Length; i++)
        {
            int o = x.Offset;
            for (int d = 0; d < x.Rank; d++) o += idx[d] * x.Strides[d];
            r[i] = o;
            for (int d = x.Rank - 1; d >= 0; d--)
            {
                if (++idx[d] < x.Shape[d]) break;
                idx[d] = 0;
            }
        }
        return r;
    }
}
