// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON header
// mapping names to {dtype, shape, data_offsets} (plus optional "__metadata__" strings), then the raw
// little-endian tensor bytes. Readable by other tools; loading never executes anything and validates every
// size and offset before allocating.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fovea.IO;

/// <summary>Reads and writes .safetensors files.</summary>
public static class SafeTensors
{
    private const long MaxHeaderBytes = 100L << 20;

    /// <summary>Loads every tensor of a .safetensors file; <paramref name="metadata"/> receives "__metadata__".</summary>
    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    public static Dictionary<string, Tensor> Load(string path, out Dictionary<string, string> metadata)
    {
        using var f = File.OpenRead(path);
        return Read(f, path, out metadata);
    }

    public static Dictionary<string, Tensor> Read(Stream stream, string source, out Dictionary<string, string> metadata)
    {
        long fileLength = stream.CanSeek ? stream.Length : -1;
        Span<byte> lenBytes = stackalloc byte[8];
        if (stream.ReadAtLeast(lenBytes, 8, throwOnEndOfStream: false) < 8)
            throw new InvalidDataException($"{source}: truncated: a safetensors file starts with an 8-byte header length.");
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (headerLen > (ulong)MaxHeaderBytes || (fileLength >= 0 && (long)headerLen > fileLength - 8))
            throw new InvalidDataException($"{source}: header length {headerLen} at offset 0 is larger than the file ({fileLength} bytes) or the {MaxHeaderBytes}-byte limit; not a safetensors file?");
        var headerBytes = new byte[headerLen];
        stream.ReadExactly(headerBytes);
        JsonObject header;
        try { header = JsonNode.Parse(headerBytes)!.AsObject(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        { throw new InvalidDataException($"{source}: the JSON header (offset 8, {headerLen} bytes) is invalid: {e.Message}", e); }

        metadata = [];
        var entries = new List<(string Name, DType DType, int[] Shape, long Begin, long End)>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                foreach (var (k, v) in node!.AsObject()) metadata[k] = v?.GetValue<string>() ?? "";
                continue;
            }
            var o = node as JsonObject ?? throw new InvalidDataException($"{source}: entry '{name}' is not an object.");
            string dt = o["dtype"]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: tensor '{name}' has no dtype.");
            var dtype = ParseDType(dt, source, name);
            var shape = (o["shape"] as JsonArray ?? throw new InvalidDataException($"{source}: tensor '{name}' has no shape.")).Select(d => d!.GetValue<long>()).ToArray();
            var offs = (o["data_offsets"] as JsonArray ?? throw new InvalidDataException($"{source}: tensor '{name}' has no data_offsets.")).Select(d => d!.GetValue<long>()).ToArray();
            if (offs.Length != 2 || offs[0] < 0 || offs[1] < offs[0])
                throw new InvalidDataException($"{source}: tensor '{name}' has invalid data_offsets [{string.Join(", ", offs)}].");
            long count = 1;
            foreach (long d in shape)
            {
                if (d < 0 || d > int.MaxValue) throw new InvalidDataException($"{source}: tensor '{name}' has an invalid dimension {d}.");
                count *= d;
                if (count > int.MaxValue) throw new InvalidDataException($"{source}: tensor '{name}' of shape ({string.Join(", ", shape)}) is too large.");
            }
            long expected = count * DTypes.SizeOf(dtype);
            if (offs[1] - offs[0] != expected)
                throw new InvalidDataException($"{source}: tensor '{name}' of shape ({string.Join(", ", shape)}) and dtype {dt} needs {expected} bytes, but its data_offsets [{offs[0]}, {offs[1]}] span {offs[1] - offs[0]}.");
            entries.Add((name, dtype, shape.Select(d => (int)d).ToArray(), offs[0], offs[1]));
        }
        long dataLen = entries.Count == 0 ? 0 : entries.Max(e => e.End);
        long dataStart = 8 + (long)headerLen;
        if (fileLength >= 0 && dataStart + dataLen > fileLength)
            throw new InvalidDataException($"{source}: truncated: tensors need {dataLen} bytes after the header (offset {dataStart}), the file has {fileLength - dataStart}.");
        var data = new byte[dataLen];
        int got = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (got < data.Length) throw new InvalidDataException($"{source}: truncated: expected {dataLen} data bytes after offset {dataStart}, got {got}.");

        var result = new Dictionary<string, Tensor>();
        foreach (var (name, dtype, shape, begin, end) in entries)
            result[name] = FromBytes(data.AsSpan((int)begin, (int)(end - begin)), dtype, shape);
        return result;
    }

    /// <summary>Writes tensors (and optional string metadata) as a .safetensors file, atomically (temp + rename).</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var tmp = path + ".tmp";
        using (var f = File.Create(tmp)) Write(f, tensors, metadata);
        File.Move(tmp, path, overwrite: true);
    }

    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var m = new JsonObject();
            foreach (var (k, v) in metadata) m[k] = v;
            header["__metadata__"] = m;
        }
        long offset = 0;
        var ordered = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        foreach (var (name, t) in ordered)
        {
            long bytes = (long)t.NumElements * DTypes.SizeOf(t.DType);
            header[name] = new JsonObject
            {
                ["dtype"] = DTypeName(t.DType),
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - json.Length % 8) % 8; // keep the data 8-byte aligned, padding with spaces as the spec allows
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)(json.Length + pad));
        stream.Write(len);
        stream.Write(json);
        for (int i = 0; i < pad; i++) stream.WriteByte((byte)' ');
        foreach (var (_, t) in ordered)
        {
            using var c = t.Contiguous();
            stream.Write(Bytes(c));
        }
    }

    private static ReadOnlySpan<byte> Bytes(Tensor c) => c.DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(c.AsSpan<float>()),
        DType.Float64 => MemoryMarshal.AsBytes(c.AsSpan<double>()),
        DType.Int32 => MemoryMarshal.AsBytes(c.AsSpan<int>()),
        DType.Int64 => MemoryMarshal.AsBytes(c.AsSpan<long>()),
        DType.UInt8 => MemoryMarshal.AsBytes(c.AsSpan<byte>()),
        DType.Int8 => MemoryMarshal.AsBytes(c.AsSpan<sbyte>()),
        DType.Bool => MemoryMarshal.AsBytes(c.AsSpan<bool>()),
        DType.Float16 => MemoryMarshal.AsBytes(c.AsSpan<Half>()),
        DType.BFloat16 => MemoryMarshal.AsBytes(c.AsSpan<BFloat16>()),
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    private static Tensor FromBytes(ReadOnlySpan<byte> b, DType dtype, int[] shape) => dtype switch
    {
        DType.Float32 => Tensor.FromArray(MemoryMarshal.Cast<byte, float>(b).ToArray(), shape),
        DType.Float64 => Tensor.FromArray(MemoryMarshal.Cast<byte, double>(b).ToArray(), shape),
        DType.Int32 => Tensor.FromArray(MemoryMarshal.Cast<byte, int>(b).ToArray(), shape),
        DType.Int64 => Tensor.FromArray(MemoryMarshal.Cast<byte, long>(b).ToArray(), shape),
        DType.UInt8 => Tensor.FromArray(b.ToArray(), shape),
        DType.Int8 => Tensor.FromArray(MemoryMarshal.Cast<byte, sbyte>(b).ToArray(), shape),
        DType.Bool => Tensor.FromArray(b.ToArray().Select(x => x != 0).ToArray(), shape),
        DType.Float16 => Tensor.FromArray(MemoryMarshal.Cast<byte, Half>(b).ToArray(), shape),
        _ => Tensor.FromArray(MemoryMarshal.Cast<byte, BFloat16>(b).ToArray(), shape),
    };

    private static string DTypeName(DType t) => t switch
    {
        DType.Float32 => "F32", DType.Float64 => "F64", DType.Float16 => "F16", DType.BFloat16 => "BF16",
        DType.Int32 => "I32", DType.Int64 => "I64", DType.Int8 => "I8", DType.UInt8 => "U8", DType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    private static DType ParseDType(string s, string source, string name) => s switch
    {
        "F32" => DType.Float32, "F64" => DType.Float64, "F16" => DType.Float16, "BF16" => DType.BFloat16,
        "I32" => DType.Int32, "I64" => DType.Int64, "I8" => DType.Int8, "U8" => DType.UInt8, "BOOL" => DType.Bool,
        _ => throw new InvalidDataException($"{source}: tensor '{name}' has dtype {s}, which Fovea cannot hold (supported: F64, F32, F16, BF16, I64, I32, I8, U8, BOOL)."),
    };
}
