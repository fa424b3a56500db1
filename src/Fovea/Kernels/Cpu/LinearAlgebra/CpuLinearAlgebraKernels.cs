// Batched matrix multiplication on the CPU: works out, per operand, whether its matrices are row-major or
// transposed in memory (so no copy is needed for x.T or weight.T), then runs one GEMM per batch entry.
using System.Numerics;
using System.Numerics.Tensors;

namespace Fovea.Kernels.Cpu;

internal sealed class CpuLinearAlgebraKernels : ILinearAlgebraKernels
{
    public static readonly CpuLinearAlgebraKernels Instance = new();

    public void MatMul(Tensor a, Tensor b, Tensor c)
    {
        switch (c.DType)
        {
            case DType.Float32: Run<float>(a, b, c); break;
            case DType.Float64: Run<double>(a, b, c); break;
            default: throw new ArgumentException($"MatMul: not defined for dtype {DTypes.Name(c.DType)}.");
        }
    }

    /// <summary>Leading dimension and transpose flag of the last two dims, or null if neither layout fits.</summary>
    internal static (bool Trans, int Ld)? Layout(Tensor t)
    {
        int r = t.Rank, rows = t.ShapeArray[r - 2], cols = t.ShapeArray[r - 1];
        int sr = t.StrideArray[r - 2], sc = t.StrideArray[r - 1];
        if ((sc == 1 || cols == 1) && (sr >= Math.Max(cols, 1) || rows == 1)) return (false, rows == 1 ? Math.Max(cols, 1) : sr);
        if ((sr == 1 || rows == 1) && (sc >= Math.Max(rows, 1) || cols == 1)) return (true, cols == 1 ? Math.Max(rows, 1) : sc);
        return null;
    }

    private static void Run<T>(Tensor a, Tensor b, Tensor c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var ac = Layout(a) == null ? a.Contiguous() : null;
        using var bc = Layout(b) == null ? b.Contiguous() : null;
        a = ac ?? a;
        b = bc ?? b;
        var (ta, lda) = Layout(a)!.Value;
        var (tb, ldb) = Layout(b)!.Value;
        int r = c.Rank, m = c.ShapeArray[r - 2], n = c.ShapeArray[r - 1], k = a.ShapeArray[r - 1];
        var batchShape = c.ShapeArray[..(r - 2)];
        var plan = new StridedRows(batchShape,
            [c.StrideArray[..(r - 2)], a.StrideArray[..(r - 2)], b.StrideArray[..(r - 2)]],
            [c.Offset, a.Offset, b.Offset]);
        var aa = a.RawArray<T>();
        var ba = b.RawArray<T>();
        var ca = c.RawArray<T>();
        int batches = batchShape.Aggregate(1, (x, y) => x * y);
        int rowLen = Math.Max(plan.RowLength, 1);
        Fovea.Runtime.Threading.WorkerPool.For(batches, i =>
        {
            Span<int> off = stackalloc int[3];
            plan.RowOffsets(i / rowLen, off);
            int j = i % rowLen;
            int co = off[0] + j * plan.InnerStrides[0], ao = off[1] + j * plan.InnerStrides[1], bo = off[2] + j * plan.InnerStrides[2];
            Gemm(ta, tb, m, n, k, aa.AsSpan(ao), lda, ba.AsSpan(bo), ldb, ca.AsSpan(co), n);
        });
    }

    /// <summary>One product: float32 goes to the packed SGEMM, other types to the row-axpy reference below.</summary>
    private static void Gemm<T>(bool transA, bool transB, int m, int n, int k, Span<T> a, int lda, Span<T> b, int ldb, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            Sgemm.Gemm(transA, transB, m, n, k, 1f, System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(a), lda,
                System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(b), ldb, 0f, System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(c), ldc);
            return;
        }
        AxpyGemm<T>(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
    }

    /// <summary>Row-major c (m, n) = op(a) (m, k) @ op(b) (k, n), vectorised along rows of b (the float64 path).</summary>
    internal static void AxpyGemm<T>(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> bt = transB ? new T[k * n] : default;
        if (transB)
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++) bt[p * n + j] = b[j * ldb + p];
        for (int i = 0; i < m; i++)
        {
            var ci = c.Slice(i * ldc, n);
            ci.Clear();
            for (int p = 0; p < k; p++)
            {
                T av = transA ? a[p * lda + i] : a[i * lda + p];
                if (av == T.Zero) continue;
                var bp = transB ? bt.Slice(p * n, n) : b.Slice(p * ldb, n);
                TensorPrimitives.MultiplyAdd(bp, av, ci, ci);
            }
        }
    }
}
