// The CPU implementation of the reduction kernel family.
namespace Fovea.Kernels.Cpu;

internal sealed class CpuReductionKernels : IReductionKernels
{
    public static readonly CpuReductionKernels Instance = new();

    public void Sum(Tensor x, bool[] reduced, Tensor y) => ReduceKernels.Sum(x, reduced, y);
    public void Extreme(Tensor x, LineLayout l, bool max, Tensor y) => ArgReduceKernels.Extreme(x, l, max, y);
    public void ArgExtreme(Tensor x, LineLayout l, bool max, Tensor? values, Tensor indices) => ArgReduceKernels.ArgExtreme(x, l, max, values, indices);
    public void Moments(Tensor x, LineLayout l, int correction, Tensor variance, Tensor? mean) => MomentKernels.Moments(x, l, correction, variance, mean);
    public void LogSumExp(Tensor x, LineLayout l, Tensor y) => SoftmaxKernels.LogSumExp(x, l, y);
    public void Softmax(Tensor x, LineLayout l, bool log, Tensor y) => SoftmaxKernels.Softmax(x, l, log, y);
    public void Prod(Tensor x, LineLayout l, Tensor y) => ScanKernels.Prod(x, l, y);
    public void ProdOthers(Tensor x, LineLayout l, Tensor y) => ScanKernels.ProdOthers(x, l, y);
    public void Scan(Tensor x, LineLayout l, bool product, bool reverse, Tensor y) => ScanKernels.Scan(x, l, product, reverse, y);
    public void CumProdBackward(Tensor x, Tensor dy, LineLayout l, Tensor dx) => ScanKernels.CumProdBackward(x, dy, l, dx);
    public void Sort(Tensor x, LineLayout l, bool descending, int k, Tensor values, Tensor indices) => SortKernels.Sort(x, l, descending, k, values, indices);
    public void AllAny(Tensor x, LineLayout l, bool all, Tensor y) => ArgReduceKernels.AllAny(x, l, all, y);
    public void Gather(Tensor x, Tensor index, LineLayout l, int k, Tensor y) => LineIndexKernels.Gather(x, index, l, k, y);
    public void ScatterAdd(Tensor src, Tensor index, LineLayout l, int k, Tensor y) => LineIndexKernels.ScatterAdd(src, index, l, k, y);
}
