// The CPU implementation of the indexing family: dtype dispatch in front of the generic loops in TakePut.cs.
namespace Fovea.Kernels.Cpu;

internal sealed class CpuIndexingKernels : IIndexingKernels
{
    public static readonly CpuIndexingKernels Instance = new();

    public void Take(Tensor src, int[] srcStrides, Tensor index, long scale, Tensor y)
    {
        switch (src.DType)
        {
            case DType.Float32: TakePut.Take<float>(src, srcStrides, index, scale, y); break;
            case DType.Float64: TakePut.Take<double>(src, srcStrides, index, scale, y); break;
            case DType.Int32: TakePut.Take<int>(src, srcStrides, index, scale, y); break;
            case DType.Int64: TakePut.Take<long>(src, srcStrides, index, scale, y); break;
            case DType.UInt8: TakePut.Take<byte>(src, srcStrides, index, scale, y); break;
            case DType.Int8: TakePut.Take<sbyte>(src, srcStrides, index, scale, y); break;
            case DType.Bool: TakePut.Take<bool>(src, srcStrides, index, scale, y); break;
            case DType.Float16: TakePut.Take<Half>(src, srcStrides, index, scale, y); break;
            case DType.BFloat16: TakePut.Take<BFloat16>(src, srcStrides, index, scale, y); break;
            default: throw new NotSupportedException($"Take: dtype {DTypes.Name(src.DType)} is not supported.");
        }
    }

    public void Put(Tensor dst, int[] dstStrides, Tensor index, long scale, Tensor values, IndexPutOp op)
    {
        if (op == IndexPutOp.Assign)
        {
            switch (dst.DType)
            {
                case DType.Bool: TakePut.Put<bool, TakePut.Assign<bool>>(dst, dstStrides, index, scale, values); return;
                case DType.Float16: TakePut.Put<Half, TakePut.Assign<Half>>(dst, dstStrides, index, scale, values); return;
                case DType.BFloat16: TakePut.Put<BFloat16, TakePut.Assign<BFloat16>>(dst, dstStrides, index, scale, values); return;
            }
        }
        switch (dst.DType)
        {
            case DType.Float32: PutNumeric<float>(dst, dstStrides, index, scale, values, op); break;
            case DType.Float64: PutNumeric<double>(dst, dstStrides, index, scale, values, op); break;
            case DType.Int32: PutNumeric<int>(dst, dstStrides, index, scale, values, op); break;
            case DType.Int64: PutNumeric<long>(dst, dstStrides, index, scale, values, op); break;
            case DType.UInt8: PutNumeric<byte>(dst, dstStrides, index, scale, values, op); break;
            case DType.Int8: PutNumeric<sbyte>(dst, dstStrides, index, scale, values, op); break;
            default: throw new NotSupportedException($"Put: reduction {op} is not supported for dtype {DTypes.Name(dst.DType)}.");
        }
    }

    private static void PutNumeric<T>(Tensor dst, int[] dstStrides, Tensor index, long scale, Tensor values, IndexPutOp op)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        switch (op)
        {
            case IndexPutOp.Assign: TakePut.Put<T, TakePut.Assign<T>>(dst, dstStrides, index, scale, values); break;
            case IndexPutOp.Add: TakePut.Put<T, TakePut.Add<T>>(dst, dstStrides, index, scale, values); break;
            case IndexPutOp.Mul: TakePut.Put<T, TakePut.Mul<T>>(dst, dstStrides, index, scale, values); break;
            case IndexPutOp.Max: TakePut.Put<T, TakePut.Max<T>>(dst, dstStrides, index, scale, values); break;
            case IndexPutOp.Min: TakePut.Put<T, TakePut.Min<T>>(dst, dstStrides, index, scale, values); break;
        }
    }

    public Tensor Nonzero(Tensor mask) => TakePut.Nonzero(mask);
}
