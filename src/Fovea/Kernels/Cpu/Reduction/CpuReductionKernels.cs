// The CPU implementation of the reduction kernel family.
namespace Fovea.Kernels.Cpu;

internal sealed class CpuReductionKernels : IReductionKernels
{
    public static readonly CpuReductionKernels Instance = new();

    public void Sum(Tensor x, bool[] reduced, Tensor y) => ReduceKernels.Sum(x, reduced, y);
}
