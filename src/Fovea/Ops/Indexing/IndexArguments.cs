// Shared argument handling of the indexing ops: index tensors as contiguous int64, range checks that name the
// op, dimension and offending index, and the lowering of "read/write along one dimension" onto the Take and
// Put kernels (see IIndexingKernels).
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>A contiguous int64 view or copy of an index tensor (int64 or int32), or throws.</summary>
    private static Tensor IndexAsInt64(Tensor index, string op, string arg = "index")
    {
        index.ThrowIfDisposed();
        return index.DType switch
        {
            DType.Int64 => index.Contiguous(),
            DType.Int32 => index.To(DType.Int64),
            _ => throw new ArgumentException($"{op}: {arg} must be an int64 or int32 tensor, got {DTypes.Name(index.DType)}.", arg),
        };
    }

    /// <summary>Throws unless every element of the contiguous int64 <paramref name="index"/> lies in [0, size).</summary>
    private static void CheckIndexRange(Tensor index, int size, string op, int dim)
    {
        foreach (long v in index.AsSpan<long>())
            if (v < 0 || v >= size)
                throw new ArgumentOutOfRangeException(nameof(index), $"{op}: index {v} is out of range for dimension {dim} with size {size}.");
    }

    /// <summary>Wraps <paramref name="dim"/> for an op that indexes along one dimension of a tensor of rank >= 1.</summary>
    private int IndexingDim(int dim, string op)
    {
        ThrowIfDisposed();
        if (Rank == 0) throw new ArgumentException($"{op}: expected a tensor of rank >= 1, got a 0-dimensional tensor; Reshape(1) it first.");
        return Shape.WrapDim(dim, Rank, op);
    }

    /// <summary><paramref name="strides"/> with entry <paramref name="dim"/> replaced by <paramref name="value"/>.</summary>
    private static int[] StridesWith(int[] strides, int dim, int value)
    {
        var r = (int[])strides.Clone();
        r[dim] = value;
        return r;
    }

    /// <summary>A view of <paramref name="t"/> restricted to the leading <paramref name="shape"/> of each dimension.</summary>
    private static Tensor LeadingBlock(Tensor t, int[] shape) => t.View(shape, t.StrideArray, t.Offset);

    /// <summary>A 1-d index seen over <paramref name="shape"/>: it runs along <paramref name="dim"/> and repeats elsewhere.</summary>
    private static Tensor IndexAlong(Tensor index1d, int[] shape, int dim)
    {
        var strides = new int[shape.Length];
        strides[dim] = 1;
        return index1d.View(shape, strides, index1d.Offset);
    }

    /// <summary>
    /// dst[..., index[i], ...] op= values[i] along <paramref name="dim"/>, where index and values share the
    /// iteration shape. dst must be a fresh contiguous tensor. Float16, bfloat16 and bool reductions run in a
    /// wider type (bool sums become logical or).
    /// </summary>
    private static void PutAlong(Tensor dst, int dim, Tensor index, Tensor values, IndexPutOp op) =>
        PutWithStrides(dst, StridesWith(dst.StrideArray, dim, 0), index, dst.StrideArray[dim], values, op);

    private static void PutWithStrides(Tensor dst, int[] dstStrides, Tensor index, long scale, Tensor values, IndexPutOp op)
    {
        var kernels = IndexingKernels.For(dst.Device);
        using var cast = values.DType == dst.DType ? null : values.To(dst.DType);
        var v = cast ?? values;
        if (op == IndexPutOp.Assign || dst.DType is not (DType.Float16 or DType.BFloat16 or DType.Bool))
        {
            kernels.Put(dst, dstStrides, index, scale, v, op);
            return;
        }
        var wide = dst.DType == DType.Bool ? DType.UInt8 : DType.Float32;
        using var dw = dst.To(wide);
        using var vw = v.To(wide);
        kernels.Put(dw, dstStrides, index, scale, vw, op);
        ElementwiseKernels.For(dst.Device).Copy(dw, dst);
    }

    /// <summary>A gradient for a tensor of <paramref name="shape"/> that only its leading block received: zeros elsewhere.</summary>
    private static Tensor ZeroPadTo(Tensor g, int[] shape)
    {
        var r = g;
        for (int d = 0; d < shape.Length; d++)
        {
            if (r.ShapeArray[d] == shape[d]) continue;
            var full = (int[])r.ShapeArray.Clone();
            full[d] = shape[d];
            r = r.SliceBackward(new Shape(full), d, 0, 1);
        }
        return r;
    }
}
