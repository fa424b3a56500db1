// Public entry points of the managed JPEG decoder: Decode (baseline and progressive Huffman JPEG, 8-bit, greyscale /
// YCbCr / RGB / CMYK / YCCK, any integral sampling factors, restart markers, Exif orientation, DCT-domain
// downscaling) and ReadInfo (header fields without decoding). Output matches libjpeg-turbo's islow IDCT with fancy
// upsampling, i.e. what PIL returns.
namespace Fovea.Imaging.Codecs;

/// <summary>Header fields of a JPEG file, as stored (before Exif orientation is applied).</summary>
public readonly record struct JpegInfo(int Width, int Height, int Components, bool Progressive, int Orientation);

/// <summary>Decodes JPEG files into 8-bit <see cref="Image"/>s (Gray for one component, Rgb otherwise).</summary>
public static class JpegDecoder
{
    /// <summary>
    /// Decodes a baseline or progressive JPEG.
    /// </summary>
    /// <param name="data">The whole file.</param>
    /// <param name="name">File name used in error messages.</param>
    /// <param name="applyExifOrientation">Rotate / flip according to the Exif orientation tag.</param>
    /// <param name="strict">
    /// When true (default) corrupt or truncated entropy-coded data throws <see cref="InvalidDataException"/>; when false
    /// the decoder behaves like libjpeg: missing data decodes as zeros and the partial image is returned.
    /// </param>
    /// <param name="scaleDenominator">1, 2, 4 or 8: decode at 1/n size in the DCT domain (libjpeg's scale_denom).</param>
    public static Image Decode(ReadOnlySpan<byte> data, string? name = null, bool applyExifOrientation = true,
        bool strict = true, int scaleDenominator = 1)
    {
        if (scaleDenominator is not (1 or 2 or 4 or 8))
            throw new ArgumentOutOfRangeException(nameof(scaleDenominator), $"JpegDecoder.Decode: scaleDenominator must be 1, 2, 4 or 8, got {scaleDenominator}.");
        var p = new JpegParser(data, name, strict, scaleDenominator);
        Image img;
        try
        {
            p.Run(headerOnly: false);
            if (p.Progressive) p.FinishProgressive();
            int width = JpegParser.DivCeil(p.Width, scaleDenominator), height = JpegParser.DivCeil(p.Height, scaleDenominator);
            img = JpegColor.Build(p.Components, width, height, p.MaxH, p.MaxV, p.MinBlockSize, ColorKind(ref p), p.SawAdobe);
        }
        finally
        {
            p.Release();
        }
        return applyExifOrientation ? JpegExif.Apply(img, p.Orientation) : img;
    }

    /// <summary>Reads size, component count, progressive flag and Exif orientation (1..8) without decoding pixels.</summary>
    public static JpegInfo ReadInfo(ReadOnlySpan<byte> data, string? name = null)
    {
        var p = new JpegParser(data, name, strict: true, scale: 1);
        p.Run(headerOnly: true);
        if (!p.FrameReady) throw p.Error("SOF", data.Length, "no frame header found");
        return new JpegInfo(p.Width, p.Height, p.Components.Length, p.Progressive, p.Orientation);
    }

    /// <summary>libjpeg's colour space guess (jdapimin.c default_decompress_parms).</summary>
    private static JpegColorKind ColorKind(ref JpegParser p)
    {
        var c = p.Components;
        if (c.Length == 1) return JpegColorKind.Gray;
        if (c.Length == 4)
            return p.SawAdobe && p.AdobeTransform == 2 ? JpegColorKind.Ycck : JpegColorKind.Cmyk;
        if (p.SawJfif) return JpegColorKind.YCbCr;
        if (p.SawAdobe) return p.AdobeTransform == 0 ? JpegColorKind.Rgb : JpegColorKind.YCbCr;
        return c[0].Id == 'R' && c[1].Id == 'G' && c[2].Id == 'B' ? JpegColorKind.Rgb : JpegColorKind.YCbCr;
    }
}
