// Netpbm encoder: binary PGM (P5) for gray, PPM (P6) for RGB; 8-bit images with maxval 255, 16-bit with 65535.
using System.Buffers.Binary;
using System.Text;

namespace Fovea.Imaging.Codecs;

/// <summary>Encodes gray or RGB <see cref="Image"/>s as binary PGM/PPM files.</summary>
public static class NetpbmEncoder
{
    /// <summary>Encodes <paramref name="image"/> as P5 (Gray) or P6 (Rgb); images with alpha are rejected.</summary>
    public static byte[] Encode(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Color is not (ColorSpace.Gray or ColorSpace.Rgb))
            throw new ArgumentException($"NetpbmEncoder: PGM/PPM hold Gray or Rgb images, got {image.Color}; drop the alpha channel first.", nameof(image));
        bool wide = image.BitDepth == 16;
        var header = Encoding.ASCII.GetBytes($"{(image.Color == ColorSpace.Gray ? "P5" : "P6")}\n{image.Width} {image.Height}\n{(wide ? 65535 : 255)}\n");
        int n = image.Width * image.Height * image.Channels;
        var file = new byte[header.Length + (long)n * (wide ? 2 : 1)];
        header.CopyTo(file, 0);
        var body = file.AsSpan(header.Length);
        if (!wide) image.Pixels.CopyTo(body);
        else
        {
            var src = image.Pixels16!;
            for (int i = 0; i < n; i++) BinaryPrimitives.WriteUInt16BigEndian(body[(2 * i)..], src[i]);
        }
        return file;
    }

    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/> as PGM/PPM (atomically: temp file + rename).</summary>
    public static void Save(Image image, string path) => CodecFiles.WriteAtomic(path, Encode(image));
}
