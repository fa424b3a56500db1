// im2col / col2im: the lowering that turns a convolution into a matrix product. Column (oh, ow) of the
// (C*KH*KW, OH*OW) matrix holds the receptive field of output pixel (oh, ow); row (c, ki, kj) holds the input
// pixels kernel tap (ki, kj) of channel c sees, zero where it falls into the padding.
using System.Numerics;

namespace Fovea.Kernels.Cpu;

internal static class Im2Col
{
    /// <summary>cols (C*KH*KW, OH*OW) from one image x (C, H, W) (contiguous spans).</summary>
    public static void Lower<T>(ReadOnlySpan<T> x, int c, int h, int w, ConvGeometry g, Span<T> cols) where T : unmanaged, INumber<T>
    {
        int ohw = g.OH * g.OW;
        for (int ch = 0; ch < c; ch++)
            for (int ki = 0; ki < g.KH; ki++)
                for (int kj = 0; kj < g.KW; kj++)
                {
                    var row = cols.Slice(((ch * g.KH + ki) * g.KW + kj) * ohw, ohw);
                    int dy = ki * g.Dilation.H - g.Pad.Top, dx = kj * g.Dilation.W - g.Pad.Left;
                    for (int oh = 0; oh < g.OH; oh++)
                    {
                        int ih = oh * g.Stride.H + dy;
                        var dst = row.Slice(oh * g.OW, g.OW);
                        if ((uint)ih >= (uint)h) { dst.Clear(); continue; }
                        var src = x.Slice((ch * h + ih) * w, w);
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
    }

    /// <summary>x (C, H, W) += the columns scattered back to the pixels they came from (the adjoint of <see cref="Lower"/>).</summary>
    public static void Raise<T>(ReadOnlySpan<T> cols, int c, int h, int w, ConvGeometry g, Span<T> x) where T : unmanaged, INumber<T>
    {
        int ohw = g.OH * g.OW;
        for (int ch = 0; ch < c; ch++)
            for (int ki = 0; ki < g.KH; ki++)
                for (int kj = 0; kj < g.KW; kj++)
                {
                    var row = cols.Slice(((ch * g.KH + ki) * g.KW + kj) * ohw, ohw);
                    int dy = ki * g.Dilation.H - g.Pad.Top, dx = kj * g.Dilation.W - g.Pad.Left;
                    for (int oh = 0; oh < g.OH; oh++)
                    {
                        int ih = oh * g.Stride.H + dy;
                        if ((uint)ih >= (uint)h) continue;
                        var src = row.Slice(oh * g.OW, g.OW);
                        var dst = x.Slice((ch * h + ih) * w, w);
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
}
