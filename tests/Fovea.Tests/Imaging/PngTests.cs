// PNG codec tests: decoding every colour type x bit depth (plain, Adam7, tRNS, split IDAT, all five filters) equals
// PIL's pixels (fixtures from tools/fixtures/gen_images.py); encode -> decode round trips; corrupt input messages.
// Our encoder's output was checked readable by PIL with tools/fixtures/check_image_output.py (run it on the files this
// class writes when FOVEA_IMAGE_DUMP names a folder).
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using Fovea.Imaging;
using Fovea.Imaging.Codecs;
using Xunit;

namespace Fovea.Tests.Imaging;

public class PngTests
{
    public static TheoryData<string> Cases => ImageFixtures.Cases("png", "png");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_EqualsPil(string name)
    {
        var image = PngDecoder.Decode(ImageFixtures.Bytes("png", name + ".png"), name + ".png");
        var (shape, values) = ImageFixtures.Expected("png", name);
        ImageFixtures.AssertPixels(shape, values, image, name);
        Assert.Equal(name.Contains("_d16") ? 16 : 8, image.BitDepth);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EncodeDecode_RoundTrips(string name)
    {
        var image = PngDecoder.Decode(ImageFixtures.Bytes("png", name + ".png"));
        foreach (int level in new[] { 0, 6, 9 })
            ImageFixtures.AssertSame(image, PngDecoder.Decode(PngEncoder.Encode(image, level)), $"{name} at level {level}");
    }

    [Theory]
    [InlineData(ColorSpace.Gray, 8)]
    [InlineData(ColorSpace.GrayAlpha, 8)]
    [InlineData(ColorSpace.Rgb, 8)]
    [InlineData(ColorSpace.Rgba, 8)]
    [InlineData(ColorSpace.Gray, 16)]
    [InlineData(ColorSpace.GrayAlpha, 16)]
    [InlineData(ColorSpace.Rgb, 16)]
    [InlineData(ColorSpace.Rgba, 16)]
    public void EncodeDecode_RandomImages(ColorSpace color, int depth)
    {
        foreach (var (w, h) in new[] { (1, 1), (13, 7), (64, 33) })
        {
            var image = ImageFixtures.Random(w, h, color, depth, seed: w * 31 + h);
            var png = PngEncoder.Encode(image);
            ImageFixtures.AssertSame(image, PngDecoder.Decode(png), $"{color} {depth}-bit {w}x{h}");
            ImageFixtures.Dump($"random_{color}_{depth}_{w}x{h}.png", PngDecoder.Decode(png), png);
        }
    }

    [Fact]
    public void Encoder_ChoosesFiltersAndCompresses()
    {
        // A smooth gradient: adaptive filtering makes it far smaller than the raw samples.
        var px = new byte[256 * 64 * 3];
        for (int i = 0; i < px.Length; i++) px[i] = (byte)(i / 3 % 256 + i / (256 * 3));
        var image = new Image(256, 64, ColorSpace.Rgb, px);
        var small = PngEncoder.Encode(image, 9);
        var stored = PngEncoder.Encode(image, 0);
        Assert.True(small.Length < px.Length / 20, $"level 9: {small.Length} bytes for {px.Length} samples");
        Assert.True(stored.Length > px.Length, $"level 0 stores: {stored.Length} bytes");
        ImageFixtures.AssertSame(image, PngDecoder.Decode(small), "level 9");
        ImageFixtures.AssertSame(image, PngDecoder.Decode(stored), "level 0");
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode(image, 10));
    }

    [Fact]
    public void Save_WritesAtomically()
    {
        var dir = Directory.CreateTempSubdirectory("fovea-png");
        try
        {
            var image = ImageFixtures.Random(5, 4, ColorSpace.Rgba, 8, seed: 1);
            var path = Path.Combine(dir.FullName, "out.png");
            File.WriteAllText(path, "old contents");
            PngEncoder.Save(image, path);
            ImageFixtures.AssertSame(image, PngDecoder.Decode(File.ReadAllBytes(path)), "saved file");
            Assert.Single(Directory.GetFiles(dir.FullName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    // ---------------------------------------------------------------------------------------------------- bad input

    private static byte[] Sample() => ImageFixtures.Bytes("png", "ct2_d8_interlaced.png");

    /// <summary>Offset of the first chunk of <paramref name="type"/> in <paramref name="png"/>.</summary>
    private static int ChunkOffset(byte[] png, string type)
    {
        for (int pos = 8; pos + 8 <= png.Length; pos += 12 + (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos)))
            if (System.Text.Encoding.ASCII.GetString(png, pos + 4, 4) == type) return pos;
        throw new InvalidOperationException($"no {type} chunk");
    }

    private static void FixCrc(byte[] png, int chunk)
    {
        int len = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(chunk));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(chunk + 8 + len), Crc32.Compute(png.AsSpan(chunk + 4, len + 4)));
    }

    private static string DecodeError(byte[] png) =>
        Assert.Throws<InvalidDataException>(() => PngDecoder.Decode(png, "photo.png")).Message;

    [Fact]
    public void BadCrc_NamesChunkAndOffset()
    {
        var png = Sample();
        int idat = ChunkOffset(png, "IDAT");
        png[idat + 20] ^= 0x40;
        Assert.Equal($"photo.png: IDAT chunk at offset {idat}: CRC mismatch", DecodeError(png));
    }

    [Fact]
    public void Truncated_NamesChunkAndOffset()
    {
        var png = Sample();
        int idat = ChunkOffset(png, "IDAT");
        var msg = DecodeError(png[..(idat + 30)]);
        Assert.StartsWith($"photo.png: IDAT chunk at offset {idat}: truncated", msg);
        msg = DecodeError(png[..ChunkOffset(png, "IEND")]);
        Assert.Contains("no IEND chunk", msg);
        Assert.Contains("not a PNG file", DecodeError(png[..5]));
    }

    [Fact]
    public void BadZlib_NamesIdat()
    {
        var png = Sample();
        int idat = ChunkOffset(png, "IDAT");
        png[idat + 8] = 0x78;
        png[idat + 9] = 0x00;      // invalid zlib header check bits
        FixCrc(png, idat);
        Assert.StartsWith($"photo.png: IDAT chunk at offset {idat}: corrupt zlib data", DecodeError(png));
    }

    [Fact]
    public void ShortImageData_IsReported()
    {
        var image = ImageFixtures.Random(8, 8, ColorSpace.Gray, 8, seed: 3);
        var png = PngEncoder.Encode(image);
        var raw = new byte[20];  // a valid zlib stream holding fewer bytes than 8 rows of 1 + 8
        using (var ms = new MemoryStream())
        {
            using (var z = new System.IO.Compression.ZLibStream(ms, System.IO.Compression.CompressionLevel.Optimal)) z.Write(raw);
            raw = ms.ToArray();
        }
        var broken = Rebuild(png, "IDAT", raw);
        Assert.EndsWith("image data ends after 20 of 72 bytes", DecodeError(broken));
    }

    [Fact]
    public void BadFilterType_IsReported()
    {
        var raw = new byte[] { 0, 1, 2, 7, 3, 4 };  // 2 rows of 2 gray pixels; the second has filter 7
        var png = PngEncoder.Encode(new Image(2, 2, ColorSpace.Gray));
        using var ms = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(ms, System.IO.Compression.CompressionLevel.Optimal)) z.Write(raw);
        Assert.EndsWith("unknown filter type 7 on row 1", DecodeError(Rebuild(png, "IDAT", ms.ToArray())));
    }

    [Fact]
    public void BadHeader_IsReported()
    {
        var png = Sample();
        png[8 + 8 + 8] = 3;  // bit depth 3
        FixCrc(png, 8);
        Assert.Equal("photo.png: IHDR chunk at offset 8: bit depth 3 is not allowed with colour type 2", DecodeError(png));
        Assert.StartsWith("PNG data: ", Assert.Throws<InvalidDataException>(() => PngDecoder.Decode(png)).Message);

        // A header claiming far more pixels than the compressed data can hold fails before anything is allocated.
        png = Sample();
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), 30_000);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), 20_000);
        FixCrc(png, 8);
        Assert.Matches(@"^photo\.png: IDAT chunk at offset \d+: \d+ bytes of compressed data cannot hold the \d+ bytes of a 30000x20000 image$",
            DecodeError(png));
    }

    /// <summary>Truncations and byte flips anywhere only ever raise InvalidDataException.</summary>
    [Fact]
    public void CorruptInputs_NeverCrash()
    {
        foreach (var name in new[] { "ct3_d4_trns_partial_interlaced", "ct0_d16_interlaced", "ct6_d8" })
        {
            var png = ImageFixtures.Bytes("png", name + ".png");
            for (int cut = 0; cut < png.Length; cut += 7) DecodeError(png[..cut]);
            var chunks = new List<(int Start, int Length)>();
            for (int pos = 8; pos < png.Length; pos += 12 + chunks[^1].Length)
                chunks.Add((pos, (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos))));
            var rng = new System.Random(5);
            for (int trial = 0; trial < 300; trial++)
            {
                var bad = (byte[])png.Clone();
                int at = rng.Next(8, bad.Length);
                bad[at] ^= (byte)(1 << rng.Next(8));
                var (start, len) = chunks.Last(c => c.Start <= at);
                if (trial % 2 == 0)   // re-sign the chunk so that the flip gets past the CRC check
                    BinaryPrimitives.WriteUInt32BigEndian(bad.AsSpan(start + 8 + len), Crc32.Compute(bad.AsSpan(start + 4, len + 4)));
                try { PngDecoder.Decode(bad); }
                catch (InvalidDataException) { }
            }
        }
    }

    /// <summary>Replaces the body of the first <paramref name="type"/> chunk (and drops further chunks of that type).</summary>
    private static byte[] Rebuild(byte[] png, string type, byte[] body)
    {
        var ms = new MemoryStream();
        ms.Write(png, 0, 8);
        bool done = false;
        for (int pos = 8; pos < png.Length;)
        {
            int len = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            string t = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            if (t != type) ms.Write(png, pos, len + 12);
            else if (!done)
            {
                var chunk = new byte[body.Length + 12];
                BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)body.Length);
                System.Text.Encoding.ASCII.GetBytes(type, chunk.AsSpan(4));
                body.CopyTo(chunk, 8);
                BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + body.Length), Crc32.Compute(chunk.AsSpan(4, body.Length + 4)));
                ms.Write(chunk);
                done = true;
            }
            pos += len + 12;
        }
        return ms.ToArray();
    }

    // ------------------------------------------------------------------------------------------------ real photos

    public static TheoryData<string> SkimageCopies => ImageFixtures.Cases("skimage", "png");

    /// <summary>Small files copied from python3-skimage's data folder, with PIL's pixels.</summary>
    [Theory]
    [MemberData(nameof(SkimageCopies))]
    public void Decode_SkimageCopies_EqualPil(string name)
    {
        var image = PngDecoder.Decode(ImageFixtures.Bytes("skimage", name + ".png"), name);
        var (shape, values) = ImageFixtures.Expected("skimage", name);
        ImageFixtures.AssertPixels(shape, values, image, name);
    }

    /// <summary>Every PNG of python3-skimage's data folder (when installed) decodes to PIL's pixels: size, channels and
    /// the SHA-256 of the samples recorded by the generator. Returns without checking when the folder is missing.</summary>
    [Fact]
    public void Decode_SkimagePhotos_MatchPil()
    {
        const string dir = "/usr/lib/python3/dist-packages/skimage/data";
        if (!Directory.Exists(dir)) return;
        using var manifest = JsonDocument.Parse(File.ReadAllText(ImageFixtures.PathOf("skimage", "manifest.json")));
        int checkedFiles = 0;
        foreach (var entry in manifest.RootElement.EnumerateObject())
        {
            var path = Path.Combine(dir, entry.Name);
            if (!File.Exists(path)) continue;
            var image = PngDecoder.Decode(File.ReadAllBytes(path), entry.Name);
            Assert.Equal(entry.Value.GetProperty("width").GetInt32(), image.Width);
            Assert.Equal(entry.Value.GetProperty("height").GetInt32(), image.Height);
            Assert.Equal(entry.Value.GetProperty("channels").GetInt32(), image.Channels);
            Assert.Equal(entry.Value.GetProperty("bit_depth").GetInt32() == 16 ? 16 : 8, image.BitDepth);
            // For 16-bit files the manifest hashes the high bytes, which is what PIL keeps.
            var samples = image.BitDepth == 8 ? image.Pixels : image.Pixels16!.Select(v => (byte)(v >> 8)).ToArray();
            Assert.True(entry.Value.GetProperty("sha256").GetString() == Convert.ToHexStringLower(SHA256.HashData(samples)),
                $"{entry.Name}: pixels differ from PIL's");
            checkedFiles++;
        }
        Assert.True(checkedFiles > 0, "no skimage PNG found");
    }
}
