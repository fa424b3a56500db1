// BMP, PGM/PPM/PBM and GIF codec tests: decoding equals PIL's pixels (fixtures from tools/fixtures/gen_images.py;
// GIF frames with RGB zeroed where alpha is 0), encode -> decode round trips, corrupt input messages. The BMP and
// PGM/PPM encoders' output was checked readable by PIL with tools/fixtures/check_image_output.py (files written when
// FOVEA_IMAGE_DUMP names a folder).
using Fovea.Imaging;
using Fovea.Imaging.Codecs;
using Xunit;

namespace Fovea.Tests.Imaging;

public class BmpNetpbmGifTests
{
    // ------------------------------------------------------------------------------------------------------------ BMP

    public static TheoryData<string> BmpCases => ImageFixtures.Cases("bmp", "bmp");

    [Theory]
    [MemberData(nameof(BmpCases))]
    public void Bmp_Decode_EqualsPil(string name)
    {
        var image = BmpDecoder.Decode(ImageFixtures.Bytes("bmp", name + ".bmp"), name + ".bmp");
        var (shape, values) = ImageFixtures.Expected("bmp", name);
        ImageFixtures.AssertPixels(shape, values, image, name);
    }

    [Theory]
    [MemberData(nameof(BmpCases))]
    public void Bmp_EncodeDecode_RoundTrips(string name)
    {
        var image = BmpDecoder.Decode(ImageFixtures.Bytes("bmp", name + ".bmp"));
        ImageFixtures.AssertSame(image, BmpDecoder.Decode(BmpEncoder.Encode(image)), name);
    }

    [Theory]
    [InlineData(ColorSpace.Gray)]
    [InlineData(ColorSpace.Rgb)]
    [InlineData(ColorSpace.Rgba)]
    public void Bmp_EncodeDecode_RandomImages(ColorSpace color)
    {
        foreach (var (w, h) in new[] { (1, 1), (13, 7), (34, 5) })
        {
            var image = ImageFixtures.Random(w, h, color, 8, seed: w + h);
            var bmp = BmpEncoder.Encode(image);
            ImageFixtures.AssertSame(image, BmpDecoder.Decode(bmp), $"{color} {w}x{h}");
            ImageFixtures.Dump($"random_{color}_{w}x{h}.bmp", image, bmp);
        }
    }

    [Fact]
    public void Bmp_GrayAlphaIsWrittenAsRgba_SixteenBitRejected()
    {
        var ga = new Image(2, 1, ColorSpace.GrayAlpha, [10, 20, 30, 40]);
        var back = BmpDecoder.Decode(BmpEncoder.Encode(ga));
        Assert.Equal(ColorSpace.Rgba, back.Color);
        Assert.Equal(new byte[] { 10, 10, 10, 20, 30, 30, 30, 40 }, back.Pixels);
        Assert.Throws<ArgumentException>(() => BmpEncoder.Encode(ImageFixtures.Random(2, 2, ColorSpace.Rgb, 16, 1)));
    }

    [Fact]
    public void Bmp_BadInput_NamesPartAndOffset()
    {
        var bmp = ImageFixtures.Bytes("bmp", "rgb24.bmp");   // 13x7, 40-byte header, pixels at 54
        var e = Assert.Throws<InvalidDataException>(() => BmpDecoder.Decode(bmp[..200], "photo.bmp"));
        Assert.Equal("photo.bmp: pixel data at offset 54: truncated: 13x7 at 24 bits needs 279 bytes, 146 available", e.Message);
        var bad = (byte[])bmp.Clone();
        bad[14] = 99;
        Assert.Equal("photo.bmp: DIB header at offset 14: unsupported header size 99",
            Assert.Throws<InvalidDataException>(() => BmpDecoder.Decode(bad, "photo.bmp")).Message);
        bad = (byte[])bmp.Clone();
        bad[30] = 1;  // RLE8
        Assert.Contains("unsupported compression 1", Assert.Throws<InvalidDataException>(() => BmpDecoder.Decode(bad)).Message);
        Assert.StartsWith("BMP data: file header at offset 0", Assert.Throws<InvalidDataException>(() => BmpDecoder.Decode(bmp[..10])).Message);
    }

    [Fact]
    public void Bmp_CorruptInputs_NeverCrash() =>
        Fuzz(["bmp/pal4.bmp", "bmp/bitfields16_565.bmp", "bmp/bitfields32_v4_alpha.bmp", "bmp/os2_pal8.bmp"],
            d => BmpDecoder.Decode(d));

    // ------------------------------------------------------------------------------------------------------ PGM/PPM

    public static TheoryData<string> PnmCases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var f in Directory.EnumerateFiles(Path.Combine(ImageFixtures.Root, "pnm")).Where(f => !f.EndsWith(".npy")).Order())
                data.Add(Path.GetFileName(f));
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(PnmCases))]
    public void Netpbm_Decode_EqualsPil(string file)
    {
        var image = NetpbmDecoder.Decode(ImageFixtures.Bytes("pnm", file), file);
        var (shape, values) = ImageFixtures.Expected("pnm", Path.GetFileNameWithoutExtension(file));
        ImageFixtures.AssertPixels(shape, values, image, file);
        Assert.Equal(values.Max() > 255 ? 16 : 8, image.BitDepth);
    }

    [Theory]
    [InlineData(ColorSpace.Gray, 8)]
    [InlineData(ColorSpace.Rgb, 8)]
    [InlineData(ColorSpace.Gray, 16)]
    [InlineData(ColorSpace.Rgb, 16)]
    public void Netpbm_EncodeDecode_RoundTrips(ColorSpace color, int depth)
    {
        var image = ImageFixtures.Random(13, 7, color, depth, seed: 4);
        var pnm = NetpbmEncoder.Encode(image);
        ImageFixtures.AssertSame(image, NetpbmDecoder.Decode(pnm), $"{color} {depth}-bit");
        ImageFixtures.Dump($"random_{color}_{depth}.{(color == ColorSpace.Gray ? "pgm" : "ppm")}", image, pnm);
    }

    [Fact]
    public void Netpbm_AlphaRejected() =>
        Assert.Throws<ArgumentException>(() => NetpbmEncoder.Encode(new Image(1, 1, ColorSpace.Rgba)));

    [Fact]
    public void Netpbm_BadInput_NamesPartAndOffset()
    {
        string Error(string text) => Assert.Throws<InvalidDataException>(() => NetpbmDecoder.Decode(System.Text.Encoding.ASCII.GetBytes(text), "a.pgm")).Message;
        Assert.Equal("a.pgm: pixel data at offset 11: truncated: 6 bytes needed, 3 available", Error("P5 3 2 255\nabc"));
        Assert.Equal("a.pgm: pixel data at offset 11: sample 9 exceeds maxval 7", Error("P2 2 1 7\n1 9"));
        Assert.Equal("a.pgm: pixel data at offset 11: file ends before the sample 1", Error("P2 2 1 7\n1 "));
        Assert.Equal("a.pgm: header at offset 5: expected the height, found byte 0x78", Error("P5 3 x 255\n"));
        Assert.Equal("a.pgm: header at offset 7: maxval 0 is not in 1..65535", Error("P5 3 2 0\nabcdef"));
        Assert.Equal("a.pgm: pixel data at offset 18: truncated: 1000000000 samples cannot fit in 5 bytes", Error("P2 40000 25000 255\n1 2 "));
    }

    [Fact]
    public void Netpbm_CorruptInputs_NeverCrash() =>
        Fuzz(["pnm/p2_maxval7.pgm", "pnm/p5_maxval1000.pgm", "pnm/p3_255.ppm", "pnm/p4.pbm"], d => NetpbmDecoder.Decode(d));

    // ------------------------------------------------------------------------------------------------------------ GIF

    public static TheoryData<string> GifCases => ImageFixtures.Cases("gif", "gif");

    [Theory]
    [MemberData(nameof(GifCases))]
    public void Gif_DecodeAllFrames_EqualsPil(string name)
    {
        var anim = GifDecoder.DecodeAnimation(ImageFixtures.Bytes("gif", name + ".gif"), name + ".gif");
        var (shape, values) = ImageFixtures.Expected("gif", name);
        var (_, delays) = ImageFixtures.Expected("gif", name + "_delays");
        Assert.Equal(shape[0], anim.Frames.Count);
        Assert.Equal(delays, anim.DelaysMs);
        int frameSize = shape[1] * shape[2] * shape[3];
        for (int i = 0; i < anim.Frames.Count; i++)
            ImageFixtures.AssertPixels(shape, values, anim.Frames[i], $"{name} frame {i}", offset: i * frameSize);
        ImageFixtures.AssertSame(anim.Frames[0], GifDecoder.Decode(ImageFixtures.Bytes("gif", name + ".gif")), "first frame");
    }

    [Fact]
    public void Gif_LoopCountAndMissingTrailer()
    {
        var gif = ImageFixtures.Bytes("gif", "animated.gif");
        Assert.Equal(0, GifDecoder.DecodeAnimation(gif).LoopCount);
        Assert.Equal(-1, GifDecoder.DecodeAnimation(ImageFixtures.Bytes("gif", "pil_256.gif")).LoopCount);
        Assert.Equal(6, GifDecoder.DecodeAnimation(gif[..^1]).Frames.Count);   // no trailer
    }

    [Fact]
    public void Gif_BadInput_NamesPartAndOffset()
    {
        var gif = ImageFixtures.Bytes("gif", "pil_256.gif");
        string Error(byte[] d) => Assert.Throws<InvalidDataException>(() => GifDecoder.DecodeAnimation(d, "anim.gif")).Message;
        Assert.Matches("^anim.gif: image 0 data at offset \\d+: truncated sub-block \\(\\d+ bytes, \\d+ left\\)$", Error(gif[..(gif.Length - 40)]));
        Assert.Equal("anim.gif: logical screen descriptor at offset 6: truncated", Error(gif[..10]));
        var bad = (byte[])gif.Clone();
        bad[^2] = 0x99;   // the block terminator after the image data becomes a bogus sub-block length
        Assert.Matches("^anim.gif: image 0 data at offset \\d+: truncated sub-block", Error(bad));
    }

    [Fact]
    public void Gif_CorruptInputs_NeverCrash() =>
        Fuzz(["gif/animated.gif", "gif/pil_bilevel.gif"], d => GifDecoder.DecodeAnimation(d));

    // --------------------------------------------------------------------------------------------------------- shared

    /// <summary>Truncations and random byte flips only ever raise InvalidDataException (or decode).</summary>
    private static void Fuzz(string[] files, Action<byte[]> decode)
    {
        var rng = new System.Random(9);
        foreach (var f in files)
        {
            var data = File.ReadAllBytes(Path.Combine(ImageFixtures.Root, f));
            for (int cut = 0; cut < data.Length; cut += 5) Tolerate(decode, data[..cut]);
            for (int trial = 0; trial < 400; trial++)
            {
                var bad = (byte[])data.Clone();
                for (int k = rng.Next(1, 4); k > 0; k--) bad[rng.Next(bad.Length)] ^= (byte)rng.Next(1, 256);
                Tolerate(decode, bad);
            }
        }
    }

    private static void Tolerate(Action<byte[]> decode, byte[] data)
    {
        try { decode(data); }
        catch (InvalidDataException) { }
    }
}
