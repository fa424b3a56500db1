// The kernel interface of the resampling family (see IElementwiseKernels for the dispatch pattern).
using Fovea.Kernels.Cpu;

namespace Fovea.Kernels;

/// <summary>
/// Resampling kernels on contiguous tensors with preallocated outputs. Separable resampling (interpolation)
/// reads each output pixel as a weighted sum over a few taps per axis (see <see cref="ResampleTaps"/>).
/// </summary>
internal interface IResamplingKernels
{
    /// <summary>y (P, OH, OW) = sum_ij h.Weight[oh, i] * w.Weight[ow, j] * x (P, H, W)[h.Index[oh, i], w.Index[ow, j]].</summary>
    void Resample(Tensor x, Tensor y, int planes, ResampleTaps h, ResampleTaps w);
    /// <summary>dx (P, H, W) = the adjoint of <see cref="Resample"/> applied to dy (dx is overwritten).</summary>
    void ResampleAdjoint(Tensor dy, Tensor dx, int planes, ResampleTaps h, ResampleTaps w);
    /// <summary>y (N, C, OH, OW) = x (N, C, H, W) sampled at grid (N, OH, OW, 2) (x, y in [-1, 1]).</summary>
    void GridSample(Tensor x, Tensor grid, Tensor y, GridSampleOptions o);
    /// <summary>dx (overwritten) and dgrid (overwritten; zero for nearest) from dy; either may be null.</summary>
    void GridSampleBackward(Tensor dy, Tensor x, Tensor grid, Tensor? dx, Tensor? dgrid, GridSampleOptions o);
}

internal static class ResamplingKernels
{
    public static IResamplingKernels For(Device device) => device.Type switch
    {
        DeviceType.Cpu => CpuResamplingKernels.Instance,
        _ => throw new NotSupportedException($"No resampling kernels for device {device}."),
    };
}
