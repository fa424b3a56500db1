// The kernel interface of the normalization family (batch, layer, group and instance norm).
using Fovea.Kernels.Cpu;

namespace Fovea.Kernels;

/// <summary>
/// Normalization over contiguous tensors seen as (N, C, S) for batch statistics (one mean per channel, over N and S),
/// or as rows for per-sample statistics (layer/group/instance norm). In the row layout, row r is sample r / G, group
/// r % G, and holds Cg channels of S values each; the affine parameters are indexed by channel
/// (r % G) * Cg + j / S. Statistics are kept in double.
/// </summary>
internal interface INormalizationKernels
{
    /// <summary>Per-channel mean and biased variance of x (N, C, S).</summary>
    void ChannelStats(Tensor x, int n, int c, int s, double[] mean, double[] var);
    /// <summary>y = (x - mean[c]) * invStd[c] * gamma[c] + beta[c] for x (N, C, S).</summary>
    void ChannelNormalize(Tensor x, int n, int c, int s, double[] mean, double[] invStd, Tensor? gamma, Tensor? beta, Tensor y);
    /// <summary>
    /// Gradients of <see cref="ChannelNormalize"/>. With <paramref name="batchStats"/> the mean and variance were computed
    /// from x itself and their gradient is included. dGamma/dBeta receive per-channel sums (when not null).
    /// </summary>
    void ChannelBackward(Tensor dy, Tensor x, int n, int c, int s, double[] mean, double[] invStd, Tensor? gamma,
        bool batchStats, Tensor? dx, double[]? dGamma, double[]? dBeta);

    /// <summary>Row statistics and normalisation: y = (x - mean[r]) * invStd[r] * gamma[ch] + beta[ch].</summary>
    void RowNormalize(Tensor x, int rows, int g, int cg, int s, double eps, Tensor? gamma, Tensor? beta, Tensor y, double[] mean, double[] invStd);
    /// <summary>Gradients of <see cref="RowNormalize"/> for x and (per channel) gamma and beta.</summary>
    void RowBackward(Tensor dy, Tensor x, int rows, int g, int cg, int s, double[] mean, double[] invStd, Tensor? gamma,
        Tensor? dx, double[]? dGamma, double[]? dBeta);
}

internal static class NormalizationKernels
{
    public static INormalizationKernels For(Device device) => device.Type switch
    {
        DeviceType.Cpu => CpuNormalizationKernels.Instance,
        _ => throw new NotSupportedException($"No normalization kernels for device {device}."),
    };
}
