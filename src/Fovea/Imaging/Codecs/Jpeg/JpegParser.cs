// Marker-level parsing of a JPEG file for the decoder: SOI, APPn (JFIF, Exif orientation, Adobe transform), DQT, DHT,
// DRI, SOFn, SOS, EOI. Entropy-coded scans are decoded by JpegScan.cs, the output stage is JpegColor.cs.
using System.Buffers;

namespace Fovea.Imaging.Codecs;

internal ref partial struct JpegParser
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string? _name;
    private readonly bool _strict;
    private readonly int _scale;

    private readonly int[][] _quant = new int[4][];
    private readonly JpegHuffmanTable?[] _dcTables = new JpegHuffmanTable?[4];
    private readonly JpegHuffmanTable?[] _acTables = new JpegHuffmanTable?[4];
    private int _restartInterval;

    public int Width, Height;
    public bool Progressive;
    public JpegComponent[] Components = [];
    public int MaxH, MaxV, McusX, McusY;
    /// <summary>Samples per block side of the smallest IDCT (8 / scale denominator).</summary>
    public int MinBlockSize;
    public bool SawJfif, SawAdobe;
    public int AdobeTransform;
    /// <summary>Exif orientation 1..8 (1 when absent).</summary>
    public int Orientation = 1;
    private bool _frameReady;
    private int _scans;
    /// <summary>Remaining end-of-band run of a progressive AC scan.</summary>
    private int _eobRun;

    public JpegParser(ReadOnlySpan<byte> data, string? name, bool strict, int scale)
    {
        _data = data;
        _name = name;
        _strict = strict;
        _scale = scale;
    }

    /// <summary>Throws the decoder's error: "name: SEG segment at offset N: message".</summary>
    public readonly InvalidDataException Error(string segment, int offset, string message) =>
        new($"{_name ?? "JPEG"}: {segment} segment at offset {offset}: {message}");

    private static string MarkerName(int code) => code switch
    {
        0xC4 => "DHT", 0xDB => "DQT", 0xDD => "DRI", 0xDA => "SOS", 0xD8 => "SOI", 0xD9 => "EOI", 0xFE => "COM",
        >= 0xC0 and <= 0xCF => $"SOF{code - 0xC0}",
        >= 0xE0 and <= 0xEF => $"APP{code - 0xE0}",
        >= 0xD0 and <= 0xD7 => $"RST{code - 0xD0}",
        _ => $"marker 0x{code:X2}",
    };

    /// <summary>Parses the whole file, decoding every scan; with <paramref name="headerOnly"/> stops after SOF.</summary>
    public void Run(bool headerOnly)
    {
        if (_data.Length < 2 || _data[0] != 0xFF || _data[1] != 0xD8)
            throw Error("SOI", 0, "not a JPEG file (missing SOI marker)");
        int pos = 2;
        while (true)
        {
            // Find the next marker, skipping fill bytes (and, leniently, stray bytes between segments).
            while (pos < _data.Length && _data[pos] != 0xFF) pos++;
            while (pos + 1 < _data.Length && _data[pos + 1] == 0xFF) pos++;
            if (pos + 1 >= _data.Length)
            {
                if (_strict || !_frameReady || _scans == 0)
                    throw Error(_frameReady ? "EOI" : "SOF", _data.Length, "unexpected end of file (missing EOI marker)");
                return;
            }
            int marker = _data[pos + 1];
            int start = pos;
            pos += 2;
            if (marker == 0x00) continue; // stuffed 0xFF data byte outside a scan: skip
            if (marker == 0xD9)
            {
                if (headerOnly || _scans > 0) return;
                throw Error("EOI", start, _frameReady ? "no scan data before EOI" : "no frame header (SOF) before EOI");
            }
            if (marker is >= 0xD0 and <= 0xD7 or 0x01) continue; // stray RSTn / TEM: no length
            if (pos + 2 > _data.Length) throw Error(MarkerName(marker), start, "truncated segment length");
            int length = _data[pos] << 8 | _data[pos + 1];
            if (length < 2 || pos + length > _data.Length)
                throw Error(MarkerName(marker), start, $"segment length {length} runs past the end of the data ({_data.Length} bytes)");
            var body = _data.Slice(pos + 2, length - 2);
            pos += length;
            switch (marker)
            {
                case 0xC0 or 0xC1 or 0xC2:
                    if (_frameReady) throw Error(MarkerName(marker), start, "more than one frame");
                    ReadFrame(body, start, marker == 0xC2, headerOnly);
                    if (headerOnly) return;
                    break;
                case 0xC3 or (>= 0xC5 and <= 0xC7) or (>= 0xC9 and <= 0xCB) or (>= 0xCD and <= 0xCF):
                    throw Error(MarkerName(marker), start, "unsupported JPEG process (lossless, hierarchical or arithmetic-coded)");
                case 0xC4: ReadHuffmanTables(body, start); break;
                case 0xDB: ReadQuantTables(body, start); break;
                case 0xDD:
                    if (body.Length < 2) throw Error("DRI", start, "segment too short");
                    _restartInterval = body[0] << 8 | body[1];
                    break;
                case 0xDA:
                    if (headerOnly) throw Error("SOS", start, "scan before frame header");
                    pos = ReadScan(body, start, pos);
                    _scans++;
                    break;
                case 0xE0:
                    if (body.StartsWith("JFIF\0"u8)) SawJfif = true;
                    break;
                case 0xE1:
                    if (Orientation == 1 && body.StartsWith("Exif\0\0"u8)) Orientation = JpegExif.ReadOrientation(body[6..]);
                    break;
                case 0xEE:
                    if (body.Length >= 12 && body.StartsWith("Adobe"u8))
                    {
                        SawAdobe = true;
                        AdobeTransform = body[11];
                    }
                    break;
            }
        }
    }

    private void ReadQuantTables(ReadOnlySpan<byte> body, int start)
    {
        int p = 0;
        while (p < body.Length)
        {
            int pq = body[p] >> 4, tq = body[p] & 15;
            if (pq > 1 || tq > 3) throw Error("DQT", start, $"bad table precision {pq} or slot {tq}");
            int size = 1 + 64 * (pq + 1);
            if (p + size > body.Length) throw Error("DQT", start, "segment too short for its tables");
            var q = _quant[tq] ??= new int[64];
            var zz = JpegTables.ZigZag;
            for (int k = 0; k < 64; k++)
                q[zz[k]] = pq == 0 ? body[p + 1 + k] : body[p + 1 + 2 * k] << 8 | body[p + 2 + 2 * k];
            p += size;
        }
    }

    private void ReadHuffmanTables(ReadOnlySpan<byte> body, int start)
    {
        int p = 0;
        while (p < body.Length)
        {
            if (p + 17 > body.Length) throw Error("DHT", start, "segment too short for its tables");
            int tc = body[p] >> 4, th = body[p] & 15;
            if (tc > 1 || th > 3) throw Error("DHT", start, $"bad table class {tc} or slot {th}");
            var counts = body.Slice(p + 1, 16);
            int total = 0;
            foreach (byte c in counts) total += c;
            if (p + 17 + total > body.Length) throw Error("DHT", start, "segment too short for its symbols");
            var symbols = body.Slice(p + 17, total);
            if (tc == 0)
                foreach (byte s in symbols)
                    if (s > 15) throw Error("DHT", start, $"DC table symbol {s} is out of range");
            var tables = tc == 0 ? _dcTables : _acTables;
            var t = tables[th] ??= new JpegHuffmanTable();
            string? err = t.Build(counts, symbols);
            if (err != null) throw Error("DHT", start, err);
            p += 17 + total;
        }
    }

    private void ReadFrame(ReadOnlySpan<byte> body, int start, bool progressive, bool headerOnly)
    {
        string seg = progressive ? "SOF2" : "SOF0";
        if (body.Length < 6) throw Error(seg, start, "segment too short");
        if (body[0] != 8) throw Error(seg, start, $"unsupported sample precision {body[0]} (only 8-bit JPEG is supported)");
        Height = body[1] << 8 | body[2];
        Width = body[3] << 8 | body[4];
        int n = body[5];
        if (Width == 0 || Height == 0) throw Error(seg, start, $"unsupported image size {Width}x{Height}");
        if (n != 1 && n != 3 && n != 4) throw Error(seg, start, $"unsupported component count {n}");
        if (body.Length < 6 + 3 * n) throw Error(seg, start, "segment too short for its components");
        if ((long)Width * Height * 4 > Array.MaxLength) throw Error(seg, start, $"image {Width}x{Height} is too large");
        Progressive = progressive;
        var comps = new JpegComponent[n];
        for (int i = 0; i < n; i++)
        {
            var c = comps[i] = new JpegComponent
            {
                Id = body[6 + 3 * i], H = body[7 + 3 * i] >> 4, V = body[7 + 3 * i] & 15, Tq = body[8 + 3 * i],
            };
            if (c.H is < 1 or > 4 || c.V is < 1 or > 4 || c.Tq > 3)
                throw Error(seg, start, $"component {c.Id}: bad sampling factors {c.H}x{c.V} or table {c.Tq}");
            MaxH = Math.Max(MaxH, c.H);
            MaxV = Math.Max(MaxV, c.V);
        }
        Components = comps;
        McusX = DivCeil(Width, 8 * MaxH);
        McusY = DivCeil(Height, 8 * MaxV);
        MinBlockSize = 8 / _scale;
        foreach (var c in Components)
        {
            LayOut(c, n == 1);
            if (MaxH % (c.H * c.BlockSize / MinBlockSize) != 0 || MaxV % (c.V * c.BlockSize / MinBlockSize) != 0)
                throw Error(seg, start, $"component {c.Id}: fractional sampling ({c.H}x{c.V} of {MaxH}x{MaxV}) is not supported");
        }
        _frameReady = true;
        if (!headerOnly) Allocate();
    }

    /// <summary>Chooses the component's IDCT size and allocates its plane (jdmaster.c's per-component scaling).</summary>
    private void LayOut(JpegComponent c, bool single)
    {
        // Like libjpeg, let subsampled components use a larger IDCT instead of upsampling when downscaling.
        int s = MinBlockSize;
        while (s < 8 && MaxH * MinBlockSize % (c.H * s * 2) == 0 && MaxV * MinBlockSize % (c.V * s * 2) == 0) s *= 2;
        c.BlockSize = s;
        c.BlocksPerLine = single ? DivCeil(Width, 8) : McusX * c.H;
        c.BlocksPerColumn = single ? DivCeil(Height, 8) : McusY * c.V;
        c.CoveredBlocksX = DivCeil(DivCeil(Width * c.H, MaxH), 8);
        c.CoveredBlocksY = DivCeil(DivCeil(Height * c.V, MaxV), 8);
        c.Width = DivCeil(Width * c.H * s, MaxH * 8);
        c.Height = DivCeil(Height * c.V * s, MaxV * 8);
        c.Stride = c.BlocksPerLine * s;
    }

    /// <summary>Rents zeroed planes (and coefficient buffers) for every component; <see cref="Release"/> returns them.</summary>
    private readonly void Allocate()
    {
        // Pooled rather than new: large fresh arrays live on the LOH and cost page faults on every decode.
        foreach (var c in Components)
        {
            int n = c.Stride * c.BlocksPerColumn * c.BlockSize;
            c.Plane = ArrayPool<byte>.Shared.Rent(n);
            Array.Clear(c.Plane, 0, n);
            if (!Progressive) continue;
            int m = c.BlocksPerLine * c.BlocksPerColumn * 64;
            c.Coefs = ArrayPool<short>.Shared.Rent(m);
            Array.Clear(c.Coefs, 0, m);
        }
    }

    /// <summary>Returns the rented buffers to the pool.</summary>
    public readonly void Release()
    {
        foreach (var c in Components)
        {
            if (c.Plane.Length > 0) ArrayPool<byte>.Shared.Return(c.Plane);
            if (c.Coefs != null) ArrayPool<short>.Shared.Return(c.Coefs);
            c.Plane = [];
            c.Coefs = null;
        }
    }

    public static int DivCeil(int a, int b) => (int)(((long)a + b - 1) / b);

    /// <summary>Runs the final IDCT of a progressive frame over the accumulated coefficients.</summary>
    public readonly void FinishProgressive()
    {
        foreach (var c in Components)
        {
            var q = _quant[c.Tq] ?? throw Error("DQT", 0, $"quantisation table {c.Tq} is not defined");
            int s = c.BlockSize;
            for (int by = 0; by < c.BlocksPerColumn; by++)
                for (int bx = 0; bx < c.BlocksPerLine; bx++)
                {
                    var coefs = c.Coefs.AsSpan((by * c.BlocksPerLine + bx) * 64, 64);
                    JpegIdct.Transform(s, coefs, q, c.Plane.AsSpan(by * s * c.Stride + bx * s), c.Stride);
                }
        }
    }

    public readonly bool FrameReady => _frameReady;
}
