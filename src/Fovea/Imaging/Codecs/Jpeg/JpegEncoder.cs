// Baseline JPEG encoder: JFIF APP0, IJG-quality-scaled Annex K quantisation tables, libjpeg's fixed-point RGB->YCbCr
// and 2x2 box downsampling (4:2:0) or none (4:4:4), AAN floating-point forward DCT (jfdctflt.c), Annex K Huffman
// tables. Greyscale images make 1-component files; alpha is dropped.
namespace Fovea.Imaging.Codecs;

/// <summary>Encodes 8-bit <see cref="Image"/>s as baseline JPEG files.</summary>
public static class JpegEncoder
{
    private static readonly float[] AanScale = [1.0f, 1.387039845f, 1.306562965f, 1.175875602f, 1.0f, 0.785694958f, 0.541196100f, 0.275899379f];

    /// <summary>
    /// Encodes <paramref name="image"/> (Gray, GrayAlpha, Rgb or Rgba, 8-bit) as a baseline JFIF file.
    /// </summary>
    /// <param name="quality">IJG quality 1..100 (scales the Annex K tables like libjpeg's jpeg_set_quality).</param>
    /// <param name="subsample420">Colour images: halve chroma both ways (4:2:0) rather than keep it (4:4:4).</param>
    public static byte[] Encode(Image image, int quality = 90, bool subsample420 = true)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.BitDepth != 8) throw new ArgumentException($"JpegEncoder.Encode: only 8-bit images are supported, got {image.BitDepth}-bit.", nameof(image));
        if (quality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(quality), $"JpegEncoder.Encode: quality must be 1..100, got {quality}.");
        bool gray = image.Color is ColorSpace.Gray or ColorSpace.GrayAlpha;
        int f = gray || !subsample420 ? 1 : 2; // luma sampling factor
        int mcu = 8 * f;
        int pw = (image.Width + mcu - 1) / mcu * mcu, ph = (image.Height + mcu - 1) / mcu * mcu;

        var planes = ToPlanes(image, pw, ph, gray);
        if (f == 2)
        {
            planes[1] = Downsample(planes[1], pw, ph);
            planes[2] = Downsample(planes[2], pw, ph);
        }
        var lumaQ = ScaleQuant(JpegTables.LumaQuant, quality);
        var chromaQ = ScaleQuant(JpegTables.ChromaQuant, quality);

        var w = new JpegBitWriter(pw * ph / 4 + 1024);
        WriteHeaders(w, image.Width, image.Height, gray, f, lumaQ, chromaQ);
        var dcL = HuffmanCodes(JpegTables.DcLumaBits, JpegTables.DcLumaValues);
        var acL = HuffmanCodes(JpegTables.AcLumaBits, JpegTables.AcLumaValues);
        var dcC = HuffmanCodes(JpegTables.DcChromaBits, JpegTables.DcChromaValues);
        var acC = HuffmanCodes(JpegTables.AcChromaBits, JpegTables.AcChromaValues);
        var lumaDiv = Divisors(lumaQ);
        var chromaDiv = Divisors(chromaQ);

        Span<short> block = stackalloc short[64];
        Span<float> work = stackalloc float[64];
        int predY = 0, predCb = 0, predCr = 0;
        int cw = pw / f;
        for (int my = 0; my < ph / mcu; my++)
        {
            for (int mx = 0; mx < pw / mcu; mx++)
            {
                for (int v = 0; v < f; v++)
                    for (int h = 0; h < f; h++)
                    {
                        ForwardDct(planes[0], pw, (my * f + v) * 8, (mx * f + h) * 8, lumaDiv, work, block);
                        EncodeBlock(w, block, ref predY, dcL, acL);
                    }
                if (gray) continue;
                ForwardDct(planes[1], cw, my * 8, mx * 8, chromaDiv, work, block);
                EncodeBlock(w, block, ref predCb, dcC, acC);
                ForwardDct(planes[2], cw, my * 8, mx * 8, chromaDiv, work, block);
                EncodeBlock(w, block, ref predCr, dcC, acC);
            }
        }
        w.FlushBits();
        w.WriteMarker(0xD9);
        return w.ToArray();
    }

    /// <summary>Y (and Cb, Cr) planes of size pw x ph, edges replicated into the padding (libjpeg's expand_right_edge).</summary>
    private static byte[][] ToPlanes(Image image, int pw, int ph, bool gray)
    {
        int width = image.Width, height = image.Height, ch = image.Channels;
        var px = image.Pixels;
        var planes = gray ? new byte[1][] : new byte[3][];
        for (int i = 0; i < planes.Length; i++) planes[i] = new byte[pw * ph];
        const int half = 1 << 15, cbcrOffset = 128 << 16;
        int r2y = Fix(0.299), g2y = Fix(0.587), b2y = Fix(0.114), r2cb = Fix(0.16874), g2cb = Fix(0.33126), half1 = Fix(0.5);
        int g2cr = Fix(0.41869), b2cr = Fix(0.08131);
        for (int y = 0; y < ph; y++)
        {
            int sy = Math.Min(y, height - 1);
            for (int x = 0; x < pw; x++)
            {
                int s = (sy * width + Math.Min(x, width - 1)) * ch, d = y * pw + x;
                if (gray)
                {
                    planes[0][d] = px[s];
                    continue;
                }
                int r = px[s], g = px[s + 1], b = px[s + 2];
                planes[0][d] = (byte)((r2y * r + g2y * g + b2y * b + half) >> 16);
                planes[1][d] = (byte)((-r2cb * r - g2cb * g + half1 * b + cbcrOffset + half - 1) >> 16);
                planes[2][d] = (byte)((half1 * r - g2cr * g - b2cr * b + cbcrOffset + half - 1) >> 16);
            }
        }
        return planes;
    }

    private static int Fix(double x) => (int)(x * 65536 + 0.5);

    /// <summary>2x2 average with libjpeg's alternating 1, 2 rounding bias (h2v2_downsample).</summary>
    private static byte[] Downsample(byte[] plane, int pw, int ph)
    {
        int w = pw / 2, h = ph / 2;
        var o = new byte[w * h];
        for (int y = 0; y < h; y++)
        {
            int r0 = 2 * y * pw, r1 = r0 + pw;
            for (int x = 0; x < w; x++)
            {
                int bias = 1 + (x & 1);
                o[y * w + x] = (byte)((plane[r0 + 2 * x] + plane[r0 + 2 * x + 1] + plane[r1 + 2 * x] + plane[r1 + 2 * x + 1] + bias) >> 2);
            }
        }
        return o;
    }

    /// <summary>IJG quality scaling (jpeg_quality_scaling + jpeg_add_quant_table with force_baseline), natural order.</summary>
    private static int[] ScaleQuant(ReadOnlySpan<byte> basis, int quality)
    {
        int scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
        var q = new int[64];
        for (int i = 0; i < 64; i++) q[i] = Math.Clamp((basis[i] * scale + 50) / 100, 1, 255);
        return q;
    }

    /// <summary>Reciprocal divisors that fold the AAN output scaling into quantisation (jcdctmgr.c, float method).</summary>
    private static float[] Divisors(int[] q)
    {
        var d = new float[64];
        for (int r = 0; r < 8; r++)
            for (int c = 0; c < 8; c++)
                d[r * 8 + c] = (float)(1.0 / (q[r * 8 + c] * AanScale[r] * AanScale[c] * 8.0));
        return d;
    }

    /// <summary>Level-shifts, transforms (jfdctflt.c) and quantises the 8x8 block at (y0, x0); output in natural order.</summary>
    private static void ForwardDct(byte[] plane, int stride, int y0, int x0, float[] div, Span<float> ws, Span<short> o)
    {
        for (int r = 0; r < 8; r++)
        {
            var row = plane.AsSpan((y0 + r) * stride + x0, 8);
            for (int c = 0; c < 8; c++) ws[r * 8 + c] = row[c] - 128f;
            Aan(ws, r * 8, 1);
        }
        for (int c = 0; c < 8; c++) Aan(ws, c, 8);
        for (int i = 0; i < 64; i++) o[i] = (short)((int)(ws[i] * div[i] + 16384.5f) - 16384);
    }

    /// <summary>One 8-point AAN forward DCT over ws[at], ws[at + step], ... (outputs scaled as in jfdctflt.c).</summary>
    private static void Aan(Span<float> ws, int at, int step)
    {
        float d0 = ws[at], d1 = ws[at + step], d2 = ws[at + 2 * step], d3 = ws[at + 3 * step];
        float d4 = ws[at + 4 * step], d5 = ws[at + 5 * step], d6 = ws[at + 6 * step], d7 = ws[at + 7 * step];
        float tmp0 = d0 + d7, tmp7 = d0 - d7, tmp1 = d1 + d6, tmp6 = d1 - d6;
        float tmp2 = d2 + d5, tmp5 = d2 - d5, tmp3 = d3 + d4, tmp4 = d3 - d4;

        float tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
        ws[at] = tmp10 + tmp11;
        ws[at + 4 * step] = tmp10 - tmp11;
        float z1 = (tmp12 + tmp13) * 0.707106781f;
        ws[at + 2 * step] = tmp13 + z1;
        ws[at + 6 * step] = tmp13 - z1;

        tmp10 = tmp4 + tmp5;
        tmp11 = tmp5 + tmp6;
        tmp12 = tmp6 + tmp7;
        float z5 = (tmp10 - tmp12) * 0.382683433f;
        float z2 = 0.541196100f * tmp10 + z5;
        float z4 = 1.306562965f * tmp12 + z5;
        float z3 = tmp11 * 0.707106781f;
        float z11 = tmp7 + z3, z13 = tmp7 - z3;
        ws[at + 5 * step] = z13 + z2;
        ws[at + 3 * step] = z13 - z2;
        ws[at + step] = z11 + z4;
        ws[at + 7 * step] = z11 - z4;
    }

    /// <summary>Code (low 16 bits) and length (bits 16..) per symbol of a canonical Huffman table.</summary>
    private static int[] HuffmanCodes(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols)
    {
        var codes = new int[256];
        int code = 0, k = 0;
        for (int len = 1; len <= 16; len++, code <<= 1)
            for (int i = 0; i < counts[len - 1]; i++) codes[symbols[k++]] = len << 16 | code++;
        return codes;
    }

    private static void EncodeBlock(JpegBitWriter w, ReadOnlySpan<short> block, ref int pred, int[] dc, int[] ac)
    {
        var zz = JpegTables.ZigZag;
        int diff = block[0] - pred;
        pred = block[0];
        WriteValue(w, dc, 0, diff);
        int run = 0;
        for (int k = 1; k < 64; k++)
        {
            int v = block[zz[k]];
            if (v == 0)
            {
                run++;
                continue;
            }
            for (; run > 15; run -= 16) w.Put(ac[0xF0]);
            WriteValue(w, ac, run << 4, v);
            run = 0;
        }
        if (run > 0) w.Put(ac[0x00]);
    }

    /// <summary>Writes the Huffman code for (symbol | magnitude category) followed by the value's extra bits.</summary>
    private static void WriteValue(JpegBitWriter w, int[] table, int symbol, int v)
    {
        int a = Math.Abs(v);
        int nbits = a == 0 ? 0 : 32 - int.LeadingZeroCount(a);
        w.Put(table[symbol | nbits]);
        if (nbits > 0) w.PutBits((v < 0 ? v - 1 : v) & ((1 << nbits) - 1), nbits);
    }

    private static void WriteHeaders(JpegBitWriter w, int width, int height, bool gray, int f, int[] lumaQ, int[] chromaQ)
    {
        w.WriteMarker(0xD8);
        w.WriteSegment(0xE0, [(byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        WriteQuant(w, 0, lumaQ);
        if (!gray) WriteQuant(w, 1, chromaQ);
        var sof = new List<byte> { 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, (byte)(gray ? 1 : 3) };
        sof.AddRange([1, (byte)(f << 4 | f), 0]);
        if (!gray) sof.AddRange([2, 0x11, 1, 3, 0x11, 1]);
        w.WriteSegment(0xC0, [.. sof]);
        WriteHuffman(w, 0x00, JpegTables.DcLumaBits, JpegTables.DcLumaValues);
        WriteHuffman(w, 0x10, JpegTables.AcLumaBits, JpegTables.AcLumaValues);
        if (!gray)
        {
            WriteHuffman(w, 0x01, JpegTables.DcChromaBits, JpegTables.DcChromaValues);
            WriteHuffman(w, 0x11, JpegTables.AcChromaBits, JpegTables.AcChromaValues);
        }
        w.WriteSegment(0xDA, gray ? [1, 1, 0x00, 0, 63, 0] : [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
    }

    private static void WriteQuant(JpegBitWriter w, int slot, int[] q)
    {
        var body = new byte[65];
        body[0] = (byte)slot;
        var zz = JpegTables.ZigZag;
        for (int k = 0; k < 64; k++) body[1 + k] = (byte)q[zz[k]];
        w.WriteSegment(0xDB, body);
    }

    private static void WriteHuffman(JpegBitWriter w, byte classAndSlot, ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols)
    {
        w.WriteSegment(0xC4, [classAndSlot, .. counts, .. symbols]);
    }
}

/// <summary>Growable output buffer with an MSB-first bit accumulator that stuffs 0x00 after every 0xFF data byte.</summary>
internal sealed class JpegBitWriter(int capacity)
{
    private byte[] _buf = new byte[Math.Max(capacity, 256)];
    private int _len;
    private ulong _acc;
    private int _nbits;

    private void Byte(byte b)
    {
        if (_len == _buf.Length) Array.Resize(ref _buf, _buf.Length * 2);
        _buf[_len++] = b;
    }

    public void WriteMarker(byte code)
    {
        Byte(0xFF);
        Byte(code);
    }

    public void WriteSegment(byte code, ReadOnlySpan<byte> body)
    {
        WriteMarker(code);
        Byte((byte)((body.Length + 2) >> 8));
        Byte((byte)(body.Length + 2));
        foreach (byte b in body) Byte(b);
    }

    /// <summary>Writes a Huffman table entry: code in the low 16 bits, length above.</summary>
    public void Put(int codeAndLength) => PutBits(codeAndLength & 0xFFFF, codeAndLength >> 16);

    public void PutBits(int bits, int n)
    {
        _acc = _acc << n | (uint)bits;
        _nbits += n;
        while (_nbits >= 8)
        {
            _nbits -= 8;
            byte b = (byte)(_acc >> _nbits);
            Byte(b);
            if (b == 0xFF) Byte(0);
        }
    }

    /// <summary>Pads the last byte with 1-bits.</summary>
    public void FlushBits()
    {
        if (_nbits > 0) PutBits((1 << (8 - _nbits)) - 1, 8 - _nbits);
    }

    public byte[] ToArray() => _buf.AsSpan(0, _len).ToArray();
}
