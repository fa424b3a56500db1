// im2col / col2im: the lowering that turns a convolution into a matrix product. Column (od, oh, ow) of the
// (C*KD*KH*KW, OD*OH*OW) matrix holds the receptive field of output voxel (od, oh, ow); row (c, kd, ki, kj) holds the
// input values kernel tap (kd, ki, kj) of channel c sees, zero where it falls into the padding. 2-d convolutions are
// the depth-1 case.
using System.Numerics;

namespace Fovea.Kernels.Cpu;

internal static class Im2Col
{
    /// <summary>cols (C*KD*KH*KW, OD*OH*OW) from one image x (C, D, H, W) (contiguous spans; D = g.D).</summary>
    public static void Lower<T>(ReadOnlySpan<T> x, int c, int h, int w, ConvGeometry g, Span<T> cols) where T : unmanaged, INumber<T>
    {
        int ohw = g.OH * g.OW, plane = h * w;
        int row = 0;
        for (int ch = 0; ch < c; ch++)
            for (int kd = 0; kd < g.KD; kd++)
                for (int ki = 0; ki < g.KH; ki++)
                    for (int kj = 0; kj < g.KW; kj++, row++)
                    {
                        int dz = kd * g.DilationD - g.PadFront, dy = ki * g.Dilation.H - g.Pad.Top, dx = kj * g.Dilation.W - g.Pad.Left;
                        for (int od = 0; od < g.OD; od++)
                        {
                            var dst = cols.Slice((row * g.OD + od) * ohw, ohw);
                            int id = od * g.StrideD + dz;
                            if ((uint)id >= (uint)g.D) dst.Clear();
                            else LowerPlane(x.Slice((ch * g.D + id) * plane, plane), h, w, dy, dx, g, dst);
                        }
                    }
    }

    // One (OH, OW) block of a row: the input plane's pixels at offset (dy, dx) and stride.
    private static void LowerPlane<T>(ReadOnlySpan<T> x, int h, int w, int dy, int dx, ConvGeometry g, Span<T> block) where T : unmanaged, INumber<T>
    {
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

    /// <summary>x (C, D, H, W) += the columns scattered back to the values they came from (the adjoint of <see cref="Lower"/>).</summary>
    public static void Raise<T>(ReadOnlySpan<T> cols, int c, int h, int w, ConvGeometry g, Span<T> x) where T : unmanaged, INumber<T>
    {
        int ohw = g.OH * g.OW, plane = h * w;
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
                            RaisePlane(cols.Slice((row * g.OD + od) * ohw, ohw), h, w, dy, dx, g, x.Slice((ch * g.D + id) * plane, plane));
                        }
                    }
    }

    private static void RaisePlane<T>(ReadOnlySpan<T> block, int h, int w, int dy, int dx, ConvGeometry g, Span<T> x) where T : unmanaged, INumber<T>
    {
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
}
