// Fast float32 GEMM in the Goto/BLIS style. C is cut into tasks (MC rows x NT columns) run on the worker pool;
// each task loops over K in KC slices, packs its A block into MR-row slivers and its B block into NR-column
// slivers (zero-padded at the edges), and runs a register-tiled micro-kernel on every (MR x NR) tile.
// Every element of C is accumulated by the same sequence of FMAs whatever the task split, so results are
// bitwise identical for any thread count. Micro-kernels: 14x32 on Vector512 (28 accumulators), 6x16 on
// Vector256; other machines use the reference (Kernels/Cpu/Gemm/GemmReference.cs).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Fovea.Runtime.Threading;

namespace Fovea.Kernels.Cpu;

internal static unsafe class Sgemm
{
    private const int KC = 256;   // K slice: an A sliver (MR x KC) and a B sliver (KC x NR) stay in L1/L2
    private const int MC = 112;   // rows per task block (a multiple of 14; the 6-row kernel pads its last sliver)

    /// <summary>The micro-kernel family in use (chosen once from the hardware; tests may force a narrower one).</summary>
    internal static SimdLevel Level { get; set; } = CpuFeatures.Best;

    /// <summary>Row-major C = alpha op(A) op(B) + beta C (see <see cref="GemmReference.Gemm{T}"/>).</summary>
    public static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        GemmReference.Validate("Sgemm", transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        var level = Level;
        if (level == SimdLevel.Scalar || k == 0 || (long)m * n * k < 4096)
        {
            GemmReference.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        fixed (float* pa = a, pb = b, pc = c)
            Run(level, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    private const int NC = 2048;  // columns per B panel: KC x NC floats (2 MB) shared by all row blocks

    private static void Run(SimdLevel level, bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc)
    {
        int mr = level == SimdLevel.Avx512 ? 14 : 6, nr = level == SimdLevel.Avx512 ? 32 : 16;
        ScaleC(m, n, beta, c, ldc);
        int threads = WorkerPool.ThreadCount;
        int rowBlocks = (m + MC - 1) / MC;
        float* panel = SharedPanel(KC * (NC + nr));
        nint A = (nint)a, B = (nint)b, C = (nint)c, P = (nint)panel;
        for (int j0 = 0; j0 < n; j0 += NC)
        {
            int nb = Math.Min(NC, n - j0);
            int slivers = (nb + nr - 1) / nr;
            // Enough tasks for every thread: split the panel's slivers into column groups when rows are few.
            int colGroups = Math.Max(1, Math.Min(slivers, (2 * threads + rowBlocks - 1) / rowBlocks));
            int perGroup = (slivers + colGroups - 1) / colGroups;
            colGroups = (slivers + perGroup - 1) / perGroup;
            for (int p0 = 0; p0 < k; p0 += KC)
            {
                int kb = Math.Min(KC, k - p0);
                const int SliversPerPackTask = 4;
                WorkerPool.For((slivers + SliversPerPackTask - 1) / SliversPerPackTask, t =>
                {
                    int s0 = t * SliversPerPackTask * nr, s1 = Math.Min(nb, s0 + SliversPerPackTask * nr);
                    PackB(transB, (float*)B, ldb, p0, j0 + s0, kb, s1 - s0, nr, (float*)P + s0 * kb);
                });
                WorkerPool.For(rowBlocks * colGroups, task =>
                {
                    int i0 = task / colGroups * MC, g = task % colGroups;
                    int mb = Math.Min(MC, m - i0);
                    // The last sliver is zero-padded to mr rows, so the block holds MC rounded up to mr rows.
                    float* packedA = Buffers.ForThread((MC + mr - 1) / mr * mr * KC);
                    PackA(transA, (float*)A, lda, i0, p0, mb, kb, mr, packedA);
                    int jStart = g * perGroup * nr, jEnd = Math.Min(nb, (g + 1) * perGroup * nr);
                    for (int jr = jStart; jr < jEnd; jr += nr)
                    {
                        float* bp = (float*)P + jr * kb;
                        int cols = Math.Min(nr, nb - jr);
                        for (int ir = 0; ir < mb; ir += mr)
                        {
                            float* cTile = (float*)C + (long)(i0 + ir) * ldc + j0 + jr;
                            int rows = Math.Min(mr, mb - ir);
                            if (level == SimdLevel.Avx512) Kernel14x32(kb, packedA + ir * kb, bp, cTile, ldc, alpha, rows, cols);
                            else Kernel6x16(kb, packedA + ir * kb, bp, cTile, ldc, alpha, rows, cols);
                        }
                    }
                });
            }
        }
    }

    // The packed B panel, shared by the tasks of one GEMM call (the caller's thread owns it).
    private static float* SharedPanel(int floats) => Buffers.Panel(floats);

    private static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        if (beta == 1) return;
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            if (beta == 0) row.Clear();
            else System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    // A block (mb x kb of op(A) starting at (i0, p0)) -> slivers of mr rows: sliver s holds, for p = 0..kb-1,
    // the mr values op(A)[i0 + s*mr + r, p0 + p] (rows past mb are zero).
    private static void PackA(bool transA, float* a, int lda, int i0, int p0, int mb, int kb, int mr, float* dst)
    {
        for (int s = 0; s < mb; s += mr)
        {
            int rows = Math.Min(mr, mb - s);
            float* d = dst + s * kb;
            if (!transA)
            {
                for (int r = 0; r < rows; r++)
                {
                    float* src = a + (long)(i0 + s + r) * lda + p0;
                    for (int p = 0; p < kb; p++) d[p * mr + r] = src[p];
                }
            }
            else
            {
                for (int p = 0; p < kb; p++)
                {
                    float* src = a + (long)(p0 + p) * lda + i0 + s;
                    for (int r = 0; r < rows; r++) d[p * mr + r] = src[r];
                }
            }
            if (rows < mr)
                for (int p = 0; p < kb; p++)
                    for (int r = rows; r < mr; r++) d[p * mr + r] = 0;
        }
    }

    // B block (kb x nb of op(B) starting at (p0, j0)) -> slivers of nr columns: sliver s holds, for p = 0..kb-1,
    // the nr values op(B)[p0 + p, j0 + s*nr + j] (columns past nb are zero).
    private static void PackB(bool transB, float* b, int ldb, int p0, int j0, int kb, int nb, int nr, float* dst)
    {
        for (int s = 0; s < nb; s += nr)
        {
            int cols = Math.Min(nr, nb - s);
            float* d = dst + s * kb;
            if (!transB)
            {
                for (int p = 0; p < kb; p++)
                {
                    float* src = b + (long)(p0 + p) * ldb + j0 + s;
                    if (cols == nr) Buffer.MemoryCopy(src, d + p * nr, nr * 4, nr * 4);
                    else
                    {
                        for (int j = 0; j < cols; j++) d[p * nr + j] = src[j];
                        for (int j = cols; j < nr; j++) d[p * nr + j] = 0;
                    }
                }
            }
            else
            {
                for (int j = 0; j < cols; j++)
                {
                    float* src = b + (long)(j0 + s + j) * ldb + p0;
                    for (int p = 0; p < kb; p++) d[p * nr + j] = src[p];
                }
                for (int p = 0; p < kb && cols < nr; p++)
                    for (int j = cols; j < nr; j++) d[p * nr + j] = 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel14x32(int kb, float* ap, float* bp, float* c, int ldc, float alpha, int rows, int cols)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default,
            c70 = default, c71 = default, c80 = default, c81 = default, c90 = default, c91 = default, ca0 = default, ca1 = default,
            cb0 = default, cb1 = default, cc0 = default, cc1 = default, cd0 = default, cd1 = default;
        for (int p = 0; p < kb; p++)
        {
            var b0 = Vector512.Load(bp);
            var b1 = Vector512.Load(bp + 16);
            Vector512<float> x;
            x = Vector512.Create(ap[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(ap[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(ap[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(ap[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(ap[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(ap[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(ap[6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(ap[7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(ap[8]); c80 = Vector512.FusedMultiplyAdd(x, b0, c80); c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(ap[9]); c90 = Vector512.FusedMultiplyAdd(x, b0, c90); c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(ap[10]); ca0 = Vector512.FusedMultiplyAdd(x, b0, ca0); ca1 = Vector512.FusedMultiplyAdd(x, b1, ca1);
            x = Vector512.Create(ap[11]); cb0 = Vector512.FusedMultiplyAdd(x, b0, cb0); cb1 = Vector512.FusedMultiplyAdd(x, b1, cb1);
            x = Vector512.Create(ap[12]); cc0 = Vector512.FusedMultiplyAdd(x, b0, cc0); cc1 = Vector512.FusedMultiplyAdd(x, b1, cc1);
            x = Vector512.Create(ap[13]); cd0 = Vector512.FusedMultiplyAdd(x, b0, cd0); cd1 = Vector512.FusedMultiplyAdd(x, b1, cd1);
            ap += 14;
            bp += 32;
        }
        var va = Vector512.Create(alpha);
        if (rows == 14 && cols == 32)
        {
            Add(c, c00, c01, va); Add(c + ldc, c10, c11, va); Add(c + 2 * ldc, c20, c21, va); Add(c + 3 * ldc, c30, c31, va);
            Add(c + 4 * ldc, c40, c41, va); Add(c + 5 * ldc, c50, c51, va); Add(c + 6 * ldc, c60, c61, va); Add(c + 7 * ldc, c70, c71, va);
            Add(c + 8 * ldc, c80, c81, va); Add(c + 9 * ldc, c90, c91, va); Add(c + 10 * ldc, ca0, ca1, va); Add(c + 11 * ldc, cb0, cb1, va);
            Add(c + 12 * ldc, cc0, cc1, va); Add(c + 13 * ldc, cd0, cd1, va);
            return;
        }
        // Edge tile: spill the accumulators and add the valid part.
        float* t = stackalloc float[14 * 32];
        Vector512<float>[] acc = [c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71, c80, c81, c90, c91, ca0, ca1, cb0, cb1, cc0, cc1, cd0, cd1];
        for (int i = 0; i < 28; i++) acc[i].Store(t + i * 16);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) c[(long)i * ldc + j] += alpha * t[i * 32 + j];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* row, Vector512<float> lo, Vector512<float> hi, Vector512<float> alpha)
    {
        Vector512.FusedMultiplyAdd(lo, alpha, Vector512.Load(row)).Store(row);
        Vector512.FusedMultiplyAdd(hi, alpha, Vector512.Load(row + 16)).Store(row + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(int kb, float* ap, float* bp, float* c, int ldc, float alpha, int rows, int cols)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kb; p++)
        {
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + 8);
            Vector256<float> x;
            x = Vector256.Create(ap[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(ap[1]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(ap[2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(ap[3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(ap[4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(ap[5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            ap += 6;
            bp += 16;
        }
        float* t = stackalloc float[6 * 16];
        Vector256<float>[] acc = [c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51];
        for (int i = 0; i < 12; i++) acc[i].Store(t + i * 8);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) c[(long)i * ldc + j] += alpha * t[i * 16 + j];
    }

    /// <summary>Per-thread, 64-byte-aligned packing buffers, grown on demand and kept for the thread's life.</summary>
    private sealed class Buffers
    {
        [ThreadStatic] private static Buffers? _current;
        private float* _a, _panel;
        private nuint _aSize, _panelSize;

        /// <summary>This thread's A-block buffer.</summary>
        public static float* ForThread(int floats)
        {
            var buf = _current ??= new Buffers();
            Grow(ref buf._a, ref buf._aSize, floats);
            return buf._a;
        }

        /// <summary>This thread's B-panel buffer (used by the thread that issues the GEMM).</summary>
        public static float* Panel(int floats)
        {
            var buf = _current ??= new Buffers();
            Grow(ref buf._panel, ref buf._panelSize, floats);
            return buf._panel;
        }

        private static void Grow(ref float* p, ref nuint size, int floats)
        {
            if (size >= (nuint)floats) return;
            NativeMemory.AlignedFree(p);
            p = (float*)NativeMemory.AlignedAlloc((nuint)floats * 4, 64);
            size = (nuint)floats;
        }

        ~Buffers()
        {
            NativeMemory.AlignedFree(_a);
            NativeMemory.AlignedFree(_panel);
        }
    }
}
