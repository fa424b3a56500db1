// Helpers shared by the image codecs: error messages that name the file, the part and the byte offset; atomic file
// writes; the CRC-32 of PNG chunks.
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Fovea.Imaging.Codecs;

/// <summary>Builds the <see cref="InvalidDataException"/>s of a decoder: "name: part at offset N: problem".</summary>
internal readonly struct CodecError(string? name, string format)
{
    /// <summary>The file name when known, else e.g. "PNG data".</summary>
    public string Source { get; } = name ?? $"{format} data";

    public InvalidDataException At(string part, long offset, string problem) =>
        new($"{Source}: {part} at offset {offset}: {problem}");

    public InvalidDataException At(string part, long offset, string problem, Exception inner) =>
        new($"{Source}: {part} at offset {offset}: {problem}", inner);

    public InvalidDataException General(string problem) => new($"{Source}: {problem}");
}

internal static class CodecFiles
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> through a temporary file and a rename, so a
    /// reader never sees a half-written image.</summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> bytes)
    {
        var tmp = path + ".tmp";
        using (var f = File.Create(tmp)) f.Write(bytes);
        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>CRC-32 (ISO-HDLC, polynomial 0xEDB88320) as used by PNG chunks; slicing-by-8 tables.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var t = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        for (int s = 1; s < 8; s++)
            for (int i = 0; i < 256; i++)
                t[s * 256 + i] = (t[(s - 1) * 256 + i] >> 8) ^ t[t[(s - 1) * 256 + i] & 0xFF];
        return t;
    }

    /// <summary>CRC of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Update(0xFFFFFFFFu, data) ^ 0xFFFFFFFFu;

    /// <summary>Continues a running (pre-inverted) CRC over <paramref name="data"/>.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        ref uint t = ref MemoryMarshal.GetArrayDataReference(Table);   // indices below are all < 8 * 256
        while (data.Length >= 8)
        {
            uint a = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ crc;
            uint b = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = Unsafe.Add(ref t, 7 * 256 + (int)(a & 0xFF)) ^ Unsafe.Add(ref t, 6 * 256 + (int)((a >> 8) & 0xFF))
                ^ Unsafe.Add(ref t, 5 * 256 + (int)((a >> 16) & 0xFF)) ^ Unsafe.Add(ref t, 4 * 256 + (int)(a >> 24))
                ^ Unsafe.Add(ref t, 3 * 256 + (int)(b & 0xFF)) ^ Unsafe.Add(ref t, 2 * 256 + (int)((b >> 8) & 0xFF))
                ^ Unsafe.Add(ref t, 256 + (int)((b >> 16) & 0xFF)) ^ Unsafe.Add(ref t, (int)(b >> 24));
            data = data[8..];
        }
        foreach (byte x in data) crc = Unsafe.Add(ref t, (int)((crc ^ x) & 0xFF)) ^ (crc >> 8);
        return crc;
    }
}
