// The kernel interface of the pooling family (see IElementwiseKernels for the dispatch pattern).
using Fovea.Kernels.Cpu;

namespace Fovea.Kernels;

/// <summary>
/// Pooling kernels over independent planes: inputs are contiguous (planes, D, H, W) blocks, outputs are
/// preallocated and contiguous. Indices are flat positions inside a plane (d*H*W + h*W + w), as in PyTorch.
/// </summary>
internal interface IPoolingKernels
{
    /// <summary>y = the maximum of each window of x, idx = its position (first maximum; NaN wins).</summary>
    void MaxForward(Tensor x, Tensor y, Tensor idx, PoolWindows win);
    /// <summary>y = the maximum of each window of x, without indices (inference; NaN wins).</summary>
    void MaxForwardValues(Tensor x, Tensor y, PoolWindows win);
    /// <summary>y = the average of each window of x.</summary>
    void AvgForward(Tensor x, Tensor y, PoolWindows win);
    /// <summary>dx = the adjoint of <see cref="AvgForward"/> applied to dy (dx is overwritten).</summary>
    void AvgBackward(Tensor dy, Tensor dx, PoolWindows win);
    /// <summary>dst[p, i] = src[p, idx[p, i]] for planes p; indices are checked against the source plane size.</summary>
    void GatherPlanes(Tensor src, Tensor idx, Tensor dst, int planes);
    /// <summary>dst = 0, then dst[p, idx[p, i]] (+)= src[p, i] (accumulating or assigning).</summary>
    void ScatterPlanes(Tensor src, Tensor idx, Tensor dst, int planes, bool accumulate);
}

internal static class PoolingKernels
{
    public static IPoolingKernels For(Device device) => device.Type switch
    {
        DeviceType.Cpu => CpuPoolingKernels.Instance,
        _ => throw new NotSupportedException($"No pooling kernels for device {device}."),
    };
}
