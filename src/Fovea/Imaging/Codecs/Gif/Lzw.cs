// GIF's variable-width LZW decoder (codes of minCodeSize+1 .. 12 bits, LSB first, clear and end codes, deferred
// clear when the table is full).
namespace Fovea.Imaging.Codecs;

internal static class Lzw
{
    private const int MaxCodes = 4096;

    /// <summary>Decodes <paramref name="src"/> into <paramref name="dst"/>; returns how many indices were written
    /// (fewer than dst.Length when the stream ends early). Invalid codes throw, naming <paramref name="part"/>.</summary>
    public static int Decode(ReadOnlySpan<byte> src, int minCodeSize, Span<byte> dst, CodecError err, string part, int offset)
    {
        Span<ushort> prefix = stackalloc ushort[MaxCodes];
        Span<ushort> length = stackalloc ushort[MaxCodes];
        Span<byte> suffix = stackalloc byte[MaxCodes];
        Span<byte> first = stackalloc byte[MaxCodes];
        int clear = 1 << minCodeSize, end = clear + 1;
        for (int i = 0; i < clear; i++) (suffix[i], first[i], length[i]) = ((byte)i, (byte)i, 1);
        int next = clear + 2, size = minCodeSize + 1, prev = -1, written = 0, srcPos = 0, bits = 0;
        ulong acc = 0;
        while (written < dst.Length)
        {
            while (bits < size)
            {
                if (srcPos >= src.Length) return written;
                acc |= (ulong)src[srcPos++] << bits;
                bits += 8;
            }
            int code = (int)(acc & ((1u << size) - 1));
            acc >>= size;
            bits -= size;
            if (code == clear)
            {
                (next, size, prev) = (clear + 2, minCodeSize + 1, -1);
                continue;
            }
            if (code == end) break;
            if (prev < 0)
            {
                if (code >= clear) throw err.At(part, offset, $"LZW code {code} where a literal was expected");
            }
            else
            {
                if (code > next || (code == next && next == MaxCodes)) throw err.At(part, offset, $"LZW code {code} out of range (next is {next})");
                if (next < MaxCodes)
                {
                    prefix[next] = (ushort)prev;
                    suffix[next] = code == next ? first[prev] : first[code];
                    first[next] = first[prev];
                    length[next] = (ushort)(length[prev] + 1);
                    next++;
                    if (next == 1 << size && size < 12) size++;
                }
            }
            written += Emit(code, dst, written, prefix, suffix, length);
            prev = code;
        }
        return written;
    }

    /// <summary>Writes the string of <paramref name="code"/> at <paramref name="at"/> (clipped to dst); returns the
    /// number of indices written.</summary>
    private static int Emit(int code, Span<byte> dst, int at, ReadOnlySpan<ushort> prefix, ReadOnlySpan<byte> suffix, ReadOnlySpan<ushort> length)
    {
        int len = length[code], fit = Math.Min(len, dst.Length - at);
        for (int i = len - 1; i >= 0; i--)
        {
            if (i < fit) dst[at + i] = suffix[code];
            code = prefix[code];
        }
        return fit;
    }
}
