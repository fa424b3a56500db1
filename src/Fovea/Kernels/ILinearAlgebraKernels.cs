// The kernel interface of the linear-algebra family (see IElementwiseKernels for the dispatch pattern).
using Fovea.Kernels.Cpu;

namespace Fovea.Kernels;

internal interface ILinearAlgebraKernels
{
    /// <summary>
    /// c = a @ b for every batch index: a (batch..., m, k), b (batch..., k, n) with any strides (batch strides may
    /// be 0 for broadcasting), c (batch..., m, n) contiguous; all of one floating dtype.
    /// </summary>
    void MatMul(Tensor a, Tensor b, Tensor c);
}

internal static class LinearAlgebraKernels
{
    public static ILinearAlgebraKernels For(Device device) => device.Type switch
    {
        DeviceType.Cpu => CpuLinearAlgebraKernels.Instance,
        _ => throw new NotSupportedException($"No linear-algebra kernels for device {device}."),
    };
}
