// The scalar reference GEMM: the oracle every fast GEMM path is tested against, and the fallback for element
// types without a fast path.
using System.Numerics;

namespace Fovea.Kernels.Cpu;

internal static class GemmReference
{
    /// <summary>
    /// Row-major C (m, n) = alpha * op(A) (m, k) * op(B) (k, n) + beta * C. op(A) = A, or A^T when
    /// <paramref name="transA"/> (then A is stored (k, m)). With beta == 0, C is overwritten (NaNs in C ignored).
    /// </summary>
    public static void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc) where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T acc = T.Zero;
                for (int p = 0; p < k; p++)
                    acc += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                ref T cij = ref c[i * ldc + j];
                cij = beta == T.Zero ? alpha * acc : alpha * acc + beta * cij;
            }
    }

    /// <summary>Checks that the spans hold the matrices the dimensions describe; throws naming the argument.</summary>
    public static void Validate(string op, bool transA, bool transB, int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), $"{op}: dimensions must be >= 0, got m={m}, n={n}, k={k}.");
        int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
        Check(op, "a", "lda", aRows, aCols, aLength, lda);
        Check(op, "b", "ldb", bRows, bCols, bLength, ldb);
        Check(op, "c", "ldc", m, n, cLength, ldc);
    }

    private static void Check(string op, string name, string ldName, int rows, int cols, int length, int ld)
    {
        if (rows == 0 || cols == 0) return;
        if (ld < cols) throw new ArgumentException($"{op}: {ldName} = {ld} is smaller than the row length {cols} of {name}.", ldName);
        long need = (long)(rows - 1) * ld + cols;
        if (length < need) throw new ArgumentException($"{op}: {name} holds {length} elements, a ({rows} x {cols}) matrix with {ldName} = {ld} needs {need}.", name);
    }
}
