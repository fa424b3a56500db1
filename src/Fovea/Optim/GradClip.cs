// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_).
using Fovea.Autograd;

namespace Fovea.Optim;

public static class GradClip
{
    /// <summary>
    /// Scales all gradients together so their combined p-norm is at most <paramref name="maxNorm"/>; returns the
    /// norm before clipping. <paramref name="normType"/> may be double.PositiveInfinity.
    /// </summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2)
    {
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0;
        using var _ = GradMode.NoGrad();
        double total;
        if (double.IsPositiveInfinity(normType))
            total = grads.Max(g => g.Abs().ToFloatArray().DefaultIfEmpty().Max());
        else
            total = Math.Pow(grads.Sum(g => g.To(DType.Float64).Abs().Pow(normType).Sum().ToDouble()), 1 / normType);
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1)
            foreach (var g in grads) g.MulInPlace(coef);
        return total;
    }

    /// <summary>Clamps every gradient element to [-clipValue, clipValue].</summary>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        using var _ = GradMode.NoGrad();
        foreach (var p in parameters)
            p.Grad?.ClampInPlace(-clipValue, clipValue);
    }
}
