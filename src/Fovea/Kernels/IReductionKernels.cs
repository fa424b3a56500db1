// The kernel interface of the reduction family (see IElementwiseKernels for the dispatch pattern).
using Fovea.Kernels.Cpu;

namespace Fovea.Kernels;

/// <summary>Reductions over a set of axes; y is contiguous and holds only the kept dimensions, in order.</summary>
internal interface IReductionKernels
{
    void Sum(Tensor x, bool[] reduced, Tensor y);
}

internal static class ReductionKernels
{
    public static IReductionKernels For(Device device) => device.Type switch
    {
        DeviceType.Cpu => CpuReductionKernels.Instance,
        _ => throw new NotSupportedException($"No reduction kernels for device {device}."),
    };
}
