// Output stage of the JPEG decoder: upsamples each component plane to full resolution (libjpeg's "fancy" triangle
// filters for 2x1, 1x2 and 2x2 subsampling, replication otherwise) and converts YCbCr / CMYK / YCCK rows to RGB
// with libjpeg's fixed-point tables (jdcolor.c), so the result matches libjpeg-turbo sample for sample.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Fovea.Imaging.Codecs;

internal enum JpegColorKind { Gray, YCbCr, Rgb, Cmyk, Ycck }

internal static class JpegColor
{
    private static readonly int[] CrR = new int[256], CbB = new int[256], CrG = new int[256], CbG = new int[256];

    static JpegColor()
    {
        const int half = 1 << 15;
        for (int i = 0; i < 256; i++)
        {
            int x = i - 128;
            CrR[i] = (Fix(1.40200) * x + half) >> 16;
            CbB[i] = (Fix(1.77200) * x + half) >> 16;
            CrG[i] = -Fix(0.71414) * x;
            CbG[i] = -Fix(0.34414) * x + half;
        }
    }

    /// <summary>Clamps an index of value + <see cref="LimitOffset"/> (value in -256..511) to 0..255, like libjpeg's range_limit.</summary>
    private const int LimitOffset = 256;
    private static readonly byte[] RangeLimit = Enumerable.Range(-LimitOffset, 1024).Select(v => (byte)Math.Clamp(v, 0, 255)).ToArray();

    private static int Fix(double x) => (int)(x * 65536 + 0.5);

    private static byte Clamp(int v) => (uint)v <= 255 ? (byte)v : v < 0 ? (byte)0 : (byte)255;

    /// <summary>Upsamples and colour-converts the decoded planes into an 8-bit Gray or RGB image.</summary>
    public static Image Build(JpegComponent[] comps, int width, int height, int maxH, int maxV, int minBlock,
        JpegColorKind kind, bool adobeInverted)
    {
        var rows = new ComponentRows[comps.Length];
        for (int i = 0; i < comps.Length; i++) rows[i] = new ComponentRows(comps[i], width, maxH, maxV, minBlock);
        bool gray = kind == JpegColorKind.Gray;
        var img = new Image(width, height, gray ? ColorSpace.Gray : ColorSpace.Rgb);
        var px = img.Pixels;
        for (int y = 0; y < height; y++)
        {
            var o = px.AsSpan(y * img.Stride, img.Stride);
            var c0 = rows[0].Row(y);
            switch (kind)
            {
                case JpegColorKind.Gray: c0[..width].CopyTo(o); break;
                case JpegColorKind.YCbCr: YccToRgb(c0, rows[1].Row(y), rows[2].Row(y), o, width); break;
                case JpegColorKind.Rgb: Interleave(c0, rows[1].Row(y), rows[2].Row(y), o, width); break;
                default: CmykToRgb(c0, rows[1].Row(y), rows[2].Row(y), rows[3].Row(y), o, width, kind == JpegColorKind.Ycck, adobeInverted); break;
            }
        }
        return img;
    }

    private static void YccToRgb(ReadOnlySpan<byte> y, ReadOnlySpan<byte> cb, ReadOnlySpan<byte> cr, Span<byte> o, int width)
    {
        // Bounds are checked once here; the loop indexes through refs (this is the decoder's hottest loop).
        if (y.Length < width || cb.Length < width || cr.Length < width || o.Length < 3 * width)
            throw new ArgumentException("JPEG colour conversion: row shorter than the image width.");
        ref byte py = ref MemoryMarshal.GetReference(y), pcb = ref MemoryMarshal.GetReference(cb), pcr = ref MemoryMarshal.GetReference(cr);
        ref byte po = ref MemoryMarshal.GetReference(o);
        ref int crR = ref MemoryMarshal.GetArrayDataReference(CrR), cbB = ref MemoryMarshal.GetArrayDataReference(CbB);
        ref int crG = ref MemoryMarshal.GetArrayDataReference(CrG), cbG = ref MemoryMarshal.GetArrayDataReference(CbG);
        ref byte limit = ref MemoryMarshal.GetArrayDataReference(RangeLimit);
        for (int x = 0; x < width; x++)
        {
            int l = Unsafe.Add(ref py, x) + LimitOffset, b = Unsafe.Add(ref pcb, x), r = Unsafe.Add(ref pcr, x);
            ref byte d = ref Unsafe.Add(ref po, 3 * x);
            d = Unsafe.Add(ref limit, l + Unsafe.Add(ref crR, r));
            Unsafe.Add(ref d, 1) = Unsafe.Add(ref limit, l + ((Unsafe.Add(ref cbG, b) + Unsafe.Add(ref crG, r)) >> 16));
            Unsafe.Add(ref d, 2) = Unsafe.Add(ref limit, l + Unsafe.Add(ref cbB, b));
        }
    }

    private static void Interleave(ReadOnlySpan<byte> r, ReadOnlySpan<byte> g, ReadOnlySpan<byte> b, Span<byte> o, int width)
    {
        for (int x = 0; x < width; x++)
        {
            o[3 * x] = r[x];
            o[3 * x + 1] = g[x];
            o[3 * x + 2] = b[x];
        }
    }

    /// <summary>CMYK (or YCCK) to RGB like PIL: R = (255 - C) * (255 - K) / 255, with Adobe files stored inverted.</summary>
    private static void CmykToRgb(ReadOnlySpan<byte> c0, ReadOnlySpan<byte> c1, ReadOnlySpan<byte> c2, ReadOnlySpan<byte> k,
        Span<byte> o, int width, bool ycck, bool inverted)
    {
        for (int x = 0; x < width; x++)
        {
            int c = c0[x], m = c1[x], yy = c2[x];
            if (ycck)
            {
                int l = c0[x], b = c1[x], r = c2[x];
                c = 255 - Clamp(l + CrR[r]);
                m = 255 - Clamp(l + ((CbG[b] + CrG[r]) >> 16));
                yy = 255 - Clamp(l + CbB[b]);
            }
            int kk = k[x];
            if (inverted) { c = 255 - c; m = 255 - m; yy = 255 - yy; kk = 255 - kk; }
            int nk = 255 - kk;
            o[3 * x] = Clamp(nk - MulDiv255(c, nk));
            o[3 * x + 1] = Clamp(nk - MulDiv255(m, nk));
            o[3 * x + 2] = Clamp(nk - MulDiv255(yy, nk));
        }
    }

    private static int MulDiv255(int a, int b)
    {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    /// <summary>Produces full-resolution rows of one component from its (possibly subsampled) plane.</summary>
    private sealed class ComponentRows
    {
        private readonly JpegComponent _c;
        private readonly int _rx, _ry, _width;
        private readonly bool _fancyH, _fancyV;
        private readonly byte[] _buf;
        private readonly int[] _colSums;

        public ComponentRows(JpegComponent c, int width, int maxH, int maxV, int minBlock)
        {
            _c = c;
            _width = width;
            int hIn = c.H * c.BlockSize / minBlock, vIn = c.V * c.BlockSize / minBlock;
            _rx = maxH / hIn;
            _ry = maxV / vIn;
            bool fancy = minBlock > 1;
            // libjpeg: h2v1 / h2v2 triangle filters need more than 2 input columns; 1x2 always uses its filter.
            _fancyH = fancy && _rx == 2 && (_ry == 1 || _ry == 2) && c.Width > 2;
            _fancyV = fancy && _ry == 2 && (_rx == 1 || _fancyH);
            _buf = new byte[c.Width * _rx + 8];
            _colSums = new int[c.Width + 1];
        }

        private ReadOnlySpan<byte> PlaneRow(int y) => _c.Plane.AsSpan(Math.Min(Math.Max(y, 0), _c.Height - 1) * _c.Stride, _c.Width);

        public ReadOnlySpan<byte> Row(int y)
        {
            if (_rx == 1 && _ry == 1) return PlaneRow(y);
            int w = _c.Width;
            if (_fancyV)
            {
                int iy = y >> 1;
                var near = PlaneRow(iy);
                var far = PlaneRow((y & 1) == 0 ? iy - 1 : iy + 1);
                if (_rx == 1)
                {
                    int bias = 1 + (y & 1); // h1v2_fancy_upsample rounds the upper row down, the lower one up
                    for (int x = 0; x < w; x++) _buf[x] = (byte)((near[x] * 3 + far[x] + bias) >> 2);
                    return _buf;
                }
                for (int x = 0; x < w; x++) _colSums[x] = near[x] * 3 + far[x];
                FancyH2V2(_colSums.AsSpan(0, w), _buf);
                return _buf;
            }
            var src = PlaneRow(y / _ry);
            if (_fancyH)
            {
                FancyH2V1(src, _buf);
                return _buf;
            }
            for (int x = 0; x < _width; x++) _buf[x] = src[x / _rx];
            return _buf;
        }

        /// <summary>h2v1_fancy_upsample: each output is 3/4 of the nearer and 1/4 of the further input sample.</summary>
        private static void FancyH2V1(ReadOnlySpan<byte> s, Span<byte> o)
        {
            int w = s.Length;
            o[0] = s[0];
            o[1] = (byte)((s[0] * 3 + s[1] + 2) >> 2);
            for (int x = 1; x < w - 1; x++)
            {
                int v = s[x] * 3;
                o[2 * x] = (byte)((v + s[x - 1] + 1) >> 2);
                o[2 * x + 1] = (byte)((v + s[x + 1] + 2) >> 2);
            }
            o[2 * w - 2] = (byte)((s[w - 1] * 3 + s[w - 2] + 1) >> 2);
            o[2 * w - 1] = s[w - 1];
        }

        /// <summary>h2v2_fancy_upsample's horizontal pass over column sums (3 * nearer row + further row).</summary>
        private static void FancyH2V2(ReadOnlySpan<int> s, Span<byte> o)
        {
            int w = s.Length;
            o[0] = (byte)((s[0] * 4 + 8) >> 4);
            o[1] = (byte)((s[0] * 3 + s[1] + 7) >> 4);
            for (int x = 1; x < w - 1; x++)
            {
                int v = s[x] * 3;
                o[2 * x] = (byte)((v + s[x - 1] + 8) >> 4);
                o[2 * x + 1] = (byte)((v + s[x + 1] + 7) >> 4);
            }
            o[2 * w - 2] = (byte)((s[w - 1] * 3 + s[w - 2] + 8) >> 4);
            o[2 * w - 1] = (byte)((s[w - 1] * 4 + 7) >> 4);
        }
    }
}
