// GIF decoder (87a/89a): LZW, global and local colour tables, transparency, interlaced frames, and animation. Frames
// are composed on a canvas of the logical screen size, which starts fully transparent, following the disposal
// methods: 0/1 keep the frame, 2 clears its rectangle to transparent (as browsers do), 3 restores what was there
// before. Every frame comes out as a full-canvas RGBA image; parts of frames outside the canvas are clipped.
// A pixel stream that ends early leaves the remaining pixels of that frame undrawn; a missing trailer after the last
// frame is accepted.
using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Fovea.Imaging.Codecs;

/// <summary>The frames of a GIF file, composed to full-canvas RGBA images.</summary>
public sealed class GifAnimation(IReadOnlyList<Image> frames, IReadOnlyList<int> delaysMs, int loopCount)
{
    /// <summary>One RGBA image per frame, each showing the whole canvas after that frame is drawn.</summary>
    public IReadOnlyList<Image> Frames { get; } = frames;
    /// <summary>Display time of each frame in milliseconds (the file's centiseconds x 10; 0 when unspecified).</summary>
    public IReadOnlyList<int> DelaysMs { get; } = delaysMs;
    /// <summary>NETSCAPE2.0 loop count: 0 loops forever; -1 when the file has none (play once).</summary>
    public int LoopCount { get; } = loopCount;
}

/// <summary>Decodes GIF files.</summary>
public static class GifDecoder
{
    /// <summary>True when <paramref name="data"/> starts with "GIF87a" or "GIF89a".</summary>
    public static bool IsGif(ReadOnlySpan<byte> data) => data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8);

    /// <summary>The first frame of a GIF file as an RGBA image.</summary>
    public static Image Decode(ReadOnlySpan<byte> data, string? name = null) => DecodeAnimation(data, name, maxFrames: 1).Frames[0];

    /// <summary>
    /// Decodes all frames (or the first <paramref name="maxFrames"/>). Corrupt or truncated data throws
    /// <see cref="InvalidDataException"/> naming <paramref name="name"/> (when given), the block and its byte offset.
    /// </summary>
    public static GifAnimation DecodeAnimation(ReadOnlySpan<byte> data, string? name = null, int maxFrames = int.MaxValue)
    {
        var err = new CodecError(name, "GIF");
        if (!IsGif(data)) throw err.At("header", 0, "not a GIF file");
        if (data.Length < 13) throw err.At("logical screen descriptor", 6, "truncated");
        int width = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]), height = BinaryPrimitives.ReadUInt16LittleEndian(data[8..]);
        if (width == 0 || height == 0 || (long)width * height * 4 > Array.MaxLength)
            throw err.At("logical screen descriptor", 6, $"invalid canvas size {width}x{height}");
        int pos = 13;
        byte[]? global = null;
        if ((data[10] & 0x80) != 0) global = ReadColorTable(data, ref pos, data[10], err, "global colour table");
        var state = new Composer(width, height);
        var frames = new List<Image>();
        var delays = new List<int>();
        int loop = -1, disposal = 0, delay = 0, transparent = -1;
        while (frames.Count < maxFrames)
        {
            if (pos >= data.Length)
            {
                if (frames.Count > 0) break;   // missing trailer
                throw err.At("block", pos, "file ends before the first image");
            }
            int start = pos;
            switch (data[pos++])
            {
                case 0x21:
                    if (pos >= data.Length) throw err.At("extension", start, "truncated");
                    int label = data[pos++];
                    if (label == 0xF9)
                    {
                        if (pos + 6 > data.Length || data[pos] < 4) throw err.At("graphic control extension", start, "truncated or too short");
                        int flags = data[pos + 1];
                        disposal = (flags >> 2) & 7;
                        delay = BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 2)..]) * 10;
                        transparent = (flags & 1) != 0 ? data[pos + 4] : -1;
                    }
                    else if (label == 0xFF && pos + 12 <= data.Length && data[pos] == 11 && data.Slice(pos + 1, 11).SequenceEqual("NETSCAPE2.0"u8)
                             && pos + 16 <= data.Length && data[pos + 12] >= 3 && data[pos + 13] == 1)
                        loop = BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 14)..]);
                    SkipSubBlocks(data, ref pos, err, "extension", start);
                    break;
                case 0x2C:
                    var frame = ReadFrame(data, ref pos, start, global, transparent, frames.Count, err);
                    frames.Add(state.Draw(frame, disposal));
                    delays.Add(delay);
                    (disposal, delay, transparent) = (0, 0, -1);
                    break;
                case 0x3B:
                    if (frames.Count == 0) throw err.At("trailer", start, "the file has no image");
                    return new GifAnimation(frames, delays, loop);
                case 0x00:
                    break;   // stray padding byte, seen in the wild
                default:
                    throw err.At("block", start, $"unknown block introducer 0x{data[start]:X2}");
            }
        }
        return new GifAnimation(frames, delays, loop);
    }

    private static byte[] ReadColorTable(ReadOnlySpan<byte> data, ref int pos, int flags, CodecError err, string part)
    {
        int bytes = 3 << ((flags & 7) + 1);
        if (pos + bytes > data.Length) throw err.At(part, pos, $"truncated ({bytes} bytes expected)");
        var table = data.Slice(pos, bytes).ToArray();
        pos += bytes;
        return table;
    }

    private static void SkipSubBlocks(ReadOnlySpan<byte> data, ref int pos, CodecError err, string part, int start)
    {
        while (true)
        {
            if (pos >= data.Length) throw err.At(part, start, "truncated data sub-blocks");
            int n = data[pos++];
            if (n == 0) return;
            pos += n;
        }
    }

    /// <summary>One decoded image block: its rectangle, colour table, transparent index and palette indices in stored
    /// row order (interlaced or not); the first <see cref="Count"/> of them were decoded.</summary>
    private sealed record Frame(int Left, int Top, int Width, int Height, bool Interlaced, byte[] Palette, int Transparent,
        byte[] Indices, int Count);

    private static Frame ReadFrame(ReadOnlySpan<byte> data, ref int pos, int start, byte[]? global, int transparent, int number, CodecError err)
    {
        string part = $"image {number}";
        if (pos + 9 > data.Length) throw err.At($"{part} descriptor", start, "truncated");
        var d = data.Slice(pos, 9);
        int left = BinaryPrimitives.ReadUInt16LittleEndian(d), top = BinaryPrimitives.ReadUInt16LittleEndian(d[2..]);
        int w = BinaryPrimitives.ReadUInt16LittleEndian(d[4..]), h = BinaryPrimitives.ReadUInt16LittleEndian(d[6..]);
        int flags = d[8];
        if ((long)w * h > Array.MaxLength) throw err.At($"{part} descriptor", start, $"{w}x{h} image is too large");
        pos += 9;
        var palette = (flags & 0x80) != 0 ? ReadColorTable(data, ref pos, flags, err, $"{part} local colour table") : global;
        if (palette is null) throw err.At($"{part} descriptor", start, "no local or global colour table");
        if (pos >= data.Length) throw err.At($"{part} data", pos, "truncated");
        int minCode = data[pos++];
        if (minCode is < 1 or > 11) throw err.At($"{part} data", pos - 1, $"invalid LZW minimum code size {minCode}");
        int dataStart = pos;
        var lzw = GatherSubBlocks(data, ref pos, err, $"{part} data");
        // A 12-bit code stands for at most 4096 indices, which bounds the buffer by the size of the data.
        var indices = new byte[Math.Min((long)w * h, (long)lzw.Length * 8 / (minCode + 1) * 4096 + 4096)];
        int count;
        try
        {
            count = Lzw.Decode(lzw.AsSpan(0, lzw.Length), minCode, indices, err, $"{part} data", dataStart);
        }
        finally
        {
            lzw.Return();
        }
        return new Frame(left, top, w, h, (flags & 0x40) != 0, palette, transparent, indices, count);
    }

    /// <summary>A pooled buffer holding concatenated sub-block payloads.</summary>
    private readonly record struct Gathered(byte[] Data, int Length)
    {
        public Span<byte> AsSpan(int start, int length) => Data.AsSpan(start, length);
        public void Return() => ArrayPool<byte>.Shared.Return(Data);
    }

    private static Gathered GatherSubBlocks(ReadOnlySpan<byte> data, ref int pos, CodecError err, string part)
    {
        int start = pos, total = 0;
        for (int p = pos; ; )
        {
            if (p >= data.Length) throw err.At(part, start, "truncated data sub-blocks");
            int n = data[p++];
            if (n == 0) break;
            if (p + n > data.Length) throw err.At(part, p - 1, $"truncated sub-block ({n} bytes, {data.Length - p} left)");
            total += n;
            p += n;
        }
        var buf = ArrayPool<byte>.Shared.Rent(Math.Max(1, total));
        int len = 0;
        while (true)
        {
            int n = data[pos++];
            if (n == 0) break;
            data.Slice(pos, n).CopyTo(buf.AsSpan(len));
            len += n;
            pos += n;
        }
        return new Gathered(buf, len);
    }

    /// <summary>Display row of each stored row: interlaced images store every 8th row from 0, every 8th from 4, every
    /// 4th from 2, then every 2nd from 1.</summary>
    private static int[] DisplayRows(int h, bool interlaced)
    {
        var rows = new int[h];
        int r = 0;
        foreach (var (first, step) in interlaced ? new[] { (0, 8), (4, 8), (2, 4), (1, 2) } : [(0, 1)])
            for (int y = first; y < h; y += step) rows[r++] = y;
        return rows;
    }

    /// <summary>The canvas and the disposal of the previous frame.</summary>
    private sealed class Composer(int width, int height)
    {
        private readonly byte[] _canvas = new byte[width * height * 4];
        private byte[]? _saved;
        private Frame? _previous;
        private int _previousDisposal;

        /// <summary>Disposes of the previous frame, draws <paramref name="f"/> and returns the canvas.</summary>
        public Image Draw(Frame f, int disposal)
        {
            if (_previous is { } p)
            {
                if (_previousDisposal == 2) ForEachRow(p, (o, n) => _canvas.AsSpan(o, 4 * n).Clear());
                else if (_previousDisposal == 3) _saved.AsSpan().CopyTo(_canvas);
            }
            if (disposal == 3) _canvas.AsSpan().CopyTo(_saved ??= new byte[_canvas.Length]);
            DrawPixels(f);
            (_previous, _previousDisposal) = (f, disposal);
            return new Image(width, height, ColorSpace.Rgba, (byte[])_canvas.Clone());
        }

        private void DrawPixels(Frame f)
        {
            var pal = f.Palette;
            int colors = pal.Length / 3, n = Math.Min(f.Width, width - f.Left);
            if (n <= 0) return;
            var rows = DisplayRows(f.Height, f.Interlaced);
            for (int r = 0; r < f.Height && r * f.Width < f.Count; r++)
            {
                int y = f.Top + rows[r];
                if (y >= height) continue;
                var src = f.Indices.AsSpan(r * f.Width, Math.Min(n, f.Count - r * f.Width));
                int o = (y * width + f.Left) * 4;
                for (int x = 0; x < src.Length; x++, o += 4)
                {
                    int idx = src[x];
                    if (idx == f.Transparent) continue;
                    if (idx < colors) (_canvas[o], _canvas[o + 1], _canvas[o + 2]) = (pal[3 * idx], pal[3 * idx + 1], pal[3 * idx + 2]);
                    else (_canvas[o], _canvas[o + 1], _canvas[o + 2]) = ((byte)0, (byte)0, (byte)0);
                    _canvas[o + 3] = 255;
                }
            }
        }

        /// <summary>Calls <paramref name="row"/>(canvas offset, pixel count) for each canvas row the frame covers.</summary>
        private void ForEachRow(Frame f, Action<int, int> row)
        {
            int n = Math.Min(f.Width, width - f.Left);
            if (n <= 0) return;
            for (int y = f.Top; y < f.Top + f.Height && y < height; y++) row((y * width + f.Left) * 4, n);
        }
    }
}
