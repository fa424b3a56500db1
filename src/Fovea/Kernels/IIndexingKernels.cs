// The kernel interface of the indexing family: reads and writes at data-dependent offsets. Every indexing op
// (gather, scatter, index_select, index_add, advanced indexing, index_put) lowers to Take or Put over an
// iteration shape: element i touches source offset base(i) + index(i) * scale, where base(i) follows
// strides that the op chooses (0 on the indexed dimension).
using Fovea.Kernels.Cpu;

namespace Fovea.Kernels;

/// <summary>How <see cref="IIndexingKernels.Put"/> combines a value with the element it lands on.</summary>
internal enum IndexPutOp { Assign, Add, Mul, Max, Min }

/// <summary>Indexed read and write kernels; indices are int64 and already checked against the sizes.</summary>
internal interface IIndexingKernels
{
    /// <summary>
    /// y[i] = src[src.Offset + base(i) + index[i] * scale] for every i of y's shape (y contiguous), where
    /// base(i) follows <paramref name="srcStrides"/> and <paramref name="index"/> (int64) has y's shape.
    /// </summary>
    void Take(Tensor src, int[] srcStrides, Tensor index, long scale, Tensor y);

    /// <summary>
    /// dst[dst.Offset + base(i) + index[i] * scale] op= values[i] for every i of values' shape; index has
    /// values' shape. dst must be contiguous and the index must address only the dimensions whose
    /// <paramref name="dstStrides"/> entry is 0, so positions that differ elsewhere never collide. Each position
    /// receives its updates in row-major order (with <see cref="IndexPutOp.Assign"/> the last write wins),
    /// whatever the thread count. Reductions other than Assign need a numeric dtype other than float16/bfloat16.
    /// </summary>
    void Put(Tensor dst, int[] dstStrides, Tensor index, long scale, Tensor values, IndexPutOp op);

    /// <summary>The coordinates of the true elements of a bool tensor, as an (count, rank) int64 tensor.</summary>
    Tensor Nonzero(Tensor mask);
}

internal static class IndexingKernels
{
    public static IIndexingKernels For(Device device) => device.Type switch
    {
        DeviceType.Cpu => CpuIndexingKernels.Instance,
        _ => throw new NotSupportedException($"No indexing kernels for device {device}."),
    };
}
