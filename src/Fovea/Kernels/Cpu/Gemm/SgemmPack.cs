// Packing for the SGEMM (Kernels/Cpu/Gemm/Sgemm.cs): op(A) into MR-row slivers and op(B) into NR-column slivers,
// zero-padded at the edges. When the source runs along K (A not transposed, B transposed) packing is a transpose;
// it goes through 8x8 register transposes, since a scalar transpose costs as much as the multiply on the skinny
// GEMMs of convolution weight gradients.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Fovea.Kernels.Cpu;

internal static unsafe partial class Sgemm
{
    // A block (mb x kb of op(A) starting at (i0, p0)) -> slivers of mr rows: sliver s holds, for p = 0..kb-1,
    // the mr values op(A)[i0 + s*mr + r, p0 + p] (rows past mb are zero).
    internal static void PackA(bool transA, float* a, int lda, int i0, int p0, int mb, int kb, int mr, float* dst)
    {
        for (int s = 0; s < mb; s += mr)
        {
            int rows = Math.Min(mr, mb - s);
            float* d = dst + s * kb;
            if (!transA)
            {
                // Row r of the sliver runs along K: transpose it in groups of 8 rows.
                for (int r0 = 0; r0 < mr; r0 += 8)
                    PackTransposed(a + (long)(i0 + s + r0) * lda + p0, lda, Math.Clamp(rows - r0, 0, 8), kb, d + r0, mr, Math.Min(8, mr - r0));
            }
            else
            {
                for (int p = 0; p < kb; p++)
                {
                    float* src = a + (long)(p0 + p) * lda + i0 + s;
                    for (int r = 0; r < rows; r++) d[p * mr + r] = src[r];
                    for (int r = rows; r < mr; r++) d[p * mr + r] = 0;
                }
            }
        }
    }

    // B block (kb x nb of op(B) starting at (p0, j0)) -> slivers of nr columns: sliver s holds, for p = 0..kb-1,
    // the nr values op(B)[p0 + p, j0 + s*nr + j] (columns past nb are zero). With rows (B not transposed), row p of B
    // starts at b + rows[p] instead of b + p * ldb.
    private static void PackB(bool transB, float* b, int ldb, long* rows, int p0, int j0, int kb, int nb, int nr, float* dst)
    {
        for (int s = 0; s < nb; s += nr)
        {
            int cols = Math.Min(nr, nb - s);
            float* d = dst + s * kb;
            if (!transB)
            {
                for (int p = 0; p < kb; p++)
                {
                    float* src = b + (rows == null ? (long)(p0 + p) * ldb : rows[p0 + p]) + j0 + s;
                    if (cols == nr) CopySliverRow(src, d + p * nr, nr);
                    else
                    {
                        for (int j = 0; j < cols; j++) d[p * nr + j] = src[j];
                        for (int j = cols; j < nr; j++) d[p * nr + j] = 0;
                    }
                }
            }
            else
            {
                // Column j of the sliver is row j of the stored B^T, running along K.
                for (int j0g = 0; j0g < nr; j0g += 8)
                    PackTransposed(b + (long)(j0 + s + j0g) * ldb + p0, ldb, Math.Clamp(cols - j0g, 0, 8), kb, d + j0g, nr, 8);
            }
        }
    }

    // One row of a full sliver (nr = 16 or 32 floats): a call to Buffer.MemoryCopy per row costs more than the copy.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopySliverRow(float* src, float* dst, int nr)
    {
        for (int j = 0; j < nr; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
    }

    // dst[p * dstLd + r] = src[r * srcLd + p] for p < kb and r < lanes (lanes <= 8), reading zeros for r >= available.
    private static void PackTransposed(float* src, long srcLd, int available, int kb, float* dst, int dstLd, int lanes)
    {
        int p = 0;
        if (Avx.IsSupported)
        {
            var mask = lanes == 8 ? Vector256<float>.AllBitsSet : LaneMask(lanes);
            for (; p + 8 <= kb; p += 8)
            {
                float* s = src + p;
                var r0 = Row(s, srcLd, 0, available); var r1 = Row(s, srcLd, 1, available);
                var r2 = Row(s, srcLd, 2, available); var r3 = Row(s, srcLd, 3, available);
                var r4 = Row(s, srcLd, 4, available); var r5 = Row(s, srcLd, 5, available);
                var r6 = Row(s, srcLd, 6, available); var r7 = Row(s, srcLd, 7, available);
                Transpose8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                float* d = dst + p * dstLd;
                if (lanes == 8)
                {
                    r0.Store(d); r1.Store(d + dstLd); r2.Store(d + 2 * dstLd); r3.Store(d + 3 * dstLd);
                    r4.Store(d + 4 * dstLd); r5.Store(d + 5 * dstLd); r6.Store(d + 6 * dstLd); r7.Store(d + 7 * dstLd);
                }
                else
                {
                    Avx.MaskStore(d, mask, r0); Avx.MaskStore(d + dstLd, mask, r1);
                    Avx.MaskStore(d + 2 * dstLd, mask, r2); Avx.MaskStore(d + 3 * dstLd, mask, r3);
                    Avx.MaskStore(d + 4 * dstLd, mask, r4); Avx.MaskStore(d + 5 * dstLd, mask, r5);
                    Avx.MaskStore(d + 6 * dstLd, mask, r6); Avx.MaskStore(d + 7 * dstLd, mask, r7);
                }
            }
        }
        for (; p < kb; p++)
            for (int r = 0; r < lanes; r++) dst[p * dstLd + r] = r < available ? src[r * srcLd + p] : 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Row(float* s, long ld, int r, int available) =>
        r < available ? Vector256.Load(s + r * ld) : Vector256<float>.Zero;

    private static Vector256<float> LaneMask(int lanes) =>
        Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(lanes)).AsSingle();

    // In-register transpose of the 8x8 block whose rows are r0..r7.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        // Interleave pairs of rows, then pairs of pairs (within each 128-bit half), then swap the halves.
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(s0, s4, 0x20); r1 = Avx.Permute2x128(s1, s5, 0x20);
        r2 = Avx.Permute2x128(s2, s6, 0x20); r3 = Avx.Permute2x128(s3, s7, 0x20);
        r4 = Avx.Permute2x128(s0, s4, 0x31); r5 = Avx.Permute2x128(s1, s5, 0x31);
        r6 = Avx.Permute2x128(s2, s6, 0x31); r7 = Avx.Permute2x128(s3, s7, 0x31);
    }
}
