// IDX files (LeCun's MNIST format, also Fashion-MNIST): a 4-byte magic 0x00 0x00 <type> <rank>, then rank
// big-endian uint32 dimension sizes, then the elements, big-endian, row-major. Files may be gzip-compressed
// (recognised by the gzip magic 1f 8b, whatever the file name). Types: 0x08 uint8, 0x09 int8, 0x0B int16,
// 0x0C int32, 0x0D float32, 0x0E float64.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Fovea.Data;

/// <summary>An IDX array as read from disk: its type code, dimensions and little-endian element bytes.</summary>
internal sealed record IdxArray(byte TypeCode, int[] Dims, byte[] Data)
{
    /// <summary>The number of elements (product of the dimensions).</summary>
    public long Count => Dims.Aggregate(1L, (a, d) => a * d);
}

/// <summary>Reads and writes IDX arrays (MNIST's file format), plain or gzip-compressed.</summary>
public static class IdxFile
{
    private const int MaxRank = 8;

    /// <summary>Reads an IDX file as a tensor (uint8, int8, int32 for int16/int32, float32 or float64).</summary>
    public static Tensor Read(string path) => ToTensor(ReadArray(path));

    /// <summary>Reads an IDX array from a stream (plain or gzip); <paramref name="source"/> names it in errors.</summary>
    public static Tensor Read(Stream stream, string source) => ToTensor(ReadArray(stream, source));

    /// <summary>Writes <paramref name="t"/> (uint8, int8, int32, float32 or float64) as an IDX file, gzip-compressed when <paramref name="gzip"/>.</summary>
    public static void Write(string path, Tensor t, bool gzip = false)
    {
        var tmp = path + ".tmp";
        using (var f = File.Create(tmp))
        {
            if (gzip)
            {
                using var z = new GZipStream(f, CompressionLevel.Optimal);
                Write(z, t);
            }
            else Write(f, t);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Writes the uncompressed IDX encoding of <paramref name="t"/> to a stream.</summary>
    public static void Write(Stream stream, Tensor t)
    {
        byte code = t.DType switch
        {
            DType.UInt8 => 0x08, DType.Int8 => 0x09, DType.Int32 => 0x0C, DType.Float32 => 0x0D, DType.Float64 => 0x0E,
            _ => throw new NotSupportedException($"IdxFile.Write: IDX has no {DTypes.Name(t.DType)} type; use uint8, int8, int32, float32 or float64."),
        };
        if (t.Rank is 0 or > MaxRank) throw new ArgumentException($"IdxFile.Write: rank {t.Rank} is outside 1..{MaxRank}.", nameof(t));
        Span<byte> word = stackalloc byte[4];
        stream.Write([0, 0, code, (byte)t.Rank]);
        foreach (int d in t.Shape)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            stream.Write(word);
        }
        using var c = t.Contiguous();
        var bytes = c.DType switch
        {
            DType.UInt8 => c.AsSpan<byte>().ToArray(),
            DType.Int8 => MemoryMarshal.AsBytes(c.AsSpan<sbyte>()).ToArray(),
            DType.Int32 => MemoryMarshal.AsBytes(c.AsSpan<int>()).ToArray(),
            DType.Float32 => MemoryMarshal.AsBytes(c.AsSpan<float>()).ToArray(),
            _ => MemoryMarshal.AsBytes(c.AsSpan<double>()).ToArray(),
        };
        SwapEndianness(bytes, ElementSize(code));
        stream.Write(bytes);
    }

    internal static IdxArray ReadArray(string path)
    {
        using var f = OpenRead(path);
        return ReadArray(f, path);
    }

    internal static IdxArray ReadArray(Stream stream, string source)
    {
        byte[] all = ReadAll(stream, source, out bool gzipped);
        string where = gzipped ? "offset {0} of the decompressed data" : "offset {0}";
        string At(long offset) => string.Format(System.Globalization.CultureInfo.InvariantCulture, where, offset);

        if (all.Length < 4) throw new InvalidDataException($"{source}: truncated IDX header: {all.Length} bytes, the magic number needs 4 (at {At(all.Length)}).");
        if (all[0] != 0 || all[1] != 0)
            throw new InvalidDataException($"{source}: not an IDX file: magic number starts {all[0]:x2} {all[1]:x2}, expected 00 00 (at {At(0)}).");
        byte code = all[2];
        int elem = ElementSize(code);
        if (elem == 0) throw new InvalidDataException($"{source}: unknown IDX element type 0x{code:x2} at {At(2)} (expected 08, 09, 0b, 0c, 0d or 0e).");
        int rank = all[3];
        if (rank is 0 or > MaxRank) throw new InvalidDataException($"{source}: IDX rank {rank} at {At(3)} is outside 1..{MaxRank}.");
        int headerLen = 4 + 4 * rank;
        if (all.Length < headerLen)
            throw new InvalidDataException($"{source}: truncated IDX header: {rank} dimensions need {headerLen} bytes, the file ends at {At(all.Length)}.");

        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(all.AsSpan(4 + 4 * i));
            if (d > int.MaxValue) throw new InvalidDataException($"{source}: IDX dimension {i} is {d} (at {At(4 + 4 * i)}), too large.");
            dims[i] = (int)d;
            count *= d;
            if (count * elem > Array.MaxLength) throw new InvalidDataException($"{source}: IDX shape ({string.Join(", ", dims.Take(i + 1))}...) is larger than an array may hold.");
        }
        long want = count * elem, have = all.Length - headerLen;
        if (have < want)
            throw new InvalidDataException($"{source}: truncated IDX data: shape ({string.Join(", ", dims)}) needs {want} bytes from {At(headerLen)}, the file ends at {At(all.Length)} ({want - have} bytes missing).");
        if (have > want)
            throw new InvalidDataException($"{source}: {have - want} unexpected bytes after the IDX data of shape ({string.Join(", ", dims)}), from {At(headerLen + want)}.");

        var data = all.AsSpan(headerLen).ToArray();
        SwapEndianness(data, elem);
        return new IdxArray(code, dims, data);
    }

    /// <summary>Opens a file for reading, naming it when it is missing.</summary>
    internal static FileStream OpenRead(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        return File.OpenRead(path);
    }

    private static byte[] ReadAll(Stream stream, string source, out bool gzipped)
    {
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        var raw = ms.ToArray();
        gzipped = raw.Length >= 2 && raw[0] == 0x1f && raw[1] == 0x8b;
        if (!gzipped) return raw;
        using var z = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
        using var outMs = new MemoryStream();
        try { z.CopyTo(outMs); }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: corrupt gzip data after {outMs.Length} decompressed bytes: {e.Message}", e);
        }
        return outMs.ToArray();
    }

    private static int ElementSize(byte code) => code switch
    {
        0x08 or 0x09 => 1, 0x0B => 2, 0x0C or 0x0D => 4, 0x0E => 8, _ => 0,
    };

    private static void SwapEndianness(byte[] data, int size)
    {
        if (size == 1 || !BitConverter.IsLittleEndian) return;
        for (int i = 0; i < data.Length; i += size) Array.Reverse(data, i, size);
    }

    private static Tensor ToTensor(IdxArray a) => a.TypeCode switch
    {
        0x08 => Tensor.FromArray(a.Data, a.Dims),
        0x09 => Tensor.FromArray(MemoryMarshal.Cast<byte, sbyte>(a.Data).ToArray(), a.Dims),
        0x0B => Tensor.FromArray(MemoryMarshal.Cast<byte, short>(a.Data).ToArray().Select(v => (int)v).ToArray(), a.Dims),
        0x0C => Tensor.FromArray(MemoryMarshal.Cast<byte, int>(a.Data).ToArray(), a.Dims),
        0x0D => Tensor.FromArray(MemoryMarshal.Cast<byte, float>(a.Data).ToArray(), a.Dims),
        _ => Tensor.FromArray(MemoryMarshal.Cast<byte, double>(a.Data).ToArray(), a.Dims),
    };
}
