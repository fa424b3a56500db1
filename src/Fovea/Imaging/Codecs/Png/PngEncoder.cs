// PNG encoder: 8/16-bit gray, gray-alpha, RGB and RGBA images; each row gets the filter whose output has the smallest
// sum of absolute (signed) bytes, the heuristic libpng recommends; zlib level 0-9.
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Fovea.Imaging.Codecs;

/// <summary>Encodes <see cref="Image"/>s as PNG files.</summary>
public static class PngEncoder
{
    /// <summary>Largest IDAT chunk written; longer image data is split over several chunks.</summary>
    private const int MaxIdat = 1 << 20;

    /// <summary>Encodes <paramref name="image"/> as a PNG file; <paramref name="compressionLevel"/> is zlib's 0 (store)
    /// to 9 (smallest).</summary>
    public static byte[] Encode(Image image, int compressionLevel = 6)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (compressionLevel is < 0 or > 9)
            throw new ArgumentOutOfRangeException(nameof(compressionLevel), $"PngEncoder: compression level must be 0..9, got {compressionLevel}.");
        var idat = CompressRows(image, compressionLevel);
        var png = new MemoryStream(idat.Length + 64);
        png.Write(PngDecoder.Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)image.Width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)image.Height);
        ihdr[8] = (byte)image.BitDepth;
        ihdr[9] = ColorType(image.Color);
        ihdr[10] = ihdr[11] = ihdr[12] = 0;
        WriteChunk(png, PngDecoder.IHDR, ihdr);
        for (int off = 0; off < idat.Length || off == 0; off += MaxIdat)
            WriteChunk(png, PngDecoder.IDAT, idat.AsSpan(off, Math.Min(MaxIdat, idat.Length - off)));
        WriteChunk(png, PngDecoder.IEND, []);
        return png.ToArray();
    }

    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/> as PNG (atomically: temp file + rename).</summary>
    public static void Save(Image image, string path, int compressionLevel = 6) =>
        CodecFiles.WriteAtomic(path, Encode(image, compressionLevel));

    private static byte ColorType(ColorSpace color) => color switch
    {
        ColorSpace.Gray => 0,
        ColorSpace.GrayAlpha => 4,
        ColorSpace.Rgb => 2,
        ColorSpace.Rgba => 6,
        _ => throw new ArgumentException($"PngEncoder: unsupported colour space {color}."),
    };

    private static void WriteChunk(Stream s, uint type, ReadOnlySpan<byte> body)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(head, (uint)body.Length);
        BinaryPrimitives.WriteUInt32BigEndian(head[4..], type);
        s.Write(head);
        s.Write(body);
        uint crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, head[4..]), body) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(head, crc);
        s.Write(head[..4]);
    }

    /// <summary>The zlib stream of filtered rows (filter byte + row bytes each).</summary>
    private static byte[] CompressRows(Image image, int level)
    {
        int bpp = image.Channels * image.BitDepth / 8, rowBytes = image.Width * bpp;
        var pool = ArrayPool<byte>.Shared;
        byte[] cur = pool.Rent(rowBytes), prev = pool.Rent(rowBytes), cand = pool.Rent(5 * (rowBytes + 1));
        try
        {
            var ms = new MemoryStream();
            using (var z = new ZLibStream(ms, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
            {
                for (int y = 0; y < image.Height; y++)
                {
                    var row = cur.AsSpan(0, rowBytes);
                    RowBytes(image, y, row);
                    var prior = y == 0 ? default : prev.AsSpan(0, rowBytes);
                    z.Write(BestFiltered(row, prior, bpp, cand.AsSpan(0, 5 * (rowBytes + 1))));
                    (cur, prev) = (prev, cur);
                }
            }
            return ms.ToArray();
        }
        finally
        {
            pool.Return(cur);
            pool.Return(prev);
            pool.Return(cand);
        }
    }

    /// <summary>Row <paramref name="y"/> as PNG stores it (16-bit samples big-endian).</summary>
    private static void RowBytes(Image image, int y, Span<byte> row)
    {
        int n = image.Width * image.Channels;
        if (image.BitDepth == 8)
        {
            image.Pixels.AsSpan(y * n, n).CopyTo(row);
            return;
        }
        var src = image.Pixels16.AsSpan(y * n, n);
        for (int i = 0; i < n; i++) BinaryPrimitives.WriteUInt16BigEndian(row[(2 * i)..], src[i]);
    }

    /// <summary>Filters <paramref name="row"/> five ways into <paramref name="cand"/> and returns the candidate
    /// (filter byte first) with the smallest sum of absolute signed bytes.</summary>
    private static ReadOnlySpan<byte> BestFiltered(ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> cand)
    {
        int len = row.Length + 1, best = 0;
        long bestCost = long.MaxValue;
        for (int f = 0; f < 5; f++)
        {
            var dst = cand.Slice(f * len, len);
            dst[0] = (byte)f;
            long cost = Filter(f, row, prior, bpp, dst[1..]);
            if (cost < bestCost) (best, bestCost) = (f, cost);
        }
        return cand.Slice(best * len, len);
    }

    /// <summary>Applies filter <paramref name="f"/>; returns the sum of |signed byte| of the output.</summary>
    private static long Filter(int f, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> dst)
    {
        int n = row.Length, head = Math.Min(bpp, n);
        bool top = prior.IsEmpty;
        switch (f)
        {
            case 0:
                row.CopyTo(dst);
                break;
            case 1:
                row[..head].CopyTo(dst);
                for (int i = bpp; i < n; i++) dst[i] = (byte)(row[i] - row[i - bpp]);
                break;
            case 2:
                if (top) row.CopyTo(dst);
                else for (int i = 0; i < n; i++) dst[i] = (byte)(row[i] - prior[i]);
                break;
            case 3:
                for (int i = 0; i < head; i++) dst[i] = (byte)(row[i] - (top ? 0 : prior[i] >> 1));
                for (int i = bpp; i < n; i++) dst[i] = (byte)(row[i] - ((row[i - bpp] + (top ? 0 : prior[i])) >> 1));
                break;
            default:
                for (int i = 0; i < head; i++) dst[i] = (byte)(row[i] - (top ? 0 : prior[i]));
                if (top) for (int i = bpp; i < n; i++) dst[i] = (byte)(row[i] - row[i - bpp]);
                else for (int i = bpp; i < n; i++) dst[i] = (byte)(row[i] - PngDecoder.Paeth(row[i - bpp], prior[i], prior[i - bpp]));
                break;
        }
        long cost = 0;
        foreach (byte v in dst) cost += Math.Abs((int)(sbyte)v);
        return cost;
    }
}
