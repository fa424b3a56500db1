// Entropy decoding for the JPEG decoder: Huffman tables with a 9-bit lookup fast path, and the bit reader over an
// entropy-coded segment (byte unstuffing, marker detection, zero padding past the end of the data like libjpeg).
using System.Runtime.CompilerServices;

namespace Fovea.Imaging.Codecs;

/// <summary>A decoding Huffman table (ITU T.81 Annex C / F.2.2.3) plus a lookup table for codes of up to 9 bits.</summary>
internal sealed class JpegHuffmanTable
{
    public const int FastBits = 9;

    /// <summary>Entry for the next 9 bits: (code length &lt;&lt; 8) | symbol, or 0 when the code is longer than 9 bits.</summary>
    public readonly ushort[] Fast = new ushort[1 << FastBits];
    /// <summary>Largest code of each length (left-aligned to 16 bits, exclusive), for the slow path; index 1..16.</summary>
    public readonly int[] MaxCode = new int[18];
    /// <summary>Index into <see cref="Values"/> of the first code of each length minus that code.</summary>
    public readonly int[] Delta = new int[17];
    public readonly byte[] Values = new byte[256];

    /// <summary>Builds the table from the 16 code-length counts and the symbols; returns an error message or null.</summary>
    public string? Build(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols)
    {
        Array.Clear(Fast);
        symbols.CopyTo(Values);
        int code = 0, k = 0;
        for (int len = 1; len <= 16; len++)
        {
            int n = counts[len - 1];
            Delta[len] = k - code;
            if (k + n > 256) return "bad Huffman table (more than 256 symbols)";
            for (int i = 0; i < n; i++, k++, code++)
            {
                if (code >= 1 << len) return "bad Huffman table (code space overflow)";
                if (len <= FastBits)
                {
                    int shift = FastBits - len;
                    int first = code << shift;
                    for (int j = 0; j < 1 << shift; j++) Fast[first + j] = (ushort)(len << 8 | symbols[k]);
                }
            }
            // Codes of this length are < code; compare left-aligned 16-bit windows.
            MaxCode[len] = code << (16 - len);
            code <<= 1;
        }
        MaxCode[17] = int.MaxValue;
        return null;
    }
}

/// <summary>
/// Reads bits MSB-first from an entropy-coded segment. Stuffed 0xFF00 becomes 0xFF; at a marker (or at the end of the
/// data) the reader stops and feeds zero bytes, counting them so that a caller can tell whether any were consumed.
/// </summary>
internal ref struct JpegBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private ulong _bits;
    private int _count;
    /// <summary>Position of the next unread byte (at a marker's 0xFF once <see cref="AtMarker"/> is set).</summary>
    public int Position;
    public bool AtMarker;
    /// <summary>Zero bytes fed after the end of the segment.</summary>
    public int PadBytes;

    public JpegBitReader(ReadOnlySpan<byte> data, int position)
    {
        _data = data;
        Position = position;
    }

    /// <summary>True when bits past the end of the segment (padding) have been consumed: the data is truncated.</summary>
    public readonly bool Overrun => PadBytes * 8 > _count;

    /// <summary>Drops buffered bits and padding state (at a restart marker).</summary>
    public void Reset()
    {
        _bits = 0;
        _count = 0;
        PadBytes = 0;
        AtMarker = false;
    }

    private void Fill()
    {
        while (_count <= 56)
        {
            int b = 0;
            if (!AtMarker && Position < _data.Length)
            {
                b = _data[Position];
                if (b != 0xFF) Position++;
                else
                {
                    int p = Position + 1;
                    while (p < _data.Length && _data[p] == 0xFF) p++;
                    if (p < _data.Length && _data[p] == 0) Position = p + 1;
                    else { AtMarker = true; b = 0; PadBytes++; }
                }
            }
            else PadBytes++;
            _bits |= (ulong)b << (56 - _count);
            _count += 8;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Ensure32()
    {
        if (_count < 32) Fill();
    }

    /// <summary>Decodes one Huffman symbol; returns -1 for a bit pattern that is no code. Needs 16 buffered bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int DecodeFast(JpegHuffmanTable t)
    {
        int e = t.Fast[(int)(_bits >> (64 - JpegHuffmanTable.FastBits))];
        if (e == 0) return DecodeSlow(t);
        int len = e >> 8;
        _bits <<= len;
        _count -= len;
        return e & 0xFF;
    }

    private int DecodeSlow(JpegHuffmanTable t)
    {
        int window = (int)(_bits >> 48);
        for (int len = JpegHuffmanTable.FastBits + 1; len <= 16; len++)
        {
            if (window < t.MaxCode[len])
            {
                _bits <<= len;
                _count -= len;
                return t.Values[(t.Delta[len] + (window >> (16 - len))) & 0xFF];
            }
        }
        return -1;
    }

    /// <summary>Reads <paramref name="n"/> (0..16) raw bits; needs them buffered (call <see cref="Ensure32"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Bits(int n)
    {
        if (n == 0) return 0;
        int v = (int)(_bits >> (64 - n));
        _bits <<= n;
        _count -= n;
        return v;
    }

    /// <summary>Reads <paramref name="n"/> bits and sign-extends them as a JPEG magnitude category (F.2.2.1 EXTEND).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Receive(int n)
    {
        if (n == 0) return 0;
        int v = (int)(_bits >> (64 - n));
        _bits <<= n;
        _count -= n;
        return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Bit()
    {
        if (_count < 1) Fill();
        int v = (int)(_bits >> 63);
        _bits <<= 1;
        _count--;
        return v;
    }
}
