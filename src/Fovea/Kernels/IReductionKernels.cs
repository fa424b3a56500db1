// The kernel interface of the reduction family (see IElementwiseKernels for the dispatch pattern).
using Fovea.Kernels.Cpu;

namespace Fovea.Kernels;

/// <summary>
/// A contiguous block read as (Outer, N, Inner): the reduced or scanned axis has N elements, Inner apart. Each of
/// the Outer * Inner lines is one reduction; reduced outputs are contiguous (Outer, Inner), scans keep the layout.
/// </summary>
internal readonly record struct LineLayout(int Outer, int N, int Inner)
{
    /// <summary>Number of lines (outputs of a reduction).</summary>
    public int Lines => Outer * Inner;

    /// <summary>Offset (from the block's start) of line <paramref name="line"/>'s first element.</summary>
    public int Start(int line) => line / Inner * N * Inner + line % Inner;
}

/// <summary>
/// Reductions, scans and sorts. Sum takes any strided x; the other kernels read a contiguous x laid out as a
/// <see cref="LineLayout"/> (the ops arrange that) and write preallocated contiguous outputs.
/// </summary>
internal interface IReductionKernels
{
    void Sum(Tensor x, bool[] reduced, Tensor y);
    /// <summary>y = max (or min) of each line; NaN propagates. N must be positive.</summary>
    void Extreme(Tensor x, LineLayout l, bool max, Tensor y);
    /// <summary>The position (int64) and, if wanted, the value of each line's max (or min): first occurrence, NaN wins.</summary>
    void ArgExtreme(Tensor x, LineLayout l, bool max, Tensor? values, Tensor indices);
    /// <summary>Per line: mean and variance sum((x - mean)^2) / max(0, N - correction), accumulated in double.</summary>
    void Moments(Tensor x, LineLayout l, int correction, Tensor variance, Tensor? mean);
    /// <summary>y = log(sum(exp(x))) of each line, stabilised by the line's max; -inf for empty lines.</summary>
    void LogSumExp(Tensor x, LineLayout l, Tensor y);
    /// <summary>y = softmax (or log-softmax) of every line; y has x's layout.</summary>
    void Softmax(Tensor x, LineLayout l, bool log, Tensor y);
    /// <summary>y = product of each line (1 for empty lines).</summary>
    void Prod(Tensor x, LineLayout l, Tensor y);
    /// <summary>y[i] = product of the other elements of i's line (exact with zeros).</summary>
    void ProdOthers(Tensor x, LineLayout l, Tensor y);
    /// <summary>Inclusive running sum (or product) along each line, from the end when <paramref name="reverse"/>.</summary>
    void Scan(Tensor x, LineLayout l, bool product, bool reverse, Tensor y);
    /// <summary>dx for y = cumprod(x) given dy, exact when x has zeros.</summary>
    void CumProdBackward(Tensor x, Tensor dy, LineLayout l, Tensor dx);
    /// <summary>The first k elements of each line after a stable sort (NaN largest): values and int64 positions, (Outer, k, Inner).</summary>
    void Sort(Tensor x, LineLayout l, bool descending, int k, Tensor values, Tensor indices);
    /// <summary>y = whether all (or any) of each line of bool x is true.</summary>
    void AllAny(Tensor x, LineLayout l, bool all, Tensor y);
    /// <summary>y[o, r, i] = x[o, index[o, r, i], i]; index is int64 (Outer, k, Inner), x is (Outer, N, Inner).</summary>
    void Gather(Tensor x, Tensor index, LineLayout l, int k, Tensor y);
    /// <summary>y (zeroed, (Outer, N, Inner)) [o, index[o, r, i], i] += src[o, r, i].</summary>
    void ScatterAdd(Tensor src, Tensor index, LineLayout l, int k, Tensor y);
}

internal static class ReductionKernels
{
    public static IReductionKernels For(Device device) => device.Type switch
    {
        DeviceType.Cpu => CpuReductionKernels.Instance,
        _ => throw new NotSupportedException($"No reduction kernels for device {device}."),
    };
}
