// An image in memory: interleaved pixels (HWC), 8 or 16 bits per sample, 1-4 channels. The codecs produce and consume
// it; the tensor conversions (Data/Augmentation/ImageTensor.cs) and the augmentation library work on it.
namespace Fovea.Imaging;

/// <summary>Channel layout of an <see cref="Image"/>.</summary>
public enum ColorSpace
{
    Gray = 1,
    GrayAlpha = 2,
    Rgb = 3,
    Rgba = 4,
}

/// <summary>
/// A decoded image: <see cref="Height"/> rows of <see cref="Width"/> pixels of <see cref="Channels"/> interleaved
/// samples. 8-bit images keep their samples in <see cref="Pixels"/>; 16-bit images in <see cref="Pixels16"/>.
/// </summary>
public sealed class Image
{
    public Image(int width, int height, ColorSpace color, byte[]? pixels = null)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"Image: size must be positive, got {width}x{height}.");
        Width = width;
        Height = height;
        Color = color;
        BitDepth = 8;
        long n = (long)width * height * (int)color;
        if (n > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(width), $"Image: {width}x{height}x{(int)color} samples is too large.");
        if (pixels != null && pixels.Length != n) throw new ArgumentException($"Image: expected {n} samples for {width}x{height} {color}, got {pixels.Length}.");
        Pixels = pixels ?? new byte[n];
    }

    /// <summary>A 16-bit image (PNG with bit depth 16).</summary>
    public Image(int width, int height, ColorSpace color, ushort[] pixels16)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"Image: size must be positive, got {width}x{height}.");
        long n = (long)width * height * (int)color;
        if (pixels16.Length != n) throw new ArgumentException($"Image: expected {n} samples for {width}x{height} {color}, got {pixels16.Length}.");
        Width = width;
        Height = height;
        Color = color;
        BitDepth = 16;
        Pixels = [];
        Pixels16 = pixels16;
    }

    public int Width { get; }
    public int Height { get; }
    public ColorSpace Color { get; }
    public int Channels => (int)Color;
    /// <summary>8 or 16.</summary>
    public int BitDepth { get; }
    /// <summary>8-bit samples, row-major HWC (empty for 16-bit images).</summary>
    public byte[] Pixels { get; }
    /// <summary>16-bit samples, row-major HWC (null for 8-bit images).</summary>
    public ushort[]? Pixels16 { get; }

    /// <summary>Bytes per row of 8-bit samples.</summary>
    public int Stride => Width * Channels;

    public override string ToString() => $"Image({Width}x{Height}, {Color}, {BitDepth}-bit)";
}
