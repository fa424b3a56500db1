// Fast float32 GEMM in the Goto/BLIS style. C is cut into tasks (MC rows x NT columns) run on the worker pool;
// each task loops over K in KC slices, packs its A block into MR-row slivers and its B block into NR-column
// slivers (zero-padded at the edges), and runs a register-tiled micro-kernel on every (MR x NR) tile; with a single
// row block, each B sliver is packed by the task that uses it, right before use.
// Every element of C is accumulated by the same sequence of FMAs whatever the task split, so results are
// bitwise identical for any thread count. Micro-kernels: 14x32 on Vector512 (28 accumulators; 8x32 for short A),
// 6x16 on Vector256; other machines use the reference (Kernels/Cpu/Gemm/GemmReference.cs).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Fovea.Runtime.Threading;

namespace Fovea.Kernels.Cpu;

internal static unsafe partial class Sgemm
{
    private const int KC = 1024;  // K slice: long slices mean few passes over C; the A block (MC x KC) stays in L2 (measured best of 128-1024)
    private const int MC = 112;   // rows per task block, about: blocks are whole slivers, evened out
    private const int TileFloats = 14 * 32;   // the largest register tile (a staged tile's scratch)
    // How many K steps ahead the micro-kernels prefetch their packed operands: weights are read once per inference
    // (megabytes, from memory), and the hardware prefetcher alone left the kernel waiting (ResNet-18's 7x7x512 layer
    // at batch 1 with cold weights: 1.74 -> 0.86 ms).
    private const int PrefetchSteps = 32;
    private const int RowPrefetchSteps = 16;   // the same for B rows read in place (see Prefetch)

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
        if (m == 1 && transB && !transA)
        {
            RowTimesTransposed(n, k, alpha, a, b, ldb, beta, c);
            return;
        }
        fixed (float* pa = a, pb = b, pc = c)
        {
            int nr = level == SimdLevel.Avx512 ? 32 : 16;
            if (n < nr / 2 && m >= 2 * n) RunTransposed(level, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            else Run(level, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, null, default, null);
        }
    }

    // A few columns (a convolution's weight gradient with one input channel: n = 9) would leave most of every
    // NR-wide tile empty. C^T = op(B)^T op(A)^T has those columns as rows instead: it is computed into a scratch
    // buffer and added to C transposed.
    private static void RunTransposed(SimdLevel level, bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc)
    {
        float* t = Buffers.Transposed(n * m);
        Run(level, !transB, !transA, n, m, k, alpha, b, ldb, a, lda, 0, t, m, null, default, null);
        for (int i = 0; i < m; i++)
        {
            float* row = c + (long)i * ldc;
            for (int j = 0; j < n; j++) row[j] = beta == 0 ? t[j * m + i] : beta * row[j] + t[j * m + i];
        }
    }

    // One row times B^T (a linear layer on a single input: y = W x with W stored row-major): each output is a dot
    // product of two contiguous rows, with no packing (which would transpose all of W on every call), in runs of
    // outputs over the threads.
    private static void RowTimesTransposed(int n, int k, float alpha, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c)
    {
        fixed (float* pa = a, pb = b, pc = c)
        {
            nint A = (nint)pa, B = (nint)pb, C = (nint)pc;
            const int PerTask = 64;
            WorkerPool.For((n + PerTask - 1) / PerTask, t =>
            {
                var x = new ReadOnlySpan<float>((float*)A, k);
                for (int j = t * PerTask; j < Math.Min(n, (t + 1) * PerTask); j++)
                {
                    float dot = alpha * System.Numerics.Tensors.TensorPrimitives.Dot(x, new ReadOnlySpan<float>((float*)B + (long)j * ldb, k));
                    ((float*)C)[j] = beta == 0 ? dot : dot + beta * ((float*)C)[j];
                }
            });
        }
    }

    private const int NC = 1024;  // columns per B panel: KC x NC floats (4 MB) shared by all row blocks

    // prepacked: A already packed by PackedA (a is then unused); epilogue: applied to each tile after its last K slice;
    // bRows: row p of B starts at b + bRows[p] (B not transposed; ldb unused), see SgemmPrepacked.cs; bReadsPastN: those
    // rows may be read a whole sliver wide at the right edge.
    private static void Run(SimdLevel level, bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc, float* prepacked, GemmEpilogue epilogue, long* bRows, bool bReadsPastN = false)
    {
        int mr = RowsPerTile(level, m), nr = level == SimdLevel.Avx512 ? 32 : 16;
        // beta = 0: the first K slice stores into C instead of adding, so C is neither cleared nor read.
        if (beta != 0) ScaleC(m, n, beta, c, ldc);
        int threads = WorkerPool.ThreadCount;
        // Row blocks of about MC rows, whole slivers each, as even as possible and a multiple of the thread count
        // when there are several, so no thread waits on a short last block. (Blocking never changes results: each
        // element of C sees the same K slices whatever the blocks.)
        int rowSlivers = (m + mr - 1) / mr, rowBlocks = (m + MC - 1) / MC;
        if (rowBlocks > 1) rowBlocks = Math.Min(rowSlivers, (rowBlocks + threads - 1) / threads * threads);
        int kc = SliceK(k);
        // A task's buffer: its packed A block (the largest block's slivers, the last zero-padded to mr rows), then room
        // for one streamed B sliver.
        int blockFloats = (rowSlivers + rowBlocks - 1) / rowBlocks * mr * kc;
        // One row block: every B sliver is used by one task only, so the task packs it into L1 right before use.
        // Several row blocks share each sliver: it is packed once into a panel all tasks read.
        bool streamB = rowBlocks == 1;
        float* panel = streamB ? null : SharedPanel(KC * (NC + nr));
        nint A = (nint)a, B = (nint)b, C = (nint)c, P = (nint)panel, Pre = (nint)prepacked, Rows = (nint)bRows;
        int mPadded = rowSlivers * mr;
        bool finish = !epilogue.IsNone, staged = epilogue.WritesElsewhere && kc == k && beta == 0;
        // Row-offset B on AVX-512: the micro-kernel reads B's rows where they are (no packing).
        bool directB = bRows != null && level == SimdLevel.Avx512;
        int nc = streamB ? n : NC;
        for (int j0 = 0; j0 < n; j0 += nc)
        {
            int nb = Math.Min(nc, n - j0);
            int slivers = (nb + nr - 1) / nr;
            // Enough tasks for every thread: split the panel's slivers into column groups when rows are few.
            int colGroups = Math.Max(1, Math.Min(slivers, (2 * threads + rowBlocks - 1) / rowBlocks));
            int perGroup = (slivers + colGroups - 1) / colGroups;
            colGroups = (slivers + perGroup - 1) / perGroup;
            // One task's share of one K slice: its rows (packed A block) times its columns' slivers.
            void Slice(int task, int p0)
            {
                int kb = Math.Min(kc, k - p0);
                bool store = beta == 0 && p0 == 0, last = finish && p0 + kb == k;
                int block = task / colGroups, g = task % colGroups;
                int i0 = (int)((long)block * rowSlivers / rowBlocks) * mr;
                int mb = Math.Min(m, (int)((long)(block + 1) * rowSlivers / rowBlocks) * mr) - i0;
                float* buffer = Buffers.ForThread(blockFloats + kc * nr + TileFloats), packedA = buffer;
                if (Pre != 0) packedA = (float*)Pre + (long)p0 * mPadded + (long)i0 * kb;
                else PackA(transA, (float*)A, lda, i0, p0, mb, kb, mr, packedA);
                int jStart = g * perGroup * nr, jEnd = Math.Min(nb, (g + 1) * perGroup * nr);
                // Staged: the epilogue writes the result elsewhere and there is one K slice, so each tile goes through
                // a small scratch tile in L1 rather than through C.
                var e = epilogue;   // a local copy: the kernels take the epilogue's address
                float* tile = staged ? buffer + blockFloats + kc * nr : null;
                int ldt = staged ? nr : ldc;
                for (int jr = jStart; jr < jEnd; jr += nr)
                {
                    int cols = Math.Min(nr, nb - jr);
                    // Direct reads take whole slivers; a narrower last sliver is packed (zero-padded) unless B's rows
                    // may be read past n.
                    bool direct = directB && (cols == nr || bReadsPastN);
                    float* bp = direct ? (float*)B + j0 + jr : streamB || directB ? buffer + blockFloats : (float*)P + jr * kb;
                    if (!direct && (streamB || directB)) PackB(transB, (float*)B, ldb, (long*)Rows, p0, j0 + jr, kb, cols, nr, bp);
                    long* rowsAt = (long*)Rows + p0;
                    for (int ir = 0; ir < mb; ir += mr)
                    {
                        float* cTile = staged ? tile : (float*)C + (long)(i0 + ir) * ldc + j0 + jr;
                        int rows = Math.Min(mr, mb - ir);
                        // The AVX-512 kernels finish a tile that stays in C themselves, before storing it.
                        var ep = last && epilogue.InPlace && nr == 32 ? &e : null;
                        int row0 = i0 + ir, col0 = j0 + jr;
                        if (direct && mr == 14) Kernel14x32<OffsetRows>(kb, packedA + ir * kb, bp, rowsAt, cTile, ldt, alpha, rows, cols, store, ep, row0, col0);
                        else if (direct) Kernel8x32<OffsetRows>(kb, packedA + ir * kb, bp, rowsAt, cTile, ldt, alpha, rows, cols, store, ep, row0, col0);
                        else if (mr == 14) Kernel14x32<PackedRows>(kb, packedA + ir * kb, bp, null, cTile, ldt, alpha, rows, cols, store, ep, row0, col0);
                        else if (mr == 8) Kernel8x32<PackedRows>(kb, packedA + ir * kb, bp, null, cTile, ldt, alpha, rows, cols, store, ep, row0, col0);
                        else Kernel6x16(kb, packedA + ir * kb, bp, cTile, ldt, alpha, rows, cols, store);
                        if (last && ep == null) epilogue.Apply(cTile, ldt, row0, col0, rows, cols);
                    }
                }
            }
            if (streamB || directB)
            {
                // No shared B panel: each task owns its block of C through all K slices (one parallel section).
                WorkerPool.For(rowBlocks * colGroups, task =>
                {
                    for (int p0 = 0; p0 < k; p0 += kc) Slice(task, p0);
                });
                continue;
            }
            for (int p0 = 0; p0 < k; p0 += kc)
            {
                int kb = Math.Min(kc, k - p0), pk = p0;
                const int SliversPerPackTask = 4;
                WorkerPool.For((slivers + SliversPerPackTask - 1) / SliversPerPackTask, t =>
                {
                    int s0 = t * SliversPerPackTask * nr, s1 = Math.Min(nb, s0 + SliversPerPackTask * nr);
                    PackB(transB, (float*)B, ldb, (long*)Rows, pk, j0 + s0, kb, s1 - s0, nr, (float*)P + s0 * kb);
                });
                WorkerPool.For(rowBlocks * colGroups, task => Slice(task, pk));
            }
        }
    }

    // Rows of the register tile: 6 on AVX2; on AVX-512 14, or 8 where 14-row slivers would pad m by much more
    // (m = 16, 32: 8 rows waste nothing; the 8-row kernel does ~10 % fewer FMAs per load, hence the 1.1).
    internal static int RowsPerTile(SimdLevel level, int m)
    {
        if (level != SimdLevel.Avx512) return 6;
        int rows14 = (m + 13) / 14 * 14, rows8 = (m + 7) / 8 * 8;
        return rows8 * 1.1 < rows14 ? 8 : 14;
    }

    /// <summary>
    /// The AVX-512 micro-kernel alone, for callers that lay out both operands themselves (Convolution/Winograd.cs): the
    /// (mr x 32) tile at c (row stride ldc) = an A sliver (k rows of mr floats, mr 14 or 8) times a B sliver (k rows of 32).
    /// </summary>
    internal static void Tile(int mr, int k, float* a, float* b, float* c, int ldc)
    {
        if (mr == 14) Kernel14x32<PackedRows>(k, a, b, null, c, ldc, 1, 14, 32, true, null, 0, 0);
        else Kernel8x32<PackedRows>(k, a, b, null, c, ldc, 1, 8, 32, true, null, 0, 0);
    }

    // The packed B panel, shared by the tasks of one GEMM call (the caller's thread owns it).
    private static float* SharedPanel(int floats) => Buffers.Panel(floats);

    private static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        if (beta == 1) return;
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    // Where the micro-kernels find row p of their B sliver: packed (consecutive rows of 32 floats) or at a row offset.
    private interface IBRows
    {
        static abstract float* Row(float* bp, long* offsets);
        static abstract void Next(ref float* bp, ref long* offsets);
    }

    // A's packed sliver PrefetchSteps ahead, and B's when it is packed too; row-offset B (an image read in place) its
    // row RowPrefetchSteps ahead, which the hardware cannot guess (stride-2 taps alternate between four phase planes:
    // ResNet-18's 3x3 / 2 layers 0.63 -> 0.54, 0.70 -> 0.57 ms).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch<TB>(float* aAhead, float* bp, long* offsets, int left) where TB : struct, IBRows
    {
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(aAhead);
        if (typeof(TB) == typeof(PackedRows))
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(bp + 32 * PrefetchSteps);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(bp + 32 * PrefetchSteps + 16);
        }
        else if (left > RowPrefetchSteps)
        {
            float* row = bp + offsets[RowPrefetchSteps];
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(row);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(row + 16);
        }
    }

    private struct PackedRows : IBRows
    {
        public static float* Row(float* bp, long* offsets) => bp;
        public static void Next(ref float* bp, ref long* offsets) => bp += 32;
    }

    private struct OffsetRows : IBRows
    {
        public static float* Row(float* bp, long* offsets) => bp + *offsets;
        public static void Next(ref float* bp, ref long* offsets) => offsets++;
    }

    // bp: the packed sliver (PackedRows, advancing 32 floats a row) or B's column origin (OffsetRows: row p at
    // bp + offsets[p]).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel14x32<TB>(int kb, float* ap, float* bp, long* offsets, float* c, int ldc, float alpha, int rows, int cols, bool store,
        GemmEpilogue* ep, int row0, int col0)
        where TB : struct, IBRows
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default,
            c70 = default, c71 = default, c80 = default, c81 = default, c90 = default, c91 = default, ca0 = default, ca1 = default,
            cb0 = default, cb1 = default, cc0 = default, cc1 = default, cd0 = default, cd1 = default;
        for (int p = 0; p < kb; p++)
        {
            Prefetch<TB>(ap + 14 * PrefetchSteps, bp, offsets, kb - p);
            float* row = TB.Row(bp, offsets);
            var b0 = Vector512.Load(row);
            var b1 = Vector512.Load(row + 16);
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
            TB.Next(ref bp, ref offsets);
        }
        var va = Vector512.Create(alpha);
        if (rows == 14 && cols == 32 && ep != null)
        {
            ep->Put(c, ldc, row0, col0, 0, c00, c01, va, store); ep->Put(c, ldc, row0, col0, 1, c10, c11, va, store);
            ep->Put(c, ldc, row0, col0, 2, c20, c21, va, store); ep->Put(c, ldc, row0, col0, 3, c30, c31, va, store);
            ep->Put(c, ldc, row0, col0, 4, c40, c41, va, store); ep->Put(c, ldc, row0, col0, 5, c50, c51, va, store);
            ep->Put(c, ldc, row0, col0, 6, c60, c61, va, store); ep->Put(c, ldc, row0, col0, 7, c70, c71, va, store);
            ep->Put(c, ldc, row0, col0, 8, c80, c81, va, store); ep->Put(c, ldc, row0, col0, 9, c90, c91, va, store);
            ep->Put(c, ldc, row0, col0, 10, ca0, ca1, va, store); ep->Put(c, ldc, row0, col0, 11, cb0, cb1, va, store);
            ep->Put(c, ldc, row0, col0, 12, cc0, cc1, va, store); ep->Put(c, ldc, row0, col0, 13, cd0, cd1, va, store);
            return;
        }
        if (rows == 14 && cols == 32)
        {
            Put(c, c00, c01, va, store); Put(c + ldc, c10, c11, va, store); Put(c + 2 * ldc, c20, c21, va, store);
            Put(c + 3 * ldc, c30, c31, va, store); Put(c + 4 * ldc, c40, c41, va, store); Put(c + 5 * ldc, c50, c51, va, store);
            Put(c + 6 * ldc, c60, c61, va, store); Put(c + 7 * ldc, c70, c71, va, store); Put(c + 8 * ldc, c80, c81, va, store);
            Put(c + 9 * ldc, c90, c91, va, store); Put(c + 10 * ldc, ca0, ca1, va, store); Put(c + 11 * ldc, cb0, cb1, va, store);
            Put(c + 12 * ldc, cc0, cc1, va, store); Put(c + 13 * ldc, cd0, cd1, va, store);
            return;
        }
        // Edge tile: spill the accumulators and add the valid part.
        float* t = stackalloc float[14 * 32];
        c00.Store(t); c01.Store(t + 16); c10.Store(t + 32); c11.Store(t + 48); c20.Store(t + 64); c21.Store(t + 80);
        c30.Store(t + 96); c31.Store(t + 112); c40.Store(t + 128); c41.Store(t + 144); c50.Store(t + 160); c51.Store(t + 176);
        c60.Store(t + 192); c61.Store(t + 208); c70.Store(t + 224); c71.Store(t + 240); c80.Store(t + 256); c81.Store(t + 272);
        c90.Store(t + 288); c91.Store(t + 304); ca0.Store(t + 320); ca1.Store(t + 336); cb0.Store(t + 352); cb1.Store(t + 368);
        cc0.Store(t + 384); cc1.Store(t + 400); cd0.Store(t + 416); cd1.Store(t + 432);
        PutEdge(t, 32, c, ldc, alpha, rows, cols, store);
        if (ep != null) ep->Apply(c, ldc, row0, col0, rows, cols);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* row, Vector512<float> lo, Vector512<float> hi, Vector512<float> alpha, bool store)
    {
        if (store)
        {
            (lo * alpha).Store(row);
            (hi * alpha).Store(row + 16);
            return;
        }
        Vector512.FusedMultiplyAdd(lo, alpha, Vector512.Load(row)).Store(row);
        Vector512.FusedMultiplyAdd(hi, alpha, Vector512.Load(row + 16)).Store(row + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x32<TB>(int kb, float* ap, float* bp, long* offsets, float* c, int ldc, float alpha, int rows, int cols, bool store,
        GemmEpilogue* ep, int row0, int col0)
        where TB : struct, IBRows
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default,
            c70 = default, c71 = default;
        for (int p = 0; p < kb; p++)
        {
            Prefetch<TB>(ap + 8 * PrefetchSteps, bp, offsets, kb - p);
            float* row = TB.Row(bp, offsets);
            var b0 = Vector512.Load(row);
            var b1 = Vector512.Load(row + 16);
            Vector512<float> x;
            x = Vector512.Create(ap[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(ap[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(ap[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(ap[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(ap[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(ap[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(ap[6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(ap[7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            ap += 8;
            TB.Next(ref bp, ref offsets);
        }
        var va = Vector512.Create(alpha);
        if (rows == 8 && cols == 32 && ep != null)
        {
            ep->Put(c, ldc, row0, col0, 0, c00, c01, va, store); ep->Put(c, ldc, row0, col0, 1, c10, c11, va, store);
            ep->Put(c, ldc, row0, col0, 2, c20, c21, va, store); ep->Put(c, ldc, row0, col0, 3, c30, c31, va, store);
            ep->Put(c, ldc, row0, col0, 4, c40, c41, va, store); ep->Put(c, ldc, row0, col0, 5, c50, c51, va, store);
            ep->Put(c, ldc, row0, col0, 6, c60, c61, va, store); ep->Put(c, ldc, row0, col0, 7, c70, c71, va, store);
            return;
        }
        if (rows == 8 && cols == 32)
        {
            Put(c, c00, c01, va, store); Put(c + ldc, c10, c11, va, store); Put(c + 2 * ldc, c20, c21, va, store);
            Put(c + 3 * ldc, c30, c31, va, store); Put(c + 4 * ldc, c40, c41, va, store); Put(c + 5 * ldc, c50, c51, va, store);
            Put(c + 6 * ldc, c60, c61, va, store); Put(c + 7 * ldc, c70, c71, va, store);
            return;
        }
        float* t = stackalloc float[8 * 32];
        c00.Store(t); c01.Store(t + 16); c10.Store(t + 32); c11.Store(t + 48); c20.Store(t + 64); c21.Store(t + 80);
        c30.Store(t + 96); c31.Store(t + 112); c40.Store(t + 128); c41.Store(t + 144); c50.Store(t + 160); c51.Store(t + 176);
        c60.Store(t + 192); c61.Store(t + 208); c70.Store(t + 224); c71.Store(t + 240);
        PutEdge(t, 32, c, ldc, alpha, rows, cols, store);
        if (ep != null) ep->Apply(c, ldc, row0, col0, rows, cols);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(int kb, float* ap, float* bp, float* c, int ldc, float alpha, int rows, int cols, bool store)
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
        c00.Store(t); c01.Store(t + 8); c10.Store(t + 16); c11.Store(t + 24); c20.Store(t + 32); c21.Store(t + 40);
        c30.Store(t + 48); c31.Store(t + 56); c40.Store(t + 64); c41.Store(t + 72); c50.Store(t + 80); c51.Store(t + 88);
        PutEdge(t, 16, c, ldc, alpha, rows, cols, store);
    }

    // C[i, j] (+)= alpha * t[i, j] for the valid rows x cols of a spilled tile (fused, as in the full tiles).
    private static void PutEdge(float* t, int ldt, float* c, int ldc, float alpha, int rows, int cols, bool store)
    {
        for (int i = 0; i < rows; i++)
        {
            var src = new ReadOnlySpan<float>(t + i * ldt, cols);
            var dst = new Span<float>(c + (long)i * ldc, cols);
            if (store) System.Numerics.Tensors.TensorPrimitives.Multiply(src, alpha, dst);
            else System.Numerics.Tensors.TensorPrimitives.FusedMultiplyAdd(src, alpha, dst, dst);
        }
    }

    /// <summary>Per-thread, 64-byte-aligned packing buffers, grown on demand and kept for the thread's life.</summary>
    private sealed class Buffers
    {
        [ThreadStatic] private static Buffers? _current;
        private float* _a, _panel, _t;
        private nuint _aSize, _panelSize, _tSize;

        /// <summary>This thread's A-block buffer.</summary>
        public static float* ForThread(int floats)
        {
            var buf = _current ??= new Buffers();
            Grow(ref buf._a, ref buf._aSize, floats);
            return buf._a;
        }

        /// <summary>This thread's buffer for C^T (see RunTransposed).</summary>
        public static float* Transposed(int floats)
        {
            var buf = _current ??= new Buffers();
            Grow(ref buf._t, ref buf._tSize, floats);
            return buf._t;
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
            NativeMemory.AlignedFree(_t);
        }
    }
}
