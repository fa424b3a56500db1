// BMP decoder: OS/2 (12-byte) and Windows (40..124-byte) headers; 1/4/8-bit palettes, 16/24/32-bit pixels, BI_RGB and
// BI_BITFIELDS (any contiguous channel masks), bottom-up and top-down rows. As PIL: a palette whose entries are all
// gray gives a Gray image, other palettes RGB; 32-bit BI_RGB ignores the fourth byte (RGB); bitfields with an alpha
// mask give RGBA; an n-bit channel is scaled to 8 bits as v * 255 / (2^n - 1) (integer division).
using System.Buffers.Binary;
using System.Numerics;

namespace Fovea.Imaging.Codecs;

/// <summary>Decodes Windows/OS2 bitmap files into <see cref="Image"/>s.</summary>
public static class BmpDecoder
{
    private const int FileHeader = 14;
    private const uint BiRgb = 0, BiBitfields = 3, BiAlphaBitfields = 6;

    /// <summary>True when <paramref name="data"/> starts with "BM".</summary>
    public static bool IsBmp(ReadOnlySpan<byte> data) => data.Length >= 2 && data[0] == (byte)'B' && data[1] == (byte)'M';

    /// <summary>The header fields the decoder uses.</summary>
    private readonly record struct Header(int Width, int Height, bool TopDown, int Bits, uint Compression,
        int HeaderSize, int PaletteCount, int PaletteEntrySize, uint[] Masks);

    /// <summary>
    /// Decodes a BMP file. Corrupt or truncated data throws <see cref="InvalidDataException"/> naming
    /// <paramref name="name"/> (when given), the part and its byte offset.
    /// </summary>
    public static Image Decode(ReadOnlySpan<byte> data, string? name = null)
    {
        var err = new CodecError(name, "BMP");
        if (!IsBmp(data)) throw err.At("file header", 0, "not a BMP file (no \"BM\" signature)");
        if (data.Length < FileHeader + 16) throw err.At("file header", 0, $"truncated ({data.Length} bytes)");
        uint pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        var h = ReadHeader(data, err);
        long stride = ((long)h.Width * h.Bits + 31) / 32 * 4;
        long lastRow = ((long)h.Width * h.Bits + 7) / 8;
        long need = stride * (h.Height - 1) + lastRow;
        if (pixelOffset > data.Length || need > data.Length - pixelOffset)
            throw err.At("pixel data", pixelOffset, $"truncated: {h.Width}x{h.Height} at {h.Bits} bits needs {need} bytes, {Math.Max(0, data.Length - pixelOffset)} available");
        var pixels = data[(int)pixelOffset..];
        return h.Bits <= 8
            ? DecodePalette(pixels, (int)stride, h, ReadPalette(data, h, err))
            : h.Bits == 24 && h.Compression == BiRgb ? DecodeBgr(pixels, (int)stride, h) : DecodeMasked(pixels, (int)stride, h);
    }

    private static Header ReadHeader(ReadOnlySpan<byte> data, CodecError err)
    {
        var dib = data[FileHeader..];
        int size = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(dib), int.MaxValue);
        if (size is not (12 or 40 or 52 or 56 or 64 or 108 or 124))
            throw err.At("DIB header", FileHeader, $"unsupported header size {size}");
        if (dib.Length < size) throw err.At("DIB header", FileHeader, $"truncated ({dib.Length} of {size} bytes)");
        int width, height, bits, colors = 0;
        uint compression = BiRgb;
        if (size == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(dib[4..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(dib[6..]);
            bits = BinaryPrimitives.ReadUInt16LittleEndian(dib[10..]);
        }
        else
        {
            width = BinaryPrimitives.ReadInt32LittleEndian(dib[4..]);
            height = BinaryPrimitives.ReadInt32LittleEndian(dib[8..]);
            bits = BinaryPrimitives.ReadUInt16LittleEndian(dib[14..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(dib[16..]);
            colors = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(dib[32..]), int.MaxValue);
        }
        bool topDown = height < 0;
        if (width <= 0 || height == 0 || height == int.MinValue)
            throw err.At("DIB header", FileHeader, $"invalid size {width}x{height}");
        height = Math.Abs(height);
        if ((long)width * height * 4 > Array.MaxLength) throw err.At("DIB header", FileHeader, $"{width}x{height} image is too large");
        if (bits is not (1 or 4 or 8 or 16 or 24 or 32)) throw err.At("DIB header", FileHeader, $"unsupported bit count {bits}");
        bool fields = compression is BiBitfields or BiAlphaBitfields;
        if (!fields && compression != BiRgb)
            throw err.At("DIB header", FileHeader, $"unsupported compression {compression} (RLE, JPEG and PNG BMPs are not supported)");
        if (fields && bits is not (16 or 24 or 32)) throw err.At("DIB header", FileHeader, $"bitfields with {bits}-bit pixels");
        int extra = 0;
        var masks = bits switch
        {
            16 => new uint[] { 0x7C00, 0x3E0, 0x1F, 0 },
            _ => new uint[] { 0xFF0000, 0xFF00, 0xFF, 0 },
        };
        if (fields)
        {
            // Windows 3 headers (40 bytes) are followed by the masks; later ones hold them at the same place.
            if (size is 12 or 64) throw err.At("DIB header", FileHeader, $"bitfields with a {size}-byte header");
            const int at = FileHeader + 40;
            int count = size == 40 ? (compression == BiAlphaBitfields ? 4 : 3) : size >= 56 ? 4 : 3;
            if (size == 40) extra = 4 * count;
            if (at + 4 * count > data.Length) throw err.At("bitfield masks", at, "truncated");
            masks = new uint[4];
            for (int i = 0; i < count; i++)
            {
                masks[i] = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 4 * i)..]);
                uint v = masks[i] >> BitOperations.TrailingZeroCount(masks[i] | 0x80000000u);
                if ((v & (v + 1)) != 0) throw err.At("bitfield masks", at, $"mask 0x{masks[i]:X8} is not contiguous");
            }
        }
        int paletteCount = bits <= 8 ? (colors > 0 ? colors : 1 << bits) : 0;
        if (paletteCount > 1 << bits) throw err.At("DIB header", FileHeader, $"{paletteCount} palette colours for {bits}-bit pixels");
        return new Header(width, height, topDown, bits, compression, size + extra, paletteCount, size == 12 ? 3 : 4, masks);
    }

    /// <summary>The palette as 256 RGB entries (missing ones black) and whether all entries are gray.</summary>
    private static (byte[] Rgb, bool Gray) ReadPalette(ReadOnlySpan<byte> data, Header h, CodecError err)
    {
        int start = FileHeader + h.HeaderSize, bytes = h.PaletteCount * h.PaletteEntrySize;
        if (start + bytes > data.Length) throw err.At("palette", start, $"truncated ({h.PaletteCount} colours need {bytes} bytes)");
        var rgb = new byte[256 * 3];
        bool gray = true;
        for (int i = 0; i < h.PaletteCount; i++)
        {
            var e = data.Slice(start + i * h.PaletteEntrySize, 3);   // B, G, R
            (rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]) = (e[2], e[1], e[0]);
            gray &= e[0] == e[1] && e[1] == e[2];
        }
        return (rgb, gray);
    }

    /// <summary>Offset of image row <paramref name="y"/> (top = 0) in the pixel data.</summary>
    private static int RowStart(Header h, int stride, int y) => (h.TopDown ? y : h.Height - 1 - y) * stride;

    private static Image DecodePalette(ReadOnlySpan<byte> pixels, int stride, Header h, (byte[] Rgb, bool Gray) palette)
    {
        var color = palette.Gray ? ColorSpace.Gray : ColorSpace.Rgb;
        var image = new Image(h.Width, h.Height, color);
        var dst = image.Pixels;
        int bits = h.Bits, mask = (1 << bits) - 1, c = image.Channels;
        var lut = palette.Rgb;
        for (int y = 0; y < h.Height; y++)
        {
            var row = pixels.Slice(RowStart(h, stride, y));
            int o = y * h.Width * c;
            for (int x = 0; x < h.Width; x++, o += c)
            {
                int bit = x * bits;
                int idx = bits == 8 ? row[x] : (row[bit >> 3] >> (8 - bits - (bit & 7))) & mask;
                if (c == 1) dst[o] = lut[3 * idx];
                else (dst[o], dst[o + 1], dst[o + 2]) = (lut[3 * idx], lut[3 * idx + 1], lut[3 * idx + 2]);
            }
        }
        return image;
    }

    private static Image DecodeBgr(ReadOnlySpan<byte> pixels, int stride, Header h)
    {
        var image = new Image(h.Width, h.Height, ColorSpace.Rgb);
        var dst = image.Pixels;
        for (int y = 0; y < h.Height; y++)
        {
            var row = pixels.Slice(RowStart(h, stride, y), 3 * h.Width);
            var outRow = dst.AsSpan(y * 3 * h.Width, 3 * h.Width);
            for (int i = 0; i < outRow.Length; i += 3) (outRow[i], outRow[i + 1], outRow[i + 2]) = (row[i + 2], row[i + 1], row[i]);
        }
        return image;
    }

    /// <summary>16/24/32-bit pixels whose channels are selected by bit masks.</summary>
    private static Image DecodeMasked(ReadOnlySpan<byte> pixels, int stride, Header h)
    {
        bool alpha = h.Masks[3] != 0;
        int c = alpha ? 4 : 3, bytesPer = h.Bits / 8;
        var image = new Image(h.Width, h.Height, alpha ? ColorSpace.Rgba : ColorSpace.Rgb);
        var dst = image.Pixels;
        Span<int> shift = stackalloc int[4];
        var luts = new byte[4][];
        for (int k = 0; k < c; k++) (shift[k], luts[k]) = ChannelLut(h.Masks[k]);
        for (int y = 0; y < h.Height; y++)
        {
            var row = pixels.Slice(RowStart(h, stride, y));
            int o = y * h.Width * c;
            for (int x = 0; x < h.Width; x++, o += c)
            {
                uint px = bytesPer switch
                {
                    2 => BinaryPrimitives.ReadUInt16LittleEndian(row[(2 * x)..]),
                    3 => (uint)(row[3 * x] | row[3 * x + 1] << 8 | row[3 * x + 2] << 16),
                    _ => BinaryPrimitives.ReadUInt32LittleEndian(row[(4 * x)..]),
                };
                for (int k = 0; k < c; k++)
                {
                    var lut = luts[k];
                    dst[o + k] = lut[(int)((px & h.Masks[k]) >> shift[k]) & (lut.Length - 1)];
                }
            }
        }
        return image;
    }

    /// <summary>Shift and 8-bit scaling table of one channel mask: n-bit values map to v * 255 / (2^n - 1); masks wider
    /// than 8 bits keep their top 8 bits.</summary>
    private static (int Shift, byte[] Lut) ChannelLut(uint mask)
    {
        if (mask == 0) return (0, [0]);
        int shift = BitOperations.TrailingZeroCount(mask), bits = BitOperations.PopCount(mask);
        if (bits > 8) return (shift + bits - 8, Enumerable.Range(0, 256).Select(v => (byte)v).ToArray());
        int max = (1 << bits) - 1;
        var lut = new byte[max + 1];
        for (int v = 0; v <= max; v++) lut[v] = (byte)(v * 255 / max);
        return (shift, lut);
    }
}
