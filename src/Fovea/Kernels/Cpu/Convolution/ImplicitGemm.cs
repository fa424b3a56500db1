// 2-d convolutions without im2col. The image is copied once into a zero-padded buffer (PaddedPlane.cs); output pixel
// q = oh * PW + ow of tap (c, kh, kw) then reads padded element c*PH*PW + kh*dh*PW + kw*dw + q, so the lowered matrix
// is the padded buffer itself, one row offset per tap (Sgemm.GemmRowOffsets reads B's rows there). Strided
// convolutions split the padded image into stride_h x stride_w phase planes (padded row r goes to phase r % s, row
// r / s), where every tap is again a shifted view: row s*oh + kh*dh is phase (kh*dh) % s, row oh + (kh*dh) / s. The
// GEMM computes a "wide" output of PW' (a phase plane's width) columns per output row, the last PW' - OW of which are
// discarded; each tile's valid columns are written out (bias and residual added, clamped) by the GEMM's epilogue. The
// products and their K order are those of im2col + packed GEMM, without writing and re-reading KH*KW times the image.
using Fovea.Runtime.Threading;

namespace Fovea.Kernels.Cpu;

internal static unsafe class ImplicitGemm
{
    /// <summary>2-d convolutions with a spatial kernel (1x1 ones multiply the image, or a strided sample of it), SIMD GEMM.</summary>
    public static bool Handles(ConvGeometry g) => g.D == 1 && g.KD == 1 && g.KH * g.KW > 1 && Sgemm.Level != SimdLevel.Scalar;

    [ThreadStatic] private static float[]? _padded, _wide;
    [ThreadStatic] private static long[]? _rows;

    /// <summary>
    /// One image and group: y (og, OH, OW) at <paramref name="y"/> = clamp(conv(x) + bias + residual) for the group's
    /// input channels at <paramref name="x"/> (cg, H, W); weights as <paramref name="packed"/> or row-major <paramref name="w"/>.
    /// </summary>
    public static void Forward(float* x, ConvGeometry g, PackedA? packed, float* w, float* bias, float* residual, float* y, float min, float max)
    {
        int cg = g.CPerGroup, og = g.OPerGroup, sh = g.Stride.H, sw = g.Stride.W;
        int ph = (g.H + g.Pad.Top + g.Pad.Bottom + sh - 1) / sh, pw = (g.W + g.Pad.Left + g.Pad.Right + sw - 1) / sw;   // one phase plane
        long phase = (long)ph * pw, plane = phase * sh * sw;   // a channel's phase planes
        int wideN = (g.OH - 1) * pw + g.OW;   // the last output row's discarded columns are not computed
        // The phase planes, then 32 zeros: the GEMM reads every B row's last sliver 32 columns wide (Sgemm.GemmRowOffsets).
        var padded = ThreadBuffer.Grow(ref _padded, cg * plane + 32);
        // C itself: used only when K takes more than one slice (a single slice stages each tile in L1; Sgemm.Run).
        var wide = ThreadBuffer.Grow(ref _wide, (long)og * wideN);
        var rows = ThreadBuffer.Grow(ref _rows, g.ColRows);
        for (int c = 0, r = 0; c < cg; c++)
            for (int kh = 0; kh < g.KH; kh++)
                for (int kw = 0; kw < g.KW; kw++, r++)
                {
                    int dy = kh * g.Dilation.H, dx = kw * g.Dilation.W;
                    rows[r] = c * plane + (dy % sh * sw + dx % sw) * phase + (long)(dy / sh) * pw + dx / sw;
                }
        fixed (float* pp = padded, pwide = wide)
        fixed (long* prows = rows)
        {
            nint X = (nint)x, P = (nint)pp;
            // One task per channel: with a single image (inference) the copy is spread over the threads; inside a
            // parallel job it runs inline.
            WorkerPool.For(cg, c => PaddedPlane.Copy((float*)X + (long)c * g.H * g.W, g.H, g.W, g.Pad.Top, g.Pad.Left, sh, sw, (float*)P + c * plane, ph, pw));
            new Span<float>(pp + cg * plane, 32).Clear();
            // Each tile of the wide output is finished (bias, residual, clamp) and its valid columns written to y while
            // it is in L1.
            var epilogue = new GemmEpilogue(bias, residual, min, max).ToPlanes(y, pw, g.OW, g.OH * g.OW);
            Sgemm.GemmRowOffsets(og, wideN, g.ColRows, packed, w, pp, prows, pwide, wideN, epilogue, readsPastN: true);
        }
    }
}
