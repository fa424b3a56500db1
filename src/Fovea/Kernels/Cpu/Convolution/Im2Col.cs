// im2col / col2im: the lowering that turns a convolution into a matrix product. Column (od, oh, ow) of the
// (C*KD*KH*KW, OD*OH*OW) matrix holds the receptive field of output voxel (od, oh, ow); row (c, kd, ki, kj) holds the
// input values kernel tap (kd, ki, kj) of channel c sees, zero where it falls into the padding. 2-d convolutions are
// the depth-1 case.
using System.Numerics;

namespace Fovea.Kernels.Cpu;

internal static class Im2Col
{
    /// <summary>
    /// cols (C*KD*KH*KW, OD*OH*OW) from one image x (C, D, H, W) (contiguous spans; D = g.D); rows of cols are
    /// <paramref name="ld"/> apart (0: packed), so several images can be lowered side by side.
    /// </summary>
    public static void Lower<T>(ReadOnlySpan<T> x, int c, int h, int w, ConvGeometry g, Span<T> cols, int ld = 0) where T : unmanaged, INumber<T>
    {
        int ohw = g.OH * g.OW, plane = h * w;
        if (ld == 0) ld = g.OD * ohw;
        int row = 0;
        for (int ch = 0; ch < c; ch++)
            for (int kd = 0; kd < g.KD; kd++)
                for (int ki = 0; ki < g.KH; ki++)
                    for (int kj = 0; kj < g.KW; kj++, row++)
                    {
                        int dz = kd * g.DilationD - g.PadFront, dy = ki * g.Dilation.H - g.Pad.Top, dx = kj * g.Dilation.W - g.Pad.Left;
                        for (int od = 0; od < g.OD; od++)
                        {
                            var dst = cols.Slice(row * ld + od * ohw, ohw);
                            int id = od * g.StrideD + dz;
                            if ((uint)id >= (uint)g.D) dst.Clear();
                            else LowerPlane(x.Slice((ch * g.D + id) * plane, plane), h, w, dy, dx, g, dst);
                        }
                    }
    }

    // Stride 1 with OW == W ("same" width): output (oh, ow) reads flat input (oh + dy) * W + ow + dx, so a tap's valid
    // rows are one shifted contiguous range of the plane, apart from the |dx| columns per row that wrap around.
    private static bool IsShiftedPlane(int w, ConvGeometry g) => g.Stride == new Size2(1, 1) && g.OW == w;

    // The rows [r0, r1) of the output whose input row is inside the plane, and the valid columns [c0, c1).
    private static (int R0, int R1, int C0, int C1) ShiftedRange(int h, int w, int dy, int dx, ConvGeometry g) =>
        (Math.Clamp(-dy, 0, g.OH), Math.Clamp(h - dy, Math.Clamp(-dy, 0, g.OH), g.OH), Math.Clamp(-dx, 0, w), Math.Clamp(w - dx, Math.Clamp(-dx, 0, w), w));

    // One (OH, OW) block of a row: the input plane's pixels at offset (dy, dx) and stride.
    private static void LowerPlane<T>(ReadOnlySpan<T> x, int h, int w, int dy, int dx, ConvGeometry g, Span<T> block) where T : unmanaged, INumber<T>
    {
        if (IsShiftedPlane(w, g))
        {
            var (r0, r1, c0, c1) = ShiftedRange(h, w, dy, dx, g);
            block[..(r0 * w)].Clear();
            block[(r1 * w)..(g.OH * w)].Clear();
            if (r1 <= r0) return;
            int start = r0 * w + c0, end = (r1 - 1) * w + c1;
            if (end > start) x.Slice(start + dy * w + dx, end - start).CopyTo(block[start..end]);
            for (int r = r0; r < r1; r++)
            {
                for (int c = 0; c < c0; c++) block[r * w + c] = T.Zero;
                for (int c = c1; c < w; c++) block[r * w + c] = T.Zero;
            }
            return;
        }
        for (int oh = 0; oh < g.OH; oh++)
        {
            int ih = oh * g.Stride.H + dy;
            var dst = block.Slice(oh * g.OW, g.OW);
            if ((uint)ih >= (uint)h) { dst.Clear(); continue; }
            var src = x.Slice(ih * w, w);
            if (g.Stride.W == 1)
            {
                // Valid output columns are those with 0 <= ow + dx < w.
                int lo = Math.Clamp(-dx, 0, g.OW), hi = Math.Clamp(w - dx, lo, g.OW);
                dst[..lo].Clear();
                src.Slice(lo + dx, hi - lo).CopyTo(dst[lo..hi]);
                dst[hi..].Clear();
            }
            else
            {
                for (int ow = 0; ow < g.OW; ow++)
                {
                    int iw = ow * g.Stride.W + dx;
                    dst[ow] = (uint)iw < (uint)w ? src[iw] : T.Zero;
                }
            }
        }
    }

    /// <summary>x (C, D, H, W) += the columns scattered back to the values they came from (the adjoint of <see cref="Lower"/>; rows <paramref name="ld"/> apart).</summary>
    public static void Raise<T>(ReadOnlySpan<T> cols, int c, int h, int w, ConvGeometry g, Span<T> x, int ld = 0) where T : unmanaged, INumber<T>
    {
        int ohw = g.OH * g.OW, plane = h * w;
        if (ld == 0) ld = g.OD * ohw;
        int row = 0;
        for (int ch = 0; ch < c; ch++)
            for (int kd = 0; kd < g.KD; kd++)
                for (int ki = 0; ki < g.KH; ki++)
                    for (int kj = 0; kj < g.KW; kj++, row++)
                    {
                        int dz = kd * g.DilationD - g.PadFront, dy = ki * g.Dilation.H - g.Pad.Top, dx = kj * g.Dilation.W - g.Pad.Left;
                        for (int od = 0; od < g.OD; od++)
                        {
                            int id = od * g.StrideD + dz;
                            if ((uint)id >= (uint)g.D) continue;
                            RaisePlane(cols.Slice(row * ld + od * ohw, ohw), h, w, dy, dx, g, x.Slice((ch * g.D + id) * plane, plane));
                        }
                    }
    }

    private static void RaisePlane<T>(ReadOnlySpan<T> block, int h, int w, int dy, int dx, ConvGeometry g, Span<T> x) where T : unmanaged, INumber<T>
    {
        if (IsShiftedPlane(w, g))
        {
            // Rows are added one at a time: within the shifted range the wrapped columns belong to other pixels.
            var (r0, r1, c0, c1) = ShiftedRange(h, w, dy, dx, g);
            for (int r = r0; r < r1; r++)
            {
                var src = block.Slice(r * w + c0, c1 - c0);
                var dst = x.Slice((r + dy) * w + c0 + dx, c1 - c0);
                AddRow(dst, src);
            }
            return;
        }
        for (int oh = 0; oh < g.OH; oh++)
        {
            int ih = oh * g.Stride.H + dy;
            if ((uint)ih >= (uint)h) continue;
            var src = block.Slice(oh * g.OW, g.OW);
            var dst = x.Slice(ih * w, w);
            if (g.Stride.W == 1)
            {
                int lo = Math.Clamp(-dx, 0, g.OW), hi = Math.Clamp(w - dx, lo, g.OW);
                var d = dst.Slice(lo + dx, hi - lo);
                System.Numerics.Tensors.TensorPrimitives.Add(d, src[lo..hi], d);
            }
            else
            {
                for (int ow = 0; ow < g.OW; ow++)
                {
                    int iw = ow * g.Stride.W + dx;
                    if ((uint)iw < (uint)w) dst[iw] += src[ow];
                }
            }
        }
    }

    // dst += src for short rows, where a library call's fixed cost would dominate.
    private static void AddRow<T>(Span<T> dst, ReadOnlySpan<T> src) where T : unmanaged, INumber<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            for (; i <= src.Length - Vector<T>.Count; i += Vector<T>.Count)
                (new Vector<T>(dst[i..]) + new Vector<T>(src[i..])).CopyTo(dst[i..]);
        for (; i < src.Length; i++) dst[i] += src[i];
    }
}
