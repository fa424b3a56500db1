// BMP encoder: Gray as 8-bit with a gray palette, RGB as 24-bit, images with alpha as 32-bit BI_BITFIELDS with a
// BITMAPV4HEADER (so that readers such as PIL keep the alpha). Rows bottom-up, padded to 4 bytes.
using System.Buffers.Binary;

namespace Fovea.Imaging.Codecs;

/// <summary>Encodes 8-bit <see cref="Image"/>s as BMP files.</summary>
public static class BmpEncoder
{
    /// <summary>Encodes <paramref name="image"/> (8-bit samples) as a BMP file.</summary>
    public static byte[] Encode(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.BitDepth != 8) throw new ArgumentException($"BmpEncoder: BMP holds 8-bit samples, got a {image.BitDepth}-bit image.", nameof(image));
        bool alpha = image.Color is ColorSpace.GrayAlpha or ColorSpace.Rgba, gray = image.Color == ColorSpace.Gray;
        int bits = gray ? 8 : alpha ? 32 : 24;
        int headerSize = alpha ? 108 : 40, paletteBytes = gray ? 256 * 4 : 0;
        int stride = (image.Width * bits / 8 + 3) & ~3;
        int offset = 14 + headerSize + paletteBytes;
        long total = offset + (long)stride * image.Height;
        if (total > int.MaxValue) throw new ArgumentException($"BmpEncoder: {image} is too large for a BMP file.", nameof(image));
        var file = new byte[total];
        var s = file.AsSpan();
        s[0] = (byte)'B';
        s[1] = (byte)'M';
        BinaryPrimitives.WriteUInt32LittleEndian(s[2..], (uint)total);
        BinaryPrimitives.WriteUInt32LittleEndian(s[10..], (uint)offset);
        var dib = s[14..];
        BinaryPrimitives.WriteUInt32LittleEndian(dib, (uint)headerSize);
        BinaryPrimitives.WriteInt32LittleEndian(dib[4..], image.Width);
        BinaryPrimitives.WriteInt32LittleEndian(dib[8..], image.Height);
        BinaryPrimitives.WriteUInt16LittleEndian(dib[12..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(dib[14..], (ushort)bits);
        BinaryPrimitives.WriteUInt32LittleEndian(dib[16..], alpha ? 3u : 0u);
        BinaryPrimitives.WriteUInt32LittleEndian(dib[20..], (uint)(stride * image.Height));
        BinaryPrimitives.WriteUInt32LittleEndian(dib[24..], 2835);   // 72 dpi
        BinaryPrimitives.WriteUInt32LittleEndian(dib[28..], 2835);
        if (gray) BinaryPrimitives.WriteUInt32LittleEndian(dib[32..], 256);
        if (alpha)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(dib[40..], 0x00FF0000);
            BinaryPrimitives.WriteUInt32LittleEndian(dib[44..], 0x0000FF00);
            BinaryPrimitives.WriteUInt32LittleEndian(dib[48..], 0x000000FF);
            BinaryPrimitives.WriteUInt32LittleEndian(dib[52..], 0xFF000000);
            BinaryPrimitives.WriteUInt32LittleEndian(dib[56..], 0x73524742);  // LCS_sRGB
        }
        if (gray)
            for (int i = 0; i < 256; i++) s[14 + headerSize + 4 * i] = s[15 + headerSize + 4 * i] = s[16 + headerSize + 4 * i] = (byte)i;
        for (int y = 0; y < image.Height; y++)
            WriteRow(image, y, s.Slice(offset + (image.Height - 1 - y) * stride, stride));
        return file;
    }

    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/> as BMP (atomically: temp file + rename).</summary>
    public static void Save(Image image, string path) => CodecFiles.WriteAtomic(path, Encode(image));

    private static void WriteRow(Image image, int y, Span<byte> dst)
    {
        int c = image.Channels, w = image.Width;
        var src = image.Pixels.AsSpan(y * w * c, w * c);
        switch (image.Color)
        {
            case ColorSpace.Gray:
                src.CopyTo(dst);
                break;
            case ColorSpace.Rgb:
                for (int x = 0; x < w; x++) (dst[3 * x], dst[3 * x + 1], dst[3 * x + 2]) = (src[3 * x + 2], src[3 * x + 1], src[3 * x]);
                break;
            case ColorSpace.Rgba:
                for (int x = 0; x < w; x++)
                    (dst[4 * x], dst[4 * x + 1], dst[4 * x + 2], dst[4 * x + 3]) = (src[4 * x + 2], src[4 * x + 1], src[4 * x], src[4 * x + 3]);
                break;
            default:
                for (int x = 0; x < w; x++)
                    (dst[4 * x], dst[4 * x + 1], dst[4 * x + 2], dst[4 * x + 3]) = (src[2 * x], src[2 * x], src[2 * x], src[2 * x + 1]);
                break;
        }
    }
}
