// PNG decoder (ISO/IEC 15948): colour types 0/2/3/4/6 at every allowed bit depth, PLTE + tRNS, the five row filters,
// Adam7 interlace, image data split over any number of IDAT chunks, CRC check of every chunk. Like PIL: gray below 8
// bits is scaled to 8 bits by bit replication (1 -> 255, 2-bit x85, 4-bit x17), palettes expand to RGB (RGBA when a
// tRNS chunk is present), a gray/RGB tRNS colour adds an alpha channel. 16-bit images stay 16-bit.
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Fovea.Imaging.Codecs;

/// <summary>Decodes PNG files into <see cref="Image"/>s.</summary>
public static class PngDecoder
{
    internal static ReadOnlySpan<byte> Signature => [137, 80, 78, 71, 13, 10, 26, 10];

    internal const uint IHDR = 0x49484452, PLTE = 0x504C5445, tRNS = 0x74524E53, IDAT = 0x49444154, IEND = 0x49454E44;

    /// <summary>True when <paramref name="data"/> starts with the PNG signature.</summary>
    public static bool IsPng(ReadOnlySpan<byte> data) => data.StartsWith(Signature);

    /// <summary>
    /// Decodes a PNG file. Corrupt or truncated data throws <see cref="InvalidDataException"/> naming
    /// <paramref name="name"/> (when given), the chunk and its byte offset.
    /// </summary>
    public static Image Decode(ReadOnlySpan<byte> data, string? name = null)
    {
        var err = new CodecError(name, "PNG");
        if (!IsPng(data)) throw err.At("signature", 0, "not a PNG file");
        var idat = new IdatBuffer();
        try
        {
            var file = ReadChunks(data, err, ref idat);
            return DecodePixels(data, file, idat.Data!, idat.Length, err);
        }
        finally
        {
            idat.Return();
        }
    }

    /// <summary>The IHDR fields.</summary>
    private readonly record struct Header(int Width, int Height, int Depth, int ColorType, bool Interlaced)
    {
        public int SamplesPerPixel => ColorType switch { 2 => 3, 4 => 2, 6 => 4, _ => 1 };
        public int BitsPerPixel => SamplesPerPixel * Depth;
        /// <summary>Distance in bytes to the "left" byte used by the filters (at least 1).</summary>
        public int FilterStride => Math.Max(1, BitsPerPixel / 8);
        public long RowBytes(int width) => ((long)width * BitsPerPixel + 7) / 8;
    }

    /// <summary>Where the chunks that matter were found.</summary>
    private readonly record struct PngFile(Header Header, int PlteOffset, int PlteLength, int TrnsOffset, int TrnsLength, int FirstIdat);

    /// <summary>The concatenated IDAT payloads, in a pooled array.</summary>
    private struct IdatBuffer
    {
        public byte[]? Data;
        public int Length;

        public void Append(ReadOnlySpan<byte> part)
        {
            Data ??= [];
            if (Length + part.Length > Data.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Length + part.Length, 2 * Data.Length));
                Data.AsSpan(0, Length).CopyTo(bigger);
                if (Data.Length > 0) ArrayPool<byte>.Shared.Return(Data);
                Data = bigger;
            }
            part.CopyTo(Data.AsSpan(Length));
            Length += part.Length;
        }

        public readonly void Return()
        {
            if (Data is { Length: > 0 }) ArrayPool<byte>.Shared.Return(Data);
        }
    }

    /// <summary>Walks the chunk list up to IEND, checking lengths and CRCs, and gathers the image data.</summary>
    private static PngFile ReadChunks(ReadOnlySpan<byte> data, CodecError err, ref IdatBuffer idat)
    {
        Header? header = null;
        int plteOffset = -1, plteLength = 0, trnsOffset = -1, trnsLength = 0, firstIdat = -1;
        int pos = Signature.Length;
        while (true)
        {
            if (data.Length - pos < 12)
                throw err.At("chunk", pos, $"file truncated ({data.Length - pos} bytes left, no IEND chunk)");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            uint type = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 4)..]);
            string part = $"{ChunkName(type)} chunk";
            if (length > (uint)(data.Length - pos - 12))
                throw err.At(part, pos, $"truncated (length {length}, {data.Length - pos - 12} bytes left)");
            var body = data.Slice(pos + 8, (int)length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8 + (int)length)..]);
            if (Crc32.Compute(data.Slice(pos + 4, (int)length + 4)) != crc) throw err.At(part, pos, "CRC mismatch");
            if (header is null && type != IHDR) throw err.At(part, pos, "the first chunk must be IHDR");
            switch (type)
            {
                case IHDR:
                    if (header is not null) throw err.At(part, pos, "second IHDR chunk");
                    header = ParseHeader(body, err, pos);
                    break;
                case PLTE:
                    if (length == 0 || length % 3 != 0 || length > 768)
                        throw err.At(part, pos, $"palette length {length} is not a multiple of 3 between 3 and 768");
                    (plteOffset, plteLength) = (pos + 8, (int)length);
                    break;
                case tRNS:
                    (trnsOffset, trnsLength) = (pos + 8, (int)length);
                    break;
                case IDAT:
                    if (firstIdat < 0) firstIdat = pos;
                    idat.Append(body);
                    break;
                case IEND:
                    if (firstIdat < 0) throw err.At(part, pos, "no IDAT chunk before IEND");
                    var h = header!.Value;
                    if (h.ColorType == 3 && plteOffset < 0) throw err.At(part, pos, "colour type 3 without a PLTE chunk");
                    return new PngFile(h, plteOffset, plteLength, trnsOffset, trnsLength, firstIdat);
                default:
                    if ((type & 0x20000000) == 0) throw err.At(part, pos, "unknown critical chunk");
                    break;
            }
            pos += 12 + (int)length;
        }
    }

    private static string ChunkName(uint type)
    {
        Span<char> c = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            char ch = (char)((type >> (24 - 8 * i)) & 0xFF);
            if (!char.IsAsciiLetter(ch)) return $"0x{type:X8}";
            c[i] = ch;
        }
        return new string(c);
    }

    private static Header ParseHeader(ReadOnlySpan<byte> body, CodecError err, int pos)
    {
        if (body.Length != 13) throw err.At("IHDR chunk", pos, $"length {body.Length}, expected 13");
        uint w = BinaryPrimitives.ReadUInt32BigEndian(body), hgt = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        int depth = body[8], ct = body[9];
        if (w == 0 || hgt == 0 || w > int.MaxValue || hgt > int.MaxValue)
            throw err.At("IHDR chunk", pos, $"invalid size {w}x{hgt}");
        bool depthOk = ct switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => throw err.At("IHDR chunk", pos, $"invalid colour type {ct}"),
        };
        if (!depthOk) throw err.At("IHDR chunk", pos, $"bit depth {depth} is not allowed with colour type {ct}");
        if (body[10] != 0 || body[11] != 0) throw err.At("IHDR chunk", pos, $"unknown compression/filter method {body[10]}/{body[11]}");
        if (body[12] > 1) throw err.At("IHDR chunk", pos, $"unknown interlace method {body[12]}");
        return new Header((int)w, (int)hgt, depth, ct, body[12] == 1);
    }

    /// <summary>Adam7 passes as (x0, y0, dx, dy); a single full pass when not interlaced.</summary>
    private static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];
    private static readonly (int X0, int Y0, int Dx, int Dy)[] SinglePass = [(0, 0, 1, 1)];

    private static int PassSize(int size, int start, int step) => size > start ? (size - start + step - 1) / step : 0;

    private static Image DecodePixels(ReadOnlySpan<byte> data, PngFile file, byte[] idat, int idatLength, CodecError err)
    {
        var h = file.Header;
        var passes = h.Interlaced ? Adam7 : SinglePass;
        long rawSize = 0;
        foreach (var p in passes)
        {
            int pw = PassSize(h.Width, p.X0, p.Dx), ph = PassSize(h.Height, p.Y0, p.Dy);
            if (pw > 0) rawSize += ph * (1 + h.RowBytes(pw));
        }
        if (rawSize > Array.MaxLength) throw err.General($"{h.Width}x{h.Height} image is too large");
        // Deflate expands at most ~1032:1; refuse before allocating when the data cannot hold the image.
        if (rawSize > 1040L * idatLength + 1024)
            throw err.At("IDAT chunk", file.FirstIdat, $"{idatLength} bytes of compressed data cannot hold the {rawSize} bytes of a {h.Width}x{h.Height} image");
        var writer = new RowWriter(h, file, data, err);
        var raw = ArrayPool<byte>.Shared.Rent((int)rawSize);
        try
        {
            Inflate(idat, idatLength, raw.AsSpan(0, (int)rawSize), file.FirstIdat, err);
            int off = 0, bpp = h.FilterStride;
            for (int pi = 0; pi < passes.Length; pi++)
            {
                var p = passes[pi];
                int pw = PassSize(h.Width, p.X0, p.Dx), ph = PassSize(h.Height, p.Y0, p.Dy);
                if (pw == 0 || ph == 0) continue;
                int rowBytes = (int)h.RowBytes(pw);
                Span<byte> prior = default;
                for (int r = 0; r < ph; r++)
                {
                    int filter = raw[off];
                    var row = raw.AsSpan(off + 1, rowBytes);
                    if (filter > 4)
                        throw err.At("IDAT chunk", file.FirstIdat,
                            $"unknown filter type {filter} on row {r}{(h.Interlaced ? $" of pass {pi + 1}" : "")}");
                    Unfilter(filter, row, prior, bpp);
                    writer.Write(row, p.Y0 + r * p.Dy, p.X0, p.Dx, pw);
                    prior = row;
                    off += 1 + rowBytes;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
        return writer.ToImage();
    }

    private static void Inflate(byte[] idat, int idatLength, Span<byte> raw, int firstIdat, CodecError err)
    {
        int got;
        try
        {
            using var ms = new MemoryStream(idat, 0, idatLength, writable: false);
            using var z = new ZLibStream(ms, CompressionMode.Decompress);
            got = z.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)   // IOException: ZLibException
        {
            throw err.At("IDAT chunk", firstIdat, $"corrupt zlib data ({e.Message})", e);
        }
        if (got < raw.Length) throw err.At("IDAT chunk", firstIdat, $"image data ends after {got} of {raw.Length} bytes");
    }

    /// <summary>Undoes a row filter in place. <paramref name="prior"/> is the previous reconstructed row of the same
    /// pass, empty for the first row (all zeros).</summary>
    internal static void Unfilter(int filter, Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        int n = row.Length;
        if (n <= bpp)   // a single pixel: no left neighbour
        {
            if (!prior.IsEmpty && filter is 2 or 4) AddUp(row, prior);
            else if (!prior.IsEmpty && filter == 3) for (int i = 0; i < n; i++) row[i] += (byte)(prior[i] >> 1);
            return;
        }
        ref byte r = ref MemoryMarshal.GetReference(row);
        switch (filter)
        {
            case 1:
                for (int i = bpp; i < n; i++) Unsafe.Add(ref r, i) += Unsafe.Add(ref r, i - bpp);
                break;
            case 2:
                if (!prior.IsEmpty) AddUp(row, prior);
                break;
            case 3:
                if (prior.IsEmpty)
                {
                    for (int i = bpp; i < n; i++) Unsafe.Add(ref r, i) += (byte)(Unsafe.Add(ref r, i - bpp) >> 1);
                    break;
                }
                if (bpp is 3 or 4 && Vector128.IsHardwareAccelerated)
                {
                    PixelFilterSimd(row, prior, bpp, paeth: false);
                    break;
                }
                {
                    prior = prior[..n];
                    ref byte p = ref MemoryMarshal.GetReference(prior);
                    for (int i = 0; i < bpp; i++) Unsafe.Add(ref r, i) += (byte)(Unsafe.Add(ref p, i) >> 1);
                    for (int i = bpp; i < n; i++)
                        Unsafe.Add(ref r, i) += (byte)((Unsafe.Add(ref r, i - bpp) + Unsafe.Add(ref p, i)) >> 1);
                }
                break;
            case 4:
                if (prior.IsEmpty)
                {
                    for (int i = bpp; i < n; i++) Unsafe.Add(ref r, i) += Unsafe.Add(ref r, i - bpp);
                    break;
                }
                if (bpp is 3 or 4 && Vector128.IsHardwareAccelerated)
                {
                    PixelFilterSimd(row, prior, bpp, paeth: true);
                    break;
                }
                {
                    prior = prior[..n];
                    ref byte p = ref MemoryMarshal.GetReference(prior);
                    for (int i = 0; i < bpp; i++) Unsafe.Add(ref r, i) += Unsafe.Add(ref p, i);
                    for (int i = bpp; i < n; i++)
                        Unsafe.Add(ref r, i) += Paeth(Unsafe.Add(ref r, i - bpp), Unsafe.Add(ref p, i), Unsafe.Add(ref p, i - bpp));
                }
                break;
        }
    }

    /// <summary>Average or Paeth for 3- and 4-byte pixels, one pixel per step in 16-bit lanes (the pixels depend on
    /// each other, the channels do not). Each step reads and writes 4 bytes; for 3-byte pixels the fourth lane keeps
    /// the next pixel's raw byte. The last pixel, whose 4-byte read could leave the row, is done in scalar code.</summary>
    private static void PixelFilterSimd(Span<byte> row, ReadOnlySpan<byte> prior, int bpp, bool paeth)
    {
        int n = row.Length, i = 0;
        prior = prior[..n];
        ref byte r = ref MemoryMarshal.GetReference(row);
        ref byte p = ref MemoryMarshal.GetReference(prior);
        var keep = bpp == 4 ? Vector128<short>.AllBitsSet : Vector128.Create(-1, -1, -1, 0, 0, 0, 0, 0);
        var low = Vector128.Create((short)0xFF);
        Vector128<short> a = default, c = default;
        for (; i + 4 <= n; i += bpp)
        {
            var b = Load4(ref Unsafe.Add(ref p, i));
            var x = Load4(ref Unsafe.Add(ref r, i));
            Vector128<short> pred;
            if (paeth)
            {
                Vector128<short> pp = b - c, qq = a - c;
                Vector128<short> pa = Vector128.Abs(pp), pb = Vector128.Abs(qq), pc = Vector128.Abs(pp + qq);
                pred = Vector128.ConditionalSelect(Vector128.LessThan(pb, pa), b, a);
                pred = Vector128.ConditionalSelect(Vector128.LessThan(pc, Vector128.Min(pa, pb)), c, pred);
            }
            else
            {
                pred = Vector128.ShiftRightLogical(a + b, 1);
            }
            a = (x + (pred & keep)) & low;
            var bytes = Vector128.Narrow(a.AsUInt16(), a.AsUInt16());
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref r, i), bytes.AsUInt32().ToScalar());
            c = b;
        }
        for (; i < n; i++)
        {
            int left = i >= bpp ? row[i - bpp] : 0, upLeft = i >= bpp ? prior[i - bpp] : 0;
            row[i] += paeth ? Paeth(left, prior[i], upLeft) : (byte)((left + prior[i]) >> 1);
        }
    }

    /// <summary>4 bytes widened to the low 16-bit lanes.</summary>
    private static Vector128<short> Load4(ref byte at) =>
        Vector128.WidenLower(Vector128.CreateScalar(Unsafe.ReadUnaligned<uint>(ref at)).AsByte()).AsInt16();

    private static void AddUp(Span<byte> row, ReadOnlySpan<byte> prior)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= row.Length - Vector<byte>.Count; i += Vector<byte>.Count)
                (new Vector<byte>(row[i..]) + new Vector<byte>(prior[i..])).CopyTo(row[i..]);
        for (; i < row.Length; i++) row[i] += prior[i];
    }

    /// <summary>The Paeth predictor (a = left, b = up, c = up-left), computed with masks instead of branches: the
    /// branches are unpredictable and cost several times more.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static byte Paeth(int a, int b, int c)
    {
        int p = b - c, q = a - c, s = p + q;
        int pa = (p ^ (p >> 31)) - (p >> 31), pb = (q ^ (q >> 31)) - (q >> 31), pc = (s ^ (s >> 31)) - (s >> 31);
        int bFirst = (pb - pa) >> 31;                    // -1 when pb < pa
        a = (a & ~bFirst) | (b & bFirst);
        pa = (pa & ~bFirst) | (pb & bFirst);
        int cWins = (pc - pa) >> 31;                     // -1 when pc is smaller still
        return (byte)((a & ~cWins) | (c & cWins));
    }

    /// <summary>Turns reconstructed rows (of any pass) into output pixels.</summary>
    private sealed class RowWriter
    {
        private enum Kind { Copy8, Copy16, GrayLow, Gray8Key, Gray16Key, Rgb8Key, Rgb16Key, Palette }

        private readonly Kind _kind;
        private readonly int _width, _height, _channels, _depth;
        private readonly ColorSpace _color;
        private readonly byte[]? _out8;
        private readonly ushort[]? _out16;
        private readonly bool _hasKey;
        private readonly int _keyR, _keyG, _keyB;   // tRNS colour (gray uses _keyR)
        private readonly byte[]? _lut;              // palette: 256 entries of _channels bytes

        public RowWriter(Header h, PngFile file, ReadOnlySpan<byte> data, CodecError err)
        {
            (_width, _height, _depth) = (h.Width, h.Height, h.Depth);
            var trns = file.TrnsOffset >= 0 ? data.Slice(file.TrnsOffset, file.TrnsLength) : default;
            _hasKey = (h.ColorType == 0 && trns.Length == 2) || (h.ColorType == 2 && trns.Length == 6);
            if (_hasKey)
            {
                _keyR = BinaryPrimitives.ReadUInt16BigEndian(trns);
                if (h.ColorType == 2)
                    (_keyG, _keyB) = (BinaryPrimitives.ReadUInt16BigEndian(trns[2..]), BinaryPrimitives.ReadUInt16BigEndian(trns[4..]));
            }
            (_kind, _color) = h.ColorType switch
            {
                0 when h.Depth < 8 => (Kind.GrayLow, _hasKey ? ColorSpace.GrayAlpha : ColorSpace.Gray),
                0 => (_hasKey ? (h.Depth == 8 ? Kind.Gray8Key : Kind.Gray16Key) : h.Depth == 8 ? Kind.Copy8 : Kind.Copy16,
                      _hasKey ? ColorSpace.GrayAlpha : ColorSpace.Gray),
                2 => (_hasKey ? (h.Depth == 8 ? Kind.Rgb8Key : Kind.Rgb16Key) : h.Depth == 8 ? Kind.Copy8 : Kind.Copy16,
                      _hasKey ? ColorSpace.Rgba : ColorSpace.Rgb),
                3 => (Kind.Palette, trns.Length > 0 ? ColorSpace.Rgba : ColorSpace.Rgb),
                4 => (h.Depth == 8 ? Kind.Copy8 : Kind.Copy16, ColorSpace.GrayAlpha),
                _ => (h.Depth == 8 ? Kind.Copy8 : Kind.Copy16, ColorSpace.Rgba),
            };
            _channels = (int)_color;
            long n = (long)_width * _height * _channels;
            if (n > Array.MaxLength) throw err.General($"{_width}x{_height} image is too large");
            bool wide = h.Depth == 16;
            if (wide) _out16 = new ushort[n];
            else _out8 = new byte[n];
            if (_kind == Kind.Palette) _lut = BuildPalette(data.Slice(file.PlteOffset, file.PlteLength), trns, _channels);
        }

        /// <summary>256 palette entries; indices past the PLTE are opaque black, past the tRNS opaque.</summary>
        private static byte[] BuildPalette(ReadOnlySpan<byte> plte, ReadOnlySpan<byte> trns, int channels)
        {
            var lut = new byte[256 * channels];
            for (int i = 0; i < 256; i++)
            {
                if (3 * i + 2 < plte.Length)
                    (lut[i * channels], lut[i * channels + 1], lut[i * channels + 2]) = (plte[3 * i], plte[3 * i + 1], plte[3 * i + 2]);
                if (channels == 4) lut[i * 4 + 3] = i < trns.Length ? trns[i] : (byte)255;
            }
            return lut;
        }

        public Image ToImage() =>
            _out16 is not null ? new Image(_width, _height, _color, _out16) : new Image(_width, _height, _color, _out8);

        /// <summary>Writes the <paramref name="n"/> pixels of <paramref name="row"/> to output row <paramref name="y"/>
        /// at columns <paramref name="x0"/>, x0 + dx, ...</summary>
        public void Write(ReadOnlySpan<byte> row, int y, int x0, int dx, int n)
        {
            int c = _channels, o = (y * _width + x0) * c, step = dx * c;
            switch (_kind)
            {
                case Kind.Copy8:
                    if (dx == 1) row[..(n * c)].CopyTo(_out8.AsSpan(o));
                    else
                        for (int i = 0; i < n; i++, o += step) row.Slice(i * c, c).CopyTo(_out8.AsSpan(o));
                    break;
                case Kind.Copy16:
                    if (dx == 1) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(row[..(2 * n * c)]), _out16.AsSpan(o, n * c));
                    else
                        for (int i = 0; i < n; i++, o += step)
                            for (int k = 0; k < c; k++) _out16![o + k] = BinaryPrimitives.ReadUInt16BigEndian(row[(2 * (i * c + k))..]);
                    break;
                case Kind.GrayLow:
                {
                    int scale = 255 / ((1 << _depth) - 1);
                    var out8 = _out8!;
                    for (int i = 0; i < n; i++, o += step)
                    {
                        int v = Unpack(row, i, _depth);
                        out8[o] = (byte)(v * scale);
                        if (_hasKey) out8[o + 1] = v == _keyR ? (byte)0 : (byte)255;
                    }
                    break;
                }
                case Kind.Gray8Key:
                    for (int i = 0; i < n; i++, o += step)
                        (_out8![o], _out8[o + 1]) = (row[i], row[i] == _keyR ? (byte)0 : (byte)255);
                    break;
                case Kind.Gray16Key:
                    for (int i = 0; i < n; i++, o += step)
                    {
                        ushort v = BinaryPrimitives.ReadUInt16BigEndian(row[(2 * i)..]);
                        (_out16![o], _out16[o + 1]) = (v, v == _keyR ? (ushort)0 : ushort.MaxValue);
                    }
                    break;
                case Kind.Rgb8Key:
                    for (int i = 0; i < n; i++, o += step)
                    {
                        byte r = row[3 * i], g = row[3 * i + 1], b = row[3 * i + 2];
                        (_out8![o], _out8[o + 1], _out8[o + 2]) = (r, g, b);
                        _out8[o + 3] = r == _keyR && g == _keyG && b == _keyB ? (byte)0 : (byte)255;
                    }
                    break;
                case Kind.Rgb16Key:
                    for (int i = 0; i < n; i++, o += step)
                    {
                        var px = row.Slice(6 * i, 6);
                        int r = BinaryPrimitives.ReadUInt16BigEndian(px), g = BinaryPrimitives.ReadUInt16BigEndian(px[2..]),
                            b = BinaryPrimitives.ReadUInt16BigEndian(px[4..]);
                        (_out16![o], _out16[o + 1], _out16[o + 2]) = ((ushort)r, (ushort)g, (ushort)b);
                        _out16[o + 3] = r == _keyR && g == _keyG && b == _keyB ? (ushort)0 : ushort.MaxValue;
                    }
                    break;
                case Kind.Palette:
                {
                    var lut = _lut!;
                    var out8 = _out8!;
                    for (int i = 0; i < n; i++, o += step)
                    {
                        int idx = _depth == 8 ? row[i] : Unpack(row, i, _depth);
                        lut.AsSpan(idx * c, c).CopyTo(out8.AsSpan(o));
                    }
                    break;
                }
            }
        }

        /// <summary>Sample <paramref name="i"/> of a row packed at <paramref name="depth"/> (1, 2 or 4) bits, MSB first.</summary>
        private static int Unpack(ReadOnlySpan<byte> row, int i, int depth)
        {
            int bit = i * depth;
            return (row[bit >> 3] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
        }
    }
}
