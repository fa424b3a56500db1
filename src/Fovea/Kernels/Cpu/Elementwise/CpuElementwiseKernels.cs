// The CPU implementation of the elementwise kernel family.
namespace Fovea.Kernels.Cpu;

internal sealed class CpuElementwiseKernels : IElementwiseKernels
{
    public static readonly CpuElementwiseKernels Instance = new();

    public void Copy(Tensor src, Tensor dst) => CopyKernels.Copy(src, dst);
    public void Unary(UnaryOp op, Tensor x, Tensor y, double a, double b) => UnaryKernels.Apply(op, x, y, a, b);
    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y) => BinaryKernels.Apply(op, a, b, y);
    public void Compare(CompareOp op, Tensor a, Tensor b, Tensor y) => BinaryKernels.Compare(op, a, b, y);
    public void Logical(LogicalOp op, Tensor a, Tensor b, Tensor y) => BinaryKernels.Logical(op, a, b, y);
    public void Where(Tensor condition, Tensor a, Tensor b, Tensor y) => BinaryKernels.Where(condition, a, b, y);
}
