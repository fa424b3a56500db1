// Inverse DCTs for the JPEG decoder, bit-exact with libjpeg's "islow" integer IDCT (jidctint.c, Loeffler-Ligtenberg-
// Moschytz with 13-bit constants) and its reduced-size 4x4 / 2x2 / 1x1 variants (jidctred.c) used for DCT-domain
// downscaling. Input: 64 quantised coefficients in natural order and the quantisation table (natural order).
using System.Runtime.CompilerServices;

namespace Fovea.Imaging.Codecs;

internal static class JpegIdct
{
    private const int ConstBits = 13;
    private const int Pass1Bits = 2;

    private const int Fix0_298631336 = 2446;
    private const int Fix0_390180644 = 3196;
    private const int Fix0_541196100 = 4433;
    private const int Fix0_765366865 = 6270;
    private const int Fix0_899976223 = 7373;
    private const int Fix1_175875602 = 9633;
    private const int Fix1_501321110 = 12299;
    private const int Fix1_847759065 = 15137;
    private const int Fix1_961570560 = 16069;
    private const int Fix2_053119869 = 16819;
    private const int Fix2_562915447 = 20995;
    private const int Fix3_072711026 = 25172;

    private const int Fix0_211164243 = 1730;
    private const int Fix0_509795579 = 4176;
    private const int Fix0_601344887 = 4926;
    private const int Fix0_720959822 = 5906;
    private const int Fix0_850430095 = 6967;
    private const int Fix1_061594337 = 8697;
    private const int Fix1_272758580 = 10426;
    private const int Fix1_451774981 = 11893;
    private const int Fix2_172734803 = 17799;
    private const int Fix3_624509785 = 29692;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Clamp(int v)
    {
        v += 128;
        return (uint)v <= 255 ? (byte)v : v < 0 ? (byte)0 : (byte)255;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Descale(int x, int n) => (x + (1 << (n - 1))) >> n;

    /// <summary>Dispatches on the output block size (8, 4, 2 or 1 samples per side).</summary>
    public static void Transform(int size, ReadOnlySpan<short> c, ReadOnlySpan<int> q, Span<byte> dst, int stride)
    {
        switch (size)
        {
            case 8: Idct8(c, q, dst, stride); break;
            case 4: Idct4(c, q, dst, stride); break;
            case 2: Idct2(c, q, dst, stride); break;
            default: dst[0] = Clamp(Descale(c[0] * q[0], 3)); break;
        }
    }

    /// <summary>Full 8x8 inverse DCT (jpeg_idct_islow).</summary>
    public static void Idct8(ReadOnlySpan<short> c, ReadOnlySpan<int> q, Span<byte> dst, int stride)
    {
        c = c[..64];
        q = q[..64];
        Span<int> ws = stackalloc int[64];
        for (int col = 0; col < 8; col++)
        {
            if (c[8 + col] == 0 && c[16 + col] == 0 && c[24 + col] == 0 && c[32 + col] == 0 &&
                c[40 + col] == 0 && c[48 + col] == 0 && c[56 + col] == 0)
            {
                int dc = c[col] * q[col] << Pass1Bits;
                for (int r = 0; r < 8; r++) ws[r * 8 + col] = dc;
                continue;
            }
            Column8(c[col] * q[col], c[8 + col] * q[8 + col], c[16 + col] * q[16 + col], c[24 + col] * q[24 + col],
                c[32 + col] * q[32 + col], c[40 + col] * q[40 + col], c[48 + col] * q[48 + col], c[56 + col] * q[56 + col],
                ws, col);
        }
        for (int row = 0; row < 8; row++)
        {
            var w = ws.Slice(row * 8, 8);
            var o = dst.Slice(row * stride, 8);
            if (w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0)
            {
                o.Fill(Clamp(Descale(w[0], Pass1Bits + 3)));
                continue;
            }
            Row8(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], o);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column8(int d0, int d1, int d2, int d3, int d4, int d5, int d6, int d7, Span<int> ws, int col)
    {
        Butterfly8(d0, d1, d2, d3, d4, d5, d6, d7, out int o0, out int o1, out int o2, out int o3, out int o4,
            out int o5, out int o6, out int o7);
        const int n = ConstBits - Pass1Bits;
        ws[col] = Descale(o0, n);
        ws[8 + col] = Descale(o1, n);
        ws[16 + col] = Descale(o2, n);
        ws[24 + col] = Descale(o3, n);
        ws[32 + col] = Descale(o4, n);
        ws[40 + col] = Descale(o5, n);
        ws[48 + col] = Descale(o6, n);
        ws[56 + col] = Descale(o7, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row8(int d0, int d1, int d2, int d3, int d4, int d5, int d6, int d7, Span<byte> o)
    {
        Butterfly8(d0, d1, d2, d3, d4, d5, d6, d7, out int o0, out int o1, out int o2, out int o3, out int o4,
            out int o5, out int o6, out int o7);
        const int n = ConstBits + Pass1Bits + 3;
        o[7] = Clamp(Descale(o7, n));
        o[0] = Clamp(Descale(o0, n));
        o[1] = Clamp(Descale(o1, n));
        o[2] = Clamp(Descale(o2, n));
        o[3] = Clamp(Descale(o3, n));
        o[4] = Clamp(Descale(o4, n));
        o[5] = Clamp(Descale(o5, n));
        o[6] = Clamp(Descale(o6, n));
    }

    /// <summary>The 1-D 8-point LL&amp;M inverse DCT of jidctint.c, outputs scaled by 2^13.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Butterfly8(int d0, int d1, int d2, int d3, int d4, int d5, int d6, int d7,
        out int o0, out int o1, out int o2, out int o3, out int o4, out int o5, out int o6, out int o7)
    {
        // Even part.
        int z1 = (d2 + d6) * Fix0_541196100;
        int tmp2 = z1 - d6 * Fix1_847759065;
        int tmp3 = z1 + d2 * Fix0_765366865;
        int tmp0 = (d0 + d4) << ConstBits;
        int tmp1 = (d0 - d4) << ConstBits;
        int tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;

        // Odd part.
        tmp0 = d7; tmp1 = d5; tmp2 = d3; tmp3 = d1;
        z1 = tmp0 + tmp3;
        int z2 = tmp1 + tmp2, z3 = tmp0 + tmp2, z4 = tmp1 + tmp3;
        int z5 = (z3 + z4) * Fix1_175875602;
        tmp0 *= Fix0_298631336;
        tmp1 *= Fix2_053119869;
        tmp2 *= Fix3_072711026;
        tmp3 *= Fix1_501321110;
        z1 *= -Fix0_899976223;
        z2 *= -Fix2_562915447;
        z3 = z3 * -Fix1_961570560 + z5;
        z4 = z4 * -Fix0_390180644 + z5;
        tmp0 += z1 + z3;
        tmp1 += z2 + z4;
        tmp2 += z2 + z3;
        tmp3 += z1 + z4;

        o0 = tmp10 + tmp3; o7 = tmp10 - tmp3;
        o1 = tmp11 + tmp2; o6 = tmp11 - tmp2;
        o2 = tmp12 + tmp1; o5 = tmp12 - tmp1;
        o3 = tmp13 + tmp0; o4 = tmp13 - tmp0;
    }

    /// <summary>8x8 coefficients to a 4x4 block (jpeg_idct_4x4).</summary>
    public static void Idct4(ReadOnlySpan<short> c, ReadOnlySpan<int> q, Span<byte> dst, int stride)
    {
        c = c[..64];
        q = q[..64];
        Span<int> ws = stackalloc int[32];
        for (int col = 0; col < 8; col++)
        {
            if (col == 4) continue;
            if (c[8 + col] == 0 && c[16 + col] == 0 && c[24 + col] == 0 && c[40 + col] == 0 && c[48 + col] == 0 && c[56 + col] == 0)
            {
                int dc = c[col] * q[col] << Pass1Bits;
                ws[col] = ws[8 + col] = ws[16 + col] = ws[24 + col] = dc;
                continue;
            }
            Reduce4(c[col] * q[col], c[8 + col] * q[8 + col], c[16 + col] * q[16 + col], c[24 + col] * q[24 + col],
                c[40 + col] * q[40 + col], c[48 + col] * q[48 + col], c[56 + col] * q[56 + col],
                out int a, out int b, out int d, out int e);
            const int n = ConstBits - Pass1Bits + 1;
            ws[col] = Descale(a, n);
            ws[8 + col] = Descale(b, n);
            ws[16 + col] = Descale(d, n);
            ws[24 + col] = Descale(e, n);
        }
        for (int row = 0; row < 4; row++)
        {
            var w = ws.Slice(row * 8, 8);
            var o = dst.Slice(row * stride, 4);
            if (w[1] == 0 && w[2] == 0 && w[3] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0)
            {
                o.Fill(Clamp(Descale(w[0], Pass1Bits + 3)));
                continue;
            }
            Reduce4(w[0], w[1], w[2], w[3], w[5], w[6], w[7], out int a, out int b, out int d, out int e);
            const int n = ConstBits + Pass1Bits + 3 + 1;
            o[0] = Clamp(Descale(a, n));
            o[1] = Clamp(Descale(b, n));
            o[2] = Clamp(Descale(d, n));
            o[3] = Clamp(Descale(e, n));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Reduce4(int d0, int d1, int d2, int d3, int d5, int d6, int d7, out int o0, out int o1, out int o2, out int o3)
    {
        int tmp0 = d0 << (ConstBits + 1);
        int tmp2 = d2 * Fix1_847759065 - d6 * Fix0_765366865;
        int tmp10 = tmp0 + tmp2, tmp12 = tmp0 - tmp2;
        int odd0 = -d7 * Fix0_211164243 + d5 * Fix1_451774981 - d3 * Fix2_172734803 + d1 * Fix1_061594337;
        int odd2 = -d7 * Fix0_509795579 - d5 * Fix0_601344887 + d3 * Fix0_899976223 + d1 * Fix2_562915447;
        o0 = tmp10 + odd2;
        o3 = tmp10 - odd2;
        o1 = tmp12 + odd0;
        o2 = tmp12 - odd0;
    }

    /// <summary>8x8 coefficients to a 2x2 block (jpeg_idct_2x2).</summary>
    public static void Idct2(ReadOnlySpan<short> c, ReadOnlySpan<int> q, Span<byte> dst, int stride)
    {
        c = c[..64];
        q = q[..64];
        Span<int> ws = stackalloc int[16];
        for (int col = 0; col < 8; col++)
        {
            if (col == 2 || col == 4 || col == 6) continue;
            if (c[8 + col] == 0 && c[24 + col] == 0 && c[40 + col] == 0 && c[56 + col] == 0)
            {
                ws[col] = ws[8 + col] = c[col] * q[col] << Pass1Bits;
                continue;
            }
            int tmp10 = c[col] * q[col] << (ConstBits + 2);
            int tmp0 = Odd2(c[8 + col] * q[8 + col], c[24 + col] * q[24 + col], c[40 + col] * q[40 + col], c[56 + col] * q[56 + col]);
            const int n = ConstBits - Pass1Bits + 2;
            ws[col] = Descale(tmp10 + tmp0, n);
            ws[8 + col] = Descale(tmp10 - tmp0, n);
        }
        for (int row = 0; row < 2; row++)
        {
            var w = ws.Slice(row * 8, 8);
            var o = dst.Slice(row * stride, 2);
            if (w[1] == 0 && w[3] == 0 && w[5] == 0 && w[7] == 0)
            {
                o.Fill(Clamp(Descale(w[0], Pass1Bits + 3)));
                continue;
            }
            int tmp10 = w[0] << (ConstBits + 2);
            int tmp0 = Odd2(w[1], w[3], w[5], w[7]);
            const int n = ConstBits + Pass1Bits + 3 + 2;
            o[0] = Clamp(Descale(tmp10 + tmp0, n));
            o[1] = Clamp(Descale(tmp10 - tmp0, n));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Odd2(int d1, int d3, int d5, int d7) =>
        -d7 * Fix0_720959822 + d5 * Fix0_850430095 - d3 * Fix1_272758580 + d1 * Fix3_624509785;
}
