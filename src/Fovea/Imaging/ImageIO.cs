// Reading and writing image files. Decoding sniffs the format from the first bytes (PNG, JPEG, BMP, GIF, PGM/PPM/PBM);
// writing picks the encoder from the file extension (.png, .bmp, .ppm/.pgm/.pnm, .jpg/.jpeg). Files are written
// atomically (temp file + rename).
using Fovea.Imaging.Codecs;

namespace Fovea.Imaging;

/// <summary>Image file formats known to <see cref="ImageIO"/>.</summary>
public enum ImageFormat
{
    Png,
    Jpeg,
    Bmp,
    Gif,
    /// <summary>PBM/PGM/PPM (P1..P6).</summary>
    Netpbm,
}

/// <summary>Reads and writes image files in any supported format.</summary>
public static class ImageIO
{
    /// <summary>Decodes the image file at <paramref name="path"/> (first frame for GIF).</summary>
    public static Image Read(string path) => Decode(File.ReadAllBytes(path), path);

    /// <summary>Decodes all frames of an animated GIF (composed, RGBA); other formats give one image.</summary>
    public static List<Image> ReadFrames(string path)
    {
        var data = File.ReadAllBytes(path);
        return GifDecoder.IsGif(data) ? [.. GifDecoder.DecodeAnimation(data, path).Frames] : [Decode(data, path)];
    }

    /// <summary>The format of an encoded image, from its first bytes; null when unknown.</summary>
    public static ImageFormat? DetectFormat(ReadOnlySpan<byte> data)
    {
        if (PngDecoder.IsPng(data)) return ImageFormat.Png;
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return ImageFormat.Jpeg;
        if (GifDecoder.IsGif(data)) return ImageFormat.Gif;
        if (BmpDecoder.IsBmp(data)) return ImageFormat.Bmp;
        if (NetpbmDecoder.IsNetpbm(data)) return ImageFormat.Netpbm;
        return null;
    }

    /// <summary>
    /// Decodes an image whose format is sniffed from its first bytes (first frame for GIF). Corrupt data throws
    /// <see cref="InvalidDataException"/> naming <paramref name="nameForErrors"/>, the part of the file and the offset.
    /// </summary>
    public static Image Decode(ReadOnlySpan<byte> data, string? nameForErrors = null) => DetectFormat(data) switch
    {
        ImageFormat.Png => PngDecoder.Decode(data, nameForErrors),
        ImageFormat.Jpeg => DecodeJpeg(data, nameForErrors),
        ImageFormat.Gif => GifDecoder.Decode(data, nameForErrors),
        ImageFormat.Bmp => BmpDecoder.Decode(data, nameForErrors),
        ImageFormat.Netpbm => NetpbmDecoder.Decode(data, nameForErrors),
        _ => throw new InvalidDataException(data.IsEmpty
            ? $"{nameForErrors ?? "image data"}: empty file"
            : $"{nameForErrors ?? "image data"}: unknown image format (first bytes {Convert.ToHexString(data[..Math.Min(8, data.Length)])})"),
    };

    /// <summary>Writes <paramref name="image"/> in the format of the extension of <paramref name="path"/> (.png, .bmp,
    /// .ppm, .pgm, .pnm, .jpg, .jpeg), atomically. <paramref name="quality"/> (1..100) applies to JPEG.</summary>
    public static void Write(Image image, string path, int quality = 90)
    {
        var ext = Path.GetExtension(path);
        if (string.IsNullOrEmpty(ext)) throw new ArgumentException($"ImageIO.Write: '{path}' has no extension to choose a format by.", nameof(path));
        CodecFiles.WriteAtomic(path, Encode(image, ext, quality));
    }

    /// <summary>Encodes <paramref name="image"/> as <paramref name="format"/>: "png", "bmp", "ppm", "pgm", "pnm",
    /// "jpg" or "jpeg" (case-insensitive, leading dot allowed). <paramref name="quality"/> (1..100) applies to JPEG.</summary>
    public static byte[] Encode(Image image, string format, int quality = 90)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (quality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(quality), $"ImageIO.Encode: quality must be 1..100, got {quality}.");
        return format.TrimStart('.').ToLowerInvariant() switch
        {
            "png" => PngEncoder.Encode(image),
            "bmp" => BmpEncoder.Encode(image),
            "pgm" when image.Color != ColorSpace.Gray =>
                throw new ArgumentException($"ImageIO.Encode: PGM holds gray images, got {image.Color}; use .ppm.", nameof(image)),
            "ppm" when image.Color != ColorSpace.Rgb =>
                throw new ArgumentException($"ImageIO.Encode: PPM holds RGB images, got {image.Color}; use .pgm for gray.", nameof(image)),
            "pgm" or "ppm" or "pnm" => NetpbmEncoder.Encode(image),
            "jpg" or "jpeg" => EncodeJpeg(image, quality),
            _ => throw new ArgumentException($"ImageIO.Encode: unknown format '{format}' (png, bmp, ppm, pgm, pnm, jpg, jpeg).", nameof(format)),
        };
    }

    // JPEG lives in Codecs/Jpeg: EXIF orientation is applied on decode; 4:2:0 subsampling on encode.
    private static Image DecodeJpeg(ReadOnlySpan<byte> data, string? name) => Codecs.JpegDecoder.Decode(data, name);

    private static byte[] EncodeJpeg(Image image, int quality) => Codecs.JpegEncoder.Encode(image, quality);
}
