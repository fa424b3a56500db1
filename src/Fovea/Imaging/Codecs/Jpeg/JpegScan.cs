// Entropy-coded scan decoding for the JPEG decoder: the SOS header, the MCU walk with restart intervals, baseline
// blocks (decoded and inverse-transformed straight into the component plane) and the four progressive scan kinds
// (DC first / refine, AC first / refine, ITU T.81 G.1.2) that accumulate into the coefficient buffers.
namespace Fovea.Imaging.Codecs;

internal ref partial struct JpegParser
{
    private enum ScanKind { Baseline, DcFirst, DcRefine, AcFirst, AcRefine }

    /// <summary>Decodes the scan whose header is <paramref name="body"/>; returns the offset of the next marker.</summary>
    private int ReadScan(ReadOnlySpan<byte> body, int start, int dataStart)
    {
        if (!_frameReady) throw Error("SOS", start, "scan before frame header");
        if (body.Length < 1) throw Error("SOS", start, "segment too short");
        int n = body[0];
        if (n < 1 || n > 4 || body.Length < 4 + 2 * n) throw Error("SOS", start, $"bad component count {n} or segment length");
        var comps = new JpegComponent[n];
        for (int i = 0; i < n; i++)
        {
            int id = body[1 + 2 * i], tables = body[2 + 2 * i];
            JpegComponent? c = null;
            foreach (var fc in Components) if (fc.Id == id) { c = fc; break; }
            comps[i] = c ?? throw Error("SOS", start, $"component {id} is not in the frame");
            c.DcTable = tables >> 4;
            c.AcTable = tables & 15;
            if (c.DcTable > 3 || c.AcTable > 3) throw Error("SOS", start, $"bad Huffman table slots {tables:X2}");
        }
        int ss = body[1 + 2 * n], se = body[2 + 2 * n], ah = body[3 + 2 * n] >> 4, al = body[3 + 2 * n] & 15;
        ScanKind kind;
        if (!Progressive) kind = ScanKind.Baseline;
        else
        {
            if (ss > se || se > 63 || (ss == 0 && se != 0) || (ss > 0 && n != 1) || al > 13 || ah > 13)
                throw Error("SOS", start, $"bad progressive parameters Ss={ss} Se={se} Ah={ah} Al={al}");
            kind = ss == 0 ? (ah == 0 ? ScanKind.DcFirst : ScanKind.DcRefine) : (ah == 0 ? ScanKind.AcFirst : ScanKind.AcRefine);
        }
        foreach (var c in comps)
        {
            if (_quant[c.Tq] == null) throw Error("SOS", start, $"quantisation table {c.Tq} is not defined");
            bool needDc = kind is ScanKind.Baseline or ScanKind.DcFirst, needAc = kind is ScanKind.Baseline or ScanKind.AcFirst or ScanKind.AcRefine;
            if (needDc && _dcTables[c.DcTable] == null) _dcTables[c.DcTable] = StandardTable(true, c.DcTable, start);
            if (needAc && _acTables[c.AcTable] == null) _acTables[c.AcTable] = StandardTable(false, c.AcTable, start);
        }
        return DecodeScan(comps, kind, ss, se, al, start, dataStart);
    }

    /// <summary>Files without DHT (Motion-JPEG frames) use the Annex K tables, as libjpeg does.</summary>
    private readonly JpegHuffmanTable StandardTable(bool dc, int slot, int start)
    {
        if (slot > 1) throw Error("SOS", start, $"Huffman table {slot} is not defined");
        var t = new JpegHuffmanTable();
        if (dc) t.Build(slot == 0 ? JpegTables.DcLumaBits : JpegTables.DcChromaBits, slot == 0 ? JpegTables.DcLumaValues : JpegTables.DcChromaValues);
        else t.Build(slot == 0 ? JpegTables.AcLumaBits : JpegTables.AcChromaBits, slot == 0 ? JpegTables.AcLumaValues : JpegTables.AcChromaValues);
        return t;
    }

    private int DecodeScan(JpegComponent[] comps, ScanKind kind, int ss, int se, int al, int start, int dataStart)
    {
        var br = new JpegBitReader(_data, dataStart);
        bool single = comps.Length == 1;
        int mcusX = single ? comps[0].CoveredBlocksX : McusX;
        int mcusY = single ? comps[0].CoveredBlocksY : McusY;
        Span<short> block = stackalloc short[64];
        block.Clear();
        foreach (var c in comps) c.DcPred = 0;
        _eobRun = 0;
        int nextRst = 0, untilRestart = _restartInterval;
        // Like libjpeg: once an MCU ran out of data, the rest of the restart interval is left with zero coefficients.
        bool outOfData = false;
        for (int my = 0; my < mcusY; my++)
        {
            for (int mx = 0; mx < mcusX; mx++)
            {
                if (_restartInterval > 0)
                {
                    if (untilRestart == 0)
                    {
                        outOfData &= !Restart(ref br, ref nextRst, comps, start);
                        untilRestart = _restartInterval;
                    }
                    untilRestart--;
                }
                if (single) DecodeBlock(ref br, comps[0], mx, my, kind, ss, se, al, block, start, outOfData);
                else
                    foreach (var c in comps)
                        for (int v = 0; v < c.V; v++)
                            for (int h = 0; h < c.H; h++)
                                DecodeBlock(ref br, c, mx * c.H + h, my * c.V + v, kind, ss, se, al, block, start, outOfData);
                if (br.Overrun)
                {
                    CheckOverrun(ref br, start);
                    outOfData = true;
                }
            }
        }
        CheckOverrun(ref br, start);
        return br.Position;
    }

    private readonly void CheckOverrun(ref JpegBitReader br, int start)
    {
        if (br.Overrun && _strict) throw Error("SOS", start, "entropy-coded data ends prematurely (truncated file?)");
    }

    /// <summary>
    /// Ends a restart interval: expects an RSTn marker, then resets the predictors and the bit reader. Returns whether
    /// a restart marker was found (when lenient, a missing one leaves the reader at the next marker).
    /// </summary>
    private bool Restart(ref JpegBitReader br, ref int nextRst, JpegComponent[] comps, int start)
    {
        CheckOverrun(ref br, start);
        int p = br.Position;
        while (p + 1 < _data.Length && !(_data[p] == 0xFF && _data[p + 1] != 0 && _data[p + 1] != 0xFF)) p++;
        int code = p + 1 < _data.Length ? _data[p + 1] : -1;
        br.Reset();
        if (code >= 0xD0 && code <= 0xD7)
        {
            if (_strict && code != 0xD0 + nextRst)
                throw Error("SOS", start, $"expected RST{nextRst} marker at offset {p}, found RST{code - 0xD0}");
            nextRst = (code - 0xD0 + 1) & 7;
            br.Position = p + 2;
            ResetPredictors(comps);
            return true;
        }
        else
        {
            if (_strict) throw Error("SOS", start, $"expected RST{nextRst} marker at offset {p}, found {(code < 0 ? "end of data" : MarkerName(code))}");
            br.Position = p;
            br.AtMarker = true; // no restart marker: the rest of the scan decodes from zero padding
        }
        ResetPredictors(comps);
        return false;
    }

    private void ResetPredictors(JpegComponent[] comps)
    {
        foreach (var c in comps) c.DcPred = 0;
        _eobRun = 0;
    }

    private void DecodeBlock(ref JpegBitReader br, JpegComponent c, int bx, int by, ScanKind kind, int ss, int se, int al,
        scoped Span<short> block, int start, bool skip)
    {
        if (skip)
        {
            if (kind == ScanKind.Baseline) FillDc(c.Plane.AsSpan(by * c.BlockSize * c.Stride + bx * c.BlockSize), c.Stride, c.BlockSize, 0);
            return;
        }
        if (kind == ScanKind.Baseline)
        {
            bool acs = DecodeBaseline(ref br, c, block, start);
            int s = c.BlockSize;
            var dst = c.Plane.AsSpan(by * s * c.Stride + bx * s);
            var q = _quant[c.Tq];
            if (acs) JpegIdct.Transform(s, block, q, dst, c.Stride);
            else FillDc(dst, c.Stride, s, block[0] * q[0]);
            block.Clear();
            return;
        }
        var coefs = c.Coefs.AsSpan((by * c.BlocksPerLine + bx) * 64, 64);
        switch (kind)
        {
            case ScanKind.DcFirst:
                {
                    br.Ensure32();
                    int t = Symbol(ref br, _dcTables[c.DcTable]!, start);
                    c.DcPred += br.Receive(t);
                    coefs[0] = (short)(c.DcPred << al);
                    break;
                }
            case ScanKind.DcRefine:
                if (br.Bit() != 0) coefs[0] |= (short)(1 << al);
                break;
            case ScanKind.AcFirst: DecodeAcFirst(ref br, _acTables[c.AcTable]!, coefs, ss, se, al, start); break;
            default: DecodeAcRefine(ref br, _acTables[c.AcTable]!, coefs, ss, se, al, start); break;
        }
    }

    /// <summary>A block whose only nonzero coefficient is DC is flat: (DC * q + 4) / 8 for every IDCT size.</summary>
    private static void FillDc(Span<byte> dst, int stride, int size, int dcq)
    {
        int v = ((dcq + 4) >> 3) + 128;
        byte b = (byte)Math.Clamp(v, 0, 255);
        for (int r = 0; r < size; r++) dst.Slice(r * stride, size).Fill(b);
    }

    private readonly int Symbol(ref JpegBitReader br, JpegHuffmanTable t, int start)
    {
        int s = br.DecodeFast(t);
        if (s >= 0) return s;
        if (_strict) throw Error("SOS", start, "Huffman code not found");
        return 0;
    }

    /// <summary>Decodes one sequential block into <paramref name="block"/>; returns whether any AC coefficient is set.</summary>
    private readonly bool DecodeBaseline(ref JpegBitReader br, JpegComponent c, scoped Span<short> block, int start)
    {
        var dc = _dcTables[c.DcTable]!;
        var ac = _acTables[c.AcTable]!;
        var zz = JpegTables.ZigZag;
        br.Ensure32();
        int t = Symbol(ref br, dc, start);
        c.DcPred += br.Receive(t);
        block[0] = (short)c.DcPred;
        bool any = false;
        for (int k = 1; k < 64;)
        {
            br.Ensure32();
            int rs = Symbol(ref br, ac, start);
            int r = rs >> 4, s = rs & 15;
            if (s != 0)
            {
                k += r;
                block[zz[k]] = (short)br.Receive(s);
                any = true;
                k++;
            }
            else if (r == 15) k += 16;
            else break;
        }
        return any;
    }

    private void DecodeAcFirst(ref JpegBitReader br, JpegHuffmanTable ac, Span<short> coefs, int ss, int se, int al, int start)
    {
        if (_eobRun > 0)
        {
            _eobRun--;
            return;
        }
        var zz = JpegTables.ZigZag;
        for (int k = ss; k <= se; k++)
        {
            br.Ensure32();
            int rs = Symbol(ref br, ac, start);
            int r = rs >> 4, s = rs & 15;
            if (s != 0)
            {
                k += r;
                coefs[zz[k]] = (short)(br.Receive(s) * (1 << al));
            }
            else if (r < 15)
            {
                _eobRun = (1 << r) - 1 + br.Bits(r);
                break;
            }
            else k += 15;
        }
    }

    private void DecodeAcRefine(ref JpegBitReader br, JpegHuffmanTable ac, Span<short> coefs, int ss, int se, int al, int start)
    {
        int p1 = 1 << al, m1 = -1 << al;
        var zz = JpegTables.ZigZag;
        int k = ss;
        if (_eobRun == 0)
        {
            for (; k <= se; k++)
            {
                br.Ensure32();
                int rs = Symbol(ref br, ac, start);
                int r = rs >> 4, s = rs & 15;
                if (s != 0)
                {
                    if (s != 1 && _strict) throw Error("SOS", start, "bad magnitude in progressive refinement scan");
                    s = br.Bit() != 0 ? p1 : m1;
                }
                else if (r != 15)
                {
                    _eobRun = (1 << r) + br.Bits(r);
                    break;
                }
                do
                {
                    ref short coef = ref coefs[zz[k]];
                    if (coef != 0) RefineBit(ref br, ref coef, p1, m1);
                    else if (--r < 0) break;
                    k++;
                }
                while (k <= se);
                if (s != 0) coefs[zz[k]] = (short)s;
            }
        }
        if (_eobRun > 0)
        {
            for (; k <= se; k++)
            {
                ref short coef = ref coefs[zz[k]];
                if (coef != 0) RefineBit(ref br, ref coef, p1, m1);
            }
            _eobRun--;
        }
    }

    private static void RefineBit(ref JpegBitReader br, ref short coef, int p1, int m1)
    {
        if (br.Bit() != 0 && (coef & p1) == 0) coef = (short)(coef >= 0 ? coef + p1 : coef + m1);
    }
}
