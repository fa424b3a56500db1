// Normalization primitives (torch.nn.functional.batch_norm, layer_norm, group_norm, instance_norm) with their
// gradients; the arithmetic is in Kernels/Cpu/Normalization. Gradients are first order (the backward is a kernel).
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// Batch normalization of input (N, C, *) over N and the spatial dims. In training the batch statistics are used and
    /// the running statistics (when given) are updated in place: running = (1 - momentum) running + momentum batch, with
    /// the unbiased variance. In evaluation the running statistics are used.
    /// </summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        var (n, c, s) = ChannelLayout(input, "BatchNorm");
        CheckChannelParam(runningMean, c, "BatchNorm", "runningMean");
        CheckChannelParam(runningVar, c, "BatchNorm", "runningVar");
        CheckChannelParam(weight, c, "BatchNorm", "weight");
        CheckChannelParam(bias, c, "BatchNorm", "bias");
        var kernels = NormalizationKernels.For(input.Device);
        using var x = input.Contiguous();
        var mean = new double[c];
        var variance = new double[c];
        if (training)
        {
            if ((long)n * s <= 1) throw new ArgumentException($"BatchNorm: expected more than 1 value per channel when training, got input of shape {input.Shape}.");
            kernels.ChannelStats(x, n, c, s, mean, variance);
            if (runningMean != null && runningVar != null)
            {
                double unbias = (double)n * s / ((double)n * s - 1);
                UpdateRunning(runningMean, mean, momentum, 1);
                UpdateRunning(runningVar, variance, momentum, unbias);
            }
        }
        else
        {
            if (runningMean == null || runningVar == null) throw new ArgumentException("BatchNorm: running mean and variance are required in evaluation mode.");
            mean = runningMean.ToDoubles();
            variance = runningVar.ToDoubles();
        }
        var invStd = Array.ConvertAll(variance, v => 1 / Math.Sqrt(v + eps));
        var y = Empty(input.Shape, input.DType);
        kernels.ChannelNormalize(x, n, c, s, mean, invStd, weight, bias, y);
        if (!Graph.Needs(input) && !(weight != null && Graph.Needs(weight)) && !(bias != null && Graph.Needs(bias))) return y;
        return Graph.Record(y, "BatchNorm", [input, weight, bias], dy =>
        {
            using var dyc = dy.Contiguous();
            using var xs = input.Contiguous();
            var dx = input.RequiresGrad ? Empty(input.Shape, input.DType) : null;
            var dGamma = weight is { RequiresGrad: true } ? new double[c] : null;
            var dBeta = bias is { RequiresGrad: true } ? new double[c] : null;
            kernels.ChannelBackward(dyc, xs, n, c, s, mean, invStd, weight, training, dx, dGamma, dBeta);
            return [dx, FromDoubles(dGamma, weight), FromDoubles(dBeta, bias)];
        }, input);
    }

    /// <summary>Layer normalization over the trailing <paramref name="normalizedShape"/> dims; weight and bias have that shape.</summary>
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        int k = normalizedShape.Length;
        if (k == 0 || k > input.Rank || !input.ShapeArray[^k..].SequenceEqual(normalizedShape))
            throw new ArgumentException($"LayerNorm: normalized shape ({string.Join(", ", normalizedShape)}) must match the trailing dims of the input, got input shape {input.Shape}.");
        int d = new Shape(normalizedShape).NumElements;
        foreach (var (p, name) in new[] { (weight, "weight"), (bias, "bias") })
            if (p != null && !p.ShapeArray.SequenceEqual(normalizedShape))
                throw new ArgumentException($"LayerNorm: {name} must have shape ({string.Join(", ", normalizedShape)}), got {p.Shape}.");
        int rows = d == 0 ? 0 : input.NumElements / d;
        return RowNorm(input, rows, 1, d, 1, weight, bias, eps, "LayerNorm", out _, out _);
    }

    /// <summary>Group normalization of input (N, C, *): statistics per sample over C / groups channels; weight and bias are (C).</summary>
    public static Tensor GroupNorm(Tensor input, int numGroups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        var (n, c, s) = ChannelLayout(input, "GroupNorm");
        if (numGroups < 1 || c % numGroups != 0) throw new ArgumentException($"GroupNorm: {c} channels cannot be split into {numGroups} groups.");
        CheckChannelParam(weight, c, "GroupNorm", "weight");
        CheckChannelParam(bias, c, "GroupNorm", "bias");
        return RowNorm(input, n * numGroups, numGroups, c / numGroups, s, weight, bias, eps, "GroupNorm", out _, out _);
    }

    /// <summary>
    /// Instance normalization of input (N, C, *): statistics per sample and channel. With running statistics given they are
    /// updated from the batch (the mean of the instance statistics); <paramref name="useInputStats"/> false normalises
    /// with the running statistics instead (evaluation of a tracking InstanceNorm).
    /// </summary>
    public static Tensor InstanceNorm(Tensor input, Tensor? runningMean = null, Tensor? runningVar = null, Tensor? weight = null,
        Tensor? bias = null, bool useInputStats = true, double momentum = 0.1, double eps = 1e-5)
    {
        var (n, c, s) = ChannelLayout(input, "InstanceNorm");
        if (!useInputStats) return BatchNorm(input, runningMean, runningVar, weight, bias, training: false, eps: eps);
        CheckChannelParam(weight, c, "InstanceNorm", "weight");
        CheckChannelParam(bias, c, "InstanceNorm", "bias");
        CheckChannelParam(runningMean, c, "InstanceNorm", "runningMean");
        CheckChannelParam(runningVar, c, "InstanceNorm", "runningVar");
        var y = RowNorm(input, n * c, c, 1, s, weight, bias, eps, "InstanceNorm", out var mean, out var invStd);
        if (runningMean != null && runningVar != null)
        {
            double unbias = s > 1 ? (double)s / (s - 1) : 1;
            var bm = new double[c];
            var bv = new double[c];
            for (int i = 0; i < n; i++)
                for (int ch = 0; ch < c; ch++)
                {
                    bm[ch] += mean[i * c + ch] / n;
                    bv[ch] += (1 / (invStd[i * c + ch] * invStd[i * c + ch]) - eps) * unbias / n;
                }
            UpdateRunning(runningMean, bm, momentum, 1);
            UpdateRunning(runningVar, bv, momentum, 1);
        }
        return y;
    }

    // Per-row statistics over rows of cg * s values (see INormalizationKernels for the layout).
    private static Tensor RowNorm(Tensor input, int rows, int g, int cg, int s, Tensor? weight, Tensor? bias, double eps, string op,
        out double[] mean, out double[] invStd)
    {
        if (!DTypes.IsFloatingPoint(input.DType) || input.DType is DType.Float16 or DType.BFloat16)
            throw new ArgumentException($"{op}: input must be float32 or float64, got {DTypes.Name(input.DType)}.");
        var kernels = NormalizationKernels.For(input.Device);
        using var x = input.Contiguous();
        var y = Empty(input.Shape, input.DType);
        var m = mean = new double[rows];
        var inv = invStd = new double[rows];
        kernels.RowNormalize(x, rows, g, cg, s, eps, weight, bias, y, m, inv);
        if (!Graph.Needs(input) && !(weight != null && Graph.Needs(weight)) && !(bias != null && Graph.Needs(bias))) return y;
        return Graph.Record(y, op, [input, weight, bias], dy =>
        {
            using var dyc = dy.Contiguous();
            using var xs = input.Contiguous();
            var dx = input.RequiresGrad ? Empty(input.Shape, input.DType) : null;
            var dGamma = weight is { RequiresGrad: true } ? new double[g * cg] : null;
            var dBeta = bias is { RequiresGrad: true } ? new double[g * cg] : null;
            kernels.RowBackward(dyc, xs, rows, g, cg, s, m, inv, weight, dx, dGamma, dBeta);
            return [dx, FromDoubles(dGamma, weight), FromDoubles(dBeta, bias)];
        }, input);
    }

    /// <summary>(N, C, prod of the rest) for a normalization input of rank >= 2.</summary>
    private static (int N, int C, int S) ChannelLayout(Tensor input, string op)
    {
        if (input.Rank < 2) throw new ArgumentException($"{op}: input must be (N, C, *), got shape {input.Shape}.");
        if (!DTypes.IsFloatingPoint(input.DType) || input.DType is DType.Float16 or DType.BFloat16)
            throw new ArgumentException($"{op}: input must be float32 or float64, got {DTypes.Name(input.DType)}.");
        int s = 1;
        for (int d = 2; d < input.Rank; d++) s *= input.Size(d);
        return (input.Size(0), input.Size(1), s);
    }

    private static void CheckChannelParam(Tensor? p, int c, string op, string name)
    {
        if (p != null && (p.Rank != 1 || p.Size(0) != c))
            throw new ArgumentException($"{op}: {name} must have shape ({c}) for an input with {c} channels, got {p.Shape}.");
    }

    private static void UpdateRunning(Tensor running, double[] batch, double momentum, double scale)
    {
        var r = running.ToDoubles();
        for (int i = 0; i < r.Length; i++) r[i] = (1 - momentum) * r[i] + momentum * batch[i] * scale;
        using var src = FromArray(r, running.ShapeArray);
        using (GradMode.NoGrad()) running.CopyFrom(src);
    }

    private double[] ToDoubles()
    {
        using var d = To(DType.Float64);
        return d.ToArray<double>();
    }

    private static Tensor? FromDoubles(double[]? values, Tensor? like)
    {
        if (values == null || like == null) return null;
        using var d = FromArray(values, like.ShapeArray);
        return d.To(like.DType);
    }
}
