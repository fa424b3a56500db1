// The kernel interface of the elementwise family. Ops ask ElementwiseKernels.For(device) for an
// implementation, so a CUDA back-end can slot in beside the CPU one without touching op definitions.
using Fovea.Kernels.Cpu;

namespace Fovea.Kernels;

/// <summary>Elementwise kernels: outputs are preallocated by the op; operands are broadcast to the output's shape.</summary>
internal interface IElementwiseKernels
{
    /// <summary>dst = (dst's dtype) src, broadcasting src.</summary>
    void Copy(Tensor src, Tensor dst);
    void Unary(UnaryOp op, Tensor x, Tensor y, double a, double b);
    void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y);
    void Compare(CompareOp op, Tensor a, Tensor b, Tensor y);
    void Logical(LogicalOp op, Tensor a, Tensor b, Tensor y);
    void Where(Tensor condition, Tensor a, Tensor b, Tensor y);
}

internal static class ElementwiseKernels
{
    public static IElementwiseKernels For(Device device) => device.Type switch
    {
        DeviceType.Cpu => CpuElementwiseKernels.Instance,
        _ => throw new NotSupportedException($"No elementwise kernels for device {device}."),
    };
}
