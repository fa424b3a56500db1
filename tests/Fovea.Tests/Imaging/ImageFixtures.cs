// Loads the image codec fixtures (tools/fixtures/gen_images.py): encoded files and the pixels PIL decodes from them.
using Fovea.Imaging;
using Fovea.IO;
using Xunit;

namespace Fovea.Tests.Imaging;

public static class ImageFixtures
{
    public static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Fixtures", "images");

    /// <summary>Case names (file names without extension) of Fixtures/images/<paramref name="format"/>/*.<paramref name="ext"/>.</summary>
    public static TheoryData<string> Cases(string format, string ext)
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(Path.Combine(Root, format), "*." + ext).Order())
            data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    public static string PathOf(string format, string file) => Path.Combine(Root, format, file);

    public static byte[] Bytes(string format, string file) => File.ReadAllBytes(PathOf(format, file));

    /// <summary>The expected samples of a case: its .npy shape (H, W, C) or (frames, H, W, C), and the values.</summary>
    public static (int[] Shape, int[] Values) Expected(string format, string name)
    {
        using var t = Npy.Load(PathOf(format, name + ".npy"));
        var shape = t.Shape.ToArray();
        int[] values = t.DType == DType.UInt8 ? t.ToArray<byte>().Select(b => (int)b).ToArray() : t.ToArray<int>();
        return (shape, values);
    }

    /// <summary>Asserts <paramref name="image"/> holds exactly <paramref name="values"/> (H x W x C, starting at
    /// <paramref name="offset"/>), reporting the first differing sample.</summary>
    public static void AssertPixels(int[] shape, int[] values, Image image, string what, int offset = 0)
    {
        int h = shape[^3], w = shape[^2], c = shape[^1];
        Assert.True(image.Width == w && image.Height == h && image.Channels == c,
            $"{what}: decoded {image}, expected {w}x{h} with {c} channels");
        int n = h * w * c;
        for (int i = 0; i < n; i++)
        {
            int actual = image.BitDepth == 8 ? image.Pixels[i] : image.Pixels16![i];
            if (actual != values[offset + i])
                Assert.Fail($"{what}: sample (y={i / c / w}, x={i / c % w}, c={i % c}) is {actual}, expected {values[offset + i]}");
        }
    }

    /// <summary>Asserts two images are identical (size, colour space, depth and samples).</summary>
    public static void AssertSame(Image expected, Image actual, string what)
    {
        Assert.Equal(expected.ToString(), actual.ToString());
        if (expected.BitDepth == 8) Assert.True(expected.Pixels.AsSpan().SequenceEqual(actual.Pixels), $"{what}: pixels differ");
        else Assert.True(expected.Pixels16.AsSpan().SequenceEqual(actual.Pixels16), $"{what}: pixels differ");
    }

    /// <summary>A seeded random image.</summary>
    public static Image Random(int width, int height, ColorSpace color, int bitDepth, int seed)
    {
        var rng = new System.Random(seed);
        int n = width * height * (int)color;
        if (bitDepth == 8)
        {
            var px = new byte[n];
            for (int i = 0; i < n; i++) px[i] = (byte)(i % 7 == 0 ? rng.Next(256) : (i / 3 + (i % 3) * 40) & 0xFF);
            return new Image(width, height, color, px);
        }
        var px16 = new ushort[n];
        for (int i = 0; i < n; i++) px16[i] = (ushort)(i % 5 == 0 ? rng.Next(65536) : i * 97);
        return new Image(width, height, color, px16);
    }

    /// <summary>When $FOVEA_IMAGE_DUMP names a folder, writes an encoded file there with a .json of the pixels it
    /// should decode to, for tools/fixtures/check_image_output.py (which reads them with PIL).</summary>
    public static void Dump(string fileName, Image decoded, byte[] encoded)
    {
        var dir = Environment.GetEnvironmentVariable("FOVEA_IMAGE_DUMP");
        if (string.IsNullOrEmpty(dir)) return;
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, fileName), encoded);
        var samples = decoded.BitDepth == 8 ? decoded.Pixels.Select(b => (int)b).ToArray() : decoded.Pixels16!.Select(v => (int)v).ToArray();
        File.WriteAllText(Path.Combine(dir, fileName + ".json"), System.Text.Json.JsonSerializer.Serialize(
            new { width = decoded.Width, height = decoded.Height, channels = decoded.Channels, bitDepth = decoded.BitDepth, samples }));
    }
}
