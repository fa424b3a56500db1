// Netpbm decoder: P1/P4 bitmaps, P2/P5 graymaps, P3/P6 pixmaps (plain and binary), maxval 1..65535, '#' comments.
// As PIL: samples are rescaled as round(v / maxval * 255) (round half to even) when maxval < 256; bitmaps give 0 for
// black and 255 for white. Graymaps with maxval > 255 give 16-bit images rescaled to 0..65535 like PIL's mode "I";
// pixmaps with maxval > 255 also stay 16-bit (PIL reduces them to 8 bits).
using System.Buffers.Binary;

namespace Fovea.Imaging.Codecs;

/// <summary>Decodes PBM/PGM/PPM files into <see cref="Image"/>s.</summary>
public static class NetpbmDecoder
{
    /// <summary>True when <paramref name="data"/> starts with a Netpbm magic number P1..P6 and whitespace.</summary>
    public static bool IsNetpbm(ReadOnlySpan<byte> data) =>
        data.Length >= 3 && data[0] == (byte)'P' && data[1] is >= (byte)'1' and <= (byte)'6' && IsSpace(data[2]);

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';

    /// <summary>
    /// Decodes a Netpbm file. Corrupt or truncated data throws <see cref="InvalidDataException"/> naming
    /// <paramref name="name"/> (when given), the part and its byte offset.
    /// </summary>
    public static Image Decode(ReadOnlySpan<byte> data, string? name = null)
    {
        var err = new CodecError(name, "Netpbm");
        if (!IsNetpbm(data)) throw err.At("header", 0, "not a Netpbm file (P1..P6 expected)");
        int kind = data[1] - '0';
        int pos = 2;
        int width = ReadNumber(data, ref pos, err, "header", "width", out int sizeAt);
        int height = ReadNumber(data, ref pos, err, "header", "height", out _);
        if (width <= 0 || height <= 0) throw err.At("header", sizeAt, $"invalid size {width}x{height}");
        int maxval = 1, maxvalAt = pos;
        if (kind is not (1 or 4)) maxval = ReadNumber(data, ref pos, err, "header", "maxval", out maxvalAt);
        if (maxval is < 1 or > 65535) throw err.At("header", maxvalAt, $"maxval {maxval} is not in 1..65535");
        bool rgb = kind is 3 or 6;
        var color = rgb ? ColorSpace.Rgb : ColorSpace.Gray;
        if ((long)width * height * (int)color > Array.MaxLength) throw err.At("header", sizeAt, $"{width}x{height} image is too large");
        int count = width * height * (int)color;
        // Plain files spend at least one byte per sample: refuse before allocating when the data cannot hold them.
        if (kind is 1 or 2 or 3 && count > data.Length - pos)
            throw err.At("pixel data", pos, $"truncated: {count} samples cannot fit in {data.Length - pos} bytes");
        switch (kind)
        {
            case 1: return Bitmap(width, height, PlainBits(data, pos, count, err));
            case 4: return Bitmap(width, height, PackedBits(data, pos + 1, width, height, err));
        }
        bool wide = maxval > 255;
        if (kind is 2 or 3)
        {
            var samples = new int[count];
            PlainSamples(data, pos, samples, maxval, err);
            return wide ? Wide(width, height, color, samples, maxval) : Narrow(width, height, color, samples, maxval);
        }
        int start = pos + 1, bytes = wide ? 2 : 1;
        if (start > data.Length || (long)count * bytes > data.Length - start)
            throw err.At("pixel data", start, $"truncated: {count * (long)bytes} bytes needed, {Math.Max(0, data.Length - start)} available");
        var raw = data.Slice(start, count * bytes);
        return wide ? BinaryWide(width, height, color, raw, maxval) : BinaryNarrow(width, height, color, raw, maxval);
    }

    /// <summary>Skips whitespace and comments, then reads a decimal number.</summary>
    private static int ReadNumber(ReadOnlySpan<byte> data, ref int pos, CodecError err, string part, string what, out int start)
    {
        SkipSpaceAndComments(data, ref pos);
        start = pos;
        long v = 0;
        while (pos < data.Length && data[pos] is >= (byte)'0' and <= (byte)'9' && pos - start < 10) v = v * 10 + (data[pos++] - '0');
        if (pos == start)
            throw err.At(part, pos, pos < data.Length ? $"expected the {what}, found byte 0x{data[pos]:X2}" : $"file ends before the {what}");
        if (v > int.MaxValue || (pos < data.Length && !IsSpace(data[pos]) && data[pos] != (byte)'#'))
            throw err.At(part, start, $"invalid {what}");
        return (int)v;
    }

    private static void SkipSpaceAndComments(ReadOnlySpan<byte> data, ref int pos)
    {
        while (pos < data.Length)
        {
            if (IsSpace(data[pos])) pos++;
            else if (data[pos] == (byte)'#')
                while (pos < data.Length && data[pos] is not ((byte)'\n' or (byte)'\r')) pos++;
            else break;
        }
    }

    private static void PlainSamples(ReadOnlySpan<byte> data, int pos, int[] samples, int maxval, CodecError err)
    {
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = ReadNumber(data, ref pos, err, "pixel data", $"sample {i}", out int at);
            if (samples[i] > maxval) throw err.At("pixel data", at, $"sample {samples[i]} exceeds maxval {maxval}");
        }
    }

    /// <summary>P1 data: '0'/'1' characters, whitespace optional.</summary>
    private static byte[] PlainBits(ReadOnlySpan<byte> data, int pos, int count, CodecError err)
    {
        var bits = new byte[count];
        for (int i = 0; i < count; i++)
        {
            SkipSpaceAndComments(data, ref pos);
            if (pos >= data.Length) throw err.At("pixel data", pos, $"file ends after {i} of {count} pixels");
            if (data[pos] is not ((byte)'0' or (byte)'1')) throw err.At("pixel data", pos, $"expected 0 or 1, found byte 0x{data[pos]:X2}");
            bits[i] = (byte)(data[pos++] - '0');
        }
        return bits;
    }

    /// <summary>P4 data: rows of bits, MSB first, each row padded to a byte.</summary>
    private static byte[] PackedBits(ReadOnlySpan<byte> data, int start, int width, int height, CodecError err)
    {
        int rowBytes = (width + 7) / 8;
        if (start > data.Length || (long)rowBytes * height > data.Length - start)
            throw err.At("pixel data", start, $"truncated: {(long)rowBytes * height} bytes needed, {Math.Max(0, data.Length - start)} available");
        var bits = new byte[width * height];
        for (int y = 0; y < height; y++)
        {
            var row = data.Slice(start + y * rowBytes, rowBytes);
            for (int x = 0; x < width; x++) bits[y * width + x] = (byte)((row[x >> 3] >> (7 - (x & 7))) & 1);
        }
        return bits;
    }

    /// <summary>1 is black (0), 0 is white (255).</summary>
    private static Image Bitmap(int width, int height, byte[] bits)
    {
        for (int i = 0; i < bits.Length; i++) bits[i] = bits[i] == 1 ? (byte)0 : (byte)255;
        return new Image(width, height, ColorSpace.Gray, bits);
    }

    /// <summary>PIL's rescaling: round(v / maxval * top), round half to even, at most <paramref name="top"/>.</summary>
    private static int Rescale(int v, int maxval, int top) =>
        (int)Math.Min(top, Math.Round(v / (double)maxval * top, MidpointRounding.ToEven));

    private static byte[] NarrowLut(int maxval)
    {
        var lut = new byte[256];
        for (int v = 0; v < 256; v++) lut[v] = (byte)Rescale(v, maxval, 255);
        return lut;
    }

    private static Image Narrow(int width, int height, ColorSpace color, int[] samples, int maxval)
    {
        var lut = NarrowLut(maxval);
        var px = new byte[samples.Length];
        for (int i = 0; i < px.Length; i++) px[i] = lut[samples[i]];
        return new Image(width, height, color, px);
    }

    private static Image Wide(int width, int height, ColorSpace color, int[] samples, int maxval)
    {
        var px = new ushort[samples.Length];
        for (int i = 0; i < px.Length; i++) px[i] = (ushort)Rescale(samples[i], maxval, 65535);
        return new Image(width, height, color, px);
    }

    private static Image BinaryNarrow(int width, int height, ColorSpace color, ReadOnlySpan<byte> raw, int maxval)
    {
        var px = raw.ToArray();
        if (maxval != 255)
        {
            var lut = NarrowLut(maxval);
            for (int i = 0; i < px.Length; i++) px[i] = lut[px[i]];
        }
        return new Image(width, height, color, px);
    }

    private static Image BinaryWide(int width, int height, ColorSpace color, ReadOnlySpan<byte> raw, int maxval)
    {
        var px = new ushort[raw.Length / 2];
        for (int i = 0; i < px.Length; i++)
        {
            int v = BinaryPrimitives.ReadUInt16BigEndian(raw[(2 * i)..]);
            px[i] = maxval == 65535 ? (ushort)v : (ushort)Rescale(v, maxval, 65535);
        }
        return new Image(width, height, color, px);
    }
}
