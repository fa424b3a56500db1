// NumPy .npy / .npz files: the exchange format for raw tensors (fixtures from PyTorch, `fovea predict --input x.npy`).
// Format: magic "\x93NUMPY", version, little-endian header length, a Python-dict header
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }, then the raw little-endian data.
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Fovea.IO;

/// <summary>Reads and writes NumPy .npy arrays and .npz archives.</summary>
public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Loads one array from a .npy file.</summary>
    public static Tensor Load(string path)
    {
        using var f = File.OpenRead(path);
        return Read(f, path);
    }

    /// <summary>Loads every array of a .npz archive (plain or compressed), keyed by name without ".npy".</summary>
    public static Dictionary<string, Tensor> LoadArchive(string path)
    {
        var result = new Dictionary<string, Tensor>();
        ZipArchive zip;
        try { zip = ZipFile.OpenRead(path); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: not a valid .npz (zip) archive: {e.Message}", e); }
        using (zip)
        {
            foreach (var entry in zip.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                using var s = entry.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                ms.Position = 0;
                result[entry.FullName[..^4]] = Read(ms, $"{path}:{entry.FullName}");
            }
        }
        return result;
    }

    /// <summary>Parses a .npy stream; <paramref name="source"/> names it in errors.</summary>
    public static Tensor Read(Stream stream, string source = "<stream>")
    {
        var head = ReadExactly(stream, 10, source, "preamble");
        if (!head.AsSpan(0, 6).SequenceEqual(Magic)) throw new InvalidDataException($"{source}: not a .npy file (bad magic number at offset 0).");
        int major = head[6];
        int headerLen;
        int offset;
        if (major == 1)
        {
            headerLen = head[8] | head[9] << 8;
            offset = 10;
        }
        else if (major is 2 or 3)
        {
            var extra = ReadExactly(stream, 2, source, "header length");
            headerLen = head[8] | head[9] << 8 | extra[0] << 16 | extra[1] << 24;
            offset = 12;
        }
        else throw new InvalidDataException($"{source}: unsupported .npy version {major}.");
        if (headerLen < 0 || headerLen > 1 << 20) throw new InvalidDataException($"{source}: implausible header length {headerLen}.");
        string header = Encoding.Latin1.GetString(ReadExactly(stream, headerLen, source, "header"));

        var descr = DescrRegex().Match(header);
        var order = FortranRegex().Match(header);
        var shapeM = ShapeRegex().Match(header);
        if (!descr.Success || !shapeM.Success) throw new InvalidDataException($"{source}: malformed header {header.Trim()}.");
        var shape = shapeM.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0 || d > int.MaxValue) throw new InvalidDataException($"{source}: invalid dimension {d} in shape ({string.Join(", ", shape)}).");
            count *= d;
            if (count > int.MaxValue) throw new InvalidDataException($"{source}: shape ({string.Join(", ", shape)}) has more elements than a tensor may hold.");
        }
        var (dtype, size, bigEndian) = ParseDescr(descr.Groups[1].Value, source);
        long bytes = count * size;
        if (stream.CanSeek && stream.Length - stream.Position < bytes)
            throw new InvalidDataException($"{source}: truncated: shape ({string.Join(", ", shape)}) of {descr.Groups[1].Value} needs {bytes} bytes of data at offset {offset + headerLen}, only {stream.Length - stream.Position} remain.");
        var data = ReadExactly(stream, (int)bytes, source, "data");
        if (bigEndian && size > 1)
            for (long i = 0; i < bytes; i += size) Array.Reverse(data, (int)i, size);

        bool fortran = order.Success && order.Groups[1].Value == "True";
        var dims = shape.Select(d => (int)d).ToArray();
        var t = FromBytes(data, dtype, fortran ? dims.Reverse().ToArray() : dims);
        if (!fortran || dims.Length < 2) return t;
        using (t) return t.Permute(Enumerable.Range(0, dims.Length).Reverse().ToArray()).Contiguous();
    }

    /// <summary>Writes <paramref name="t"/> as a .npy file (atomically: temp file + rename).</summary>
    public static void Save(string path, Tensor t)
    {
        var tmp = path + ".tmp";
        using (var f = File.Create(tmp)) Write(f, t);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Writes several named tensors as an uncompressed .npz archive (atomically).</summary>
    public static void SaveArchive(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var tmp = path + ".tmp";
        using (var f = File.Create(tmp))
        using (var zip = new ZipArchive(f, ZipArchiveMode.Create))
        {
            foreach (var (name, t) in tensors)
            {
                using var s = zip.CreateEntry(name + ".npy", CompressionLevel.NoCompression).Open();
                Write(s, t);
            }
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Writes the .npy encoding of <paramref name="t"/> to a stream.</summary>
    public static void Write(Stream stream, Tensor t)
    {
        string descr = t.DType switch
        {
            DType.Float32 => "<f4", DType.Float64 => "<f8", DType.Int32 => "<i4", DType.Int64 => "<i8",
            DType.UInt8 => "|u1", DType.Int8 => "|i1", DType.Bool => "|b1", DType.Float16 => "<f2",
            _ => throw new NotSupportedException($"Npy.Write: NumPy has no {DTypes.Name(t.DType)} dtype; convert with To(DType.Float32)."),
        };
        string shape = t.Rank == 1 ? $"({t.Shape[0]},)" : "(" + string.Join(", ", t.Shape) + ")";
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        stream.Write(Magic);
        stream.Write([1, 0, (byte)(header.Length & 0xFF), (byte)(header.Length >> 8)]);
        stream.Write(Encoding.Latin1.GetBytes(header));
        using var c = t.Contiguous();
        stream.Write(c.DType switch
        {
            DType.Float32 => MemoryMarshal.AsBytes(c.AsSpan<float>()),
            DType.Float64 => MemoryMarshal.AsBytes(c.AsSpan<double>()),
            DType.Int32 => MemoryMarshal.AsBytes(c.AsSpan<int>()),
            DType.Int64 => MemoryMarshal.AsBytes(c.AsSpan<long>()),
            DType.UInt8 => MemoryMarshal.AsBytes(c.AsSpan<byte>()),
            DType.Int8 => MemoryMarshal.AsBytes(c.AsSpan<sbyte>()),
            DType.Bool => MemoryMarshal.AsBytes(c.AsSpan<bool>()),
            _ => MemoryMarshal.AsBytes(c.AsSpan<Half>()),
        });
    }

    private static (DType, int, bool) ParseDescr(string d, string source)
    {
        bool big = d.StartsWith('>');
        string code = d.TrimStart('<', '>', '|', '=');
        return code switch
        {
            "f4" => (DType.Float32, 4, big), "f8" => (DType.Float64, 8, big), "f2" => (DType.Float16, 2, big),
            "i4" => (DType.Int32, 4, big), "i8" => (DType.Int64, 8, big), "u1" => (DType.UInt8, 1, false),
            "i1" => (DType.Int8, 1, false), "b1" => (DType.Bool, 1, false),
            _ => throw new InvalidDataException($"{source}: unsupported NumPy dtype '{d}' (supported: f2, f4, f8, i1, i4, i8, u1, b1)."),
        };
    }

    private static Tensor FromBytes(byte[] data, DType dtype, int[] shape) => dtype switch
    {
        DType.Float32 => Tensor.FromArray(MemoryMarshal.Cast<byte, float>(data).ToArray(), shape),
        DType.Float64 => Tensor.FromArray(MemoryMarshal.Cast<byte, double>(data).ToArray(), shape),
        DType.Float16 => Tensor.FromArray(MemoryMarshal.Cast<byte, Half>(data).ToArray(), shape),
        DType.Int32 => Tensor.FromArray(MemoryMarshal.Cast<byte, int>(data).ToArray(), shape),
        DType.Int64 => Tensor.FromArray(MemoryMarshal.Cast<byte, long>(data).ToArray(), shape),
        DType.UInt8 => Tensor.FromArray(data, shape),
        DType.Int8 => Tensor.FromArray(MemoryMarshal.Cast<byte, sbyte>(data).ToArray(), shape),
        _ => Tensor.FromArray(data.Select(b => b != 0).ToArray(), shape),
    };

    private static byte[] ReadExactly(Stream s, int n, string source, string what)
    {
        var buf = new byte[n];
        int got = 0;
        while (got < n)
        {
            int r = s.Read(buf, got, n - got);
            if (r == 0) throw new InvalidDataException($"{source}: truncated {what}: expected {n} bytes, got {got}.");
            got += r;
        }
        return buf;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']+)'")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
