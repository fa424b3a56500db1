// Exif orientation for the JPEG decoder: reads tag 0x0112 from the APP1 TIFF structure and applies the matching
// flip / rotation (orientations 2..8, as PIL's ImageOps.exif_transpose does).
using System.Buffers.Binary;

namespace Fovea.Imaging.Codecs;

internal static class JpegExif
{
    /// <summary>Orientation 1..8 from a TIFF header + IFD0 (the APP1 payload after "Exif\0\0"); 1 if absent or malformed.</summary>
    public static int ReadOrientation(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8) return 1;
        bool little = tiff[0] == 'I' && tiff[1] == 'I';
        if (!little && !(tiff[0] == 'M' && tiff[1] == 'M')) return 1;
        long ifd = U32(tiff, 4, little);
        if (ifd < 8 || ifd + 2 > tiff.Length) return 1;
        int count = U16(tiff, (int)ifd, little);
        for (int i = 0; i < count; i++)
        {
            int e = (int)ifd + 2 + 12 * i;
            if (e + 12 > tiff.Length) return 1;
            if (U16(tiff, e, little) != 0x0112) continue;
            int type = U16(tiff, e + 2, little);
            int value = type == 3 ? U16(tiff, e + 8, little) : type == 4 ? (int)Math.Min(U32(tiff, e + 8, little), 9) : 0;
            return value is >= 1 and <= 8 ? value : 1;
        }
        return 1;
    }

    private static int U16(ReadOnlySpan<byte> b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt16BigEndian(b[at..]);

    private static long U32(ReadOnlySpan<byte> b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt32BigEndian(b[at..]);

    /// <summary>Returns <paramref name="img"/> flipped / rotated so that it displays upright for Exif orientation <paramref name="o"/>.</summary>
    public static Image Apply(Image img, int o)
    {
        if (o <= 1 || o > 8) return img;
        int w = img.Width, h = img.Height, ch = img.Channels;
        bool swap = o >= 5;
        int ow = swap ? h : w, oh = swap ? w : h;
        var src = img.Pixels;
        var dst = new byte[src.Length];
        for (int y = 0; y < oh; y++)
        {
            for (int x = 0; x < ow; x++)
            {
                (int sx, int sy) = o switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                src.AsSpan((sy * w + sx) * ch, ch).CopyTo(dst.AsSpan((y * ow + x) * ch, ch));
            }
        }
        return new Image(ow, oh, img.Color, dst);
    }
}
