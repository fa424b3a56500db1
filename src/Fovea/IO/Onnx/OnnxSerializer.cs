// Reads and writes ONNX model files at the protobuf wire level (field numbers from onnx/onnx.proto).
// Length-delimited sub-messages are bounded by their declared length; a declared length that runs past the end
// of the data is reported with the enclosing message and offset rather than trusted.
using Google.Protobuf;

namespace Fovea.IO.Onnx;

public static class OnnxSerializer
{
    /// <summary>Parses an .onnx file.</summary>
    public static OnnxModel Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        try { return Parse(bytes); }
        catch (InvalidProtocolBufferException e) { throw new InvalidDataException($"{path}: not a valid ONNX protobuf: {e.Message}", e); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    public static OnnxModel Parse(byte[] bytes)
    {
        var m = new OnnxModel();
        bool sawGraph = false;
        ForEachField(bytes, "ModelProto", (field, r) =>
        {
            switch (field)
            {
                case 1: m.IrVersion = r.Int64(); break;
                case 2: m.ProducerName = r.String(); break;
                case 3: m.ProducerVersion = r.String(); break;
                case 4: m.Domain = r.String(); break;
                case 5: m.ModelVersion = r.Int64(); break;
                case 6: m.DocString = r.String(); break;
                case 7: m.Graph = ParseGraph(r.Bytes()); sawGraph = true; break;
                case 8:
                    {
                        string domain = ""; long version = 0;
                        ForEachField(r.Bytes(), "OperatorSetIdProto", (f, rr) => { if (f == 1) domain = rr.String(); else if (f == 2) version = rr.Int64(); else rr.Skip(); });
                        m.OpsetImport.Add((domain, version));
                        break;
                    }
                case 14:
                    {
                        string k = "", v = "";
                        ForEachField(r.Bytes(), "StringStringEntryProto", (f, rr) => { if (f == 1) k = rr.String(); else if (f == 2) v = rr.String(); else rr.Skip(); });
                        m.MetadataProps.Add((k, v));
                        break;
                    }
                default: r.Skip(); break;
            }
        });
        if (!sawGraph) throw new InvalidDataException("ONNX model has no graph (field 7 of ModelProto); not an ONNX file?");
        return m;
    }

    private static OnnxGraph ParseGraph(byte[] bytes)
    {
        var g = new OnnxGraph();
        ForEachField(bytes, "GraphProto", (field, r) =>
        {
            switch (field)
            {
                case 1: g.Nodes.Add(ParseNode(r.Bytes())); break;
                case 2: g.Name = r.String(); break;
                case 5: g.Initializers.Add(ParseTensor(r.Bytes())); break;
                case 10: g.DocString = r.String(); break;
                case 11: g.Inputs.Add(ParseValueInfo(r.Bytes())); break;
                case 12: g.Outputs.Add(ParseValueInfo(r.Bytes())); break;
                case 13: g.ValueInfo.Add(ParseValueInfo(r.Bytes())); break;
                default: r.Skip(); break;
            }
        });
        return g;
    }

    private static OnnxNode ParseNode(byte[] bytes)
    {
        var n = new OnnxNode();
        ForEachField(bytes, "NodeProto", (field, r) =>
        {
            switch (field)
            {
                case 1: n.Inputs.Add(r.String()); break;
                case 2: n.Outputs.Add(r.String()); break;
                case 3: n.Name = r.String(); break;
                case 4: n.OpType = r.String(); break;
                case 5: n.Attributes.Add(ParseAttribute(r.Bytes())); break;
                case 6: n.DocString = r.String(); break;
                case 7: n.Domain = r.String(); break;
                default: r.Skip(); break;
            }
        });
        return n;
    }

    private static OnnxAttribute ParseAttribute(byte[] bytes)
    {
        var a = new OnnxAttribute();
        ForEachField(bytes, "AttributeProto", (field, r) =>
        {
            switch (field)
            {
                case 1: a.Name = r.String(); break;
                case 2: a.F = r.Float(); break;
                case 3: a.I = r.Int64(); break;
                case 4: a.S = r.Bytes(); break;
                case 5: a.T = ParseTensor(r.Bytes()); break;
                case 6: a.G = ParseGraph(r.Bytes()); break;
                case 7: r.Floats(a.Floats); break;
                case 8: r.Int64s(a.Ints); break;
                case 9: a.Strings.Add(r.Bytes()); break;
                case 10: a.Tensors.Add(ParseTensor(r.Bytes())); break;
                case 20: a.Type = (OnnxAttributeType)r.Int64(); break;
                default: r.Skip(); break;
            }
        });
        return a;
    }

    private static OnnxTensor ParseTensor(byte[] bytes)
    {
        var t = new OnnxTensor();
        ForEachField(bytes, "TensorProto", (field, r) =>
        {
            switch (field)
            {
                case 1: r.Int64s(t.Dims); break;
                case 2: t.DataType = (OnnxDataType)r.Int64(); break;
                case 4: r.Floats(t.FloatData); break;
                case 5: r.Int32s(t.Int32Data); break;
                case 7: r.Int64s(t.Int64Data); break;
                case 8: t.Name = r.String(); break;
                case 9: t.RawData = r.Bytes(); break;
                case 10: r.Doubles(t.DoubleData); break;
                case 11: r.UInt64s(t.UInt64Data); break;
                case 12: t.DocString = r.String(); break;
                case 13: t.HasExternalData = true; r.Skip(); break;
                case 14: if (r.Int64() == 1) t.HasExternalData = true; break;
                default: r.Skip(); break;
            }
        });
        return t;
    }

    private static OnnxValueInfo ParseValueInfo(byte[] bytes)
    {
        var v = new OnnxValueInfo();
        ForEachField(bytes, "ValueInfoProto", (field, r) =>
        {
            switch (field)
            {
                case 1: v.Name = r.String(); break;
                case 2:
                    ForEachField(r.Bytes(), "TypeProto", (f, tr) =>
                    {
                        if (f != 1) { tr.Skip(); return; } // only tensor types
                        ForEachField(tr.Bytes(), "TypeProto.Tensor", (f2, r2) =>
                        {
                            if (f2 == 1) v.ElemType = (OnnxDataType)r2.Int64();
                            else if (f2 == 2)
                            {
                                v.Shape = [];
                                ForEachField(r2.Bytes(), "TensorShapeProto", (f3, r3) =>
                                {
                                    if (f3 != 1) { r3.Skip(); return; }
                                    long? value = null; string? param = null;
                                    ForEachField(r3.Bytes(), "Dimension", (f4, r4) =>
                                    {
                                        if (f4 == 1) value = r4.Int64();
                                        else if (f4 == 2) param = r4.String();
                                        else r4.Skip();
                                    });
                                    v.Shape.Add((value, param));
                                });
                            }
                            else r2.Skip();
                        });
                    });
                    break;
                case 3: v.DocString = r.String(); break;
                default: r.Skip(); break;
            }
        });
        return v;
    }

    /// <summary>A reader positioned on one field's value.</summary>
    private sealed class FieldReader(CodedInputStream s, WireFormat.WireType wire, string message)
    {
        public long Int64() => wire == WireFormat.WireType.Varint ? s.ReadInt64() : throw Mismatch("varint");
        public float Float() => wire == WireFormat.WireType.Fixed32 ? s.ReadFloat() : throw Mismatch("fixed32");
        public string String() => wire == WireFormat.WireType.LengthDelimited ? s.ReadString() : throw Mismatch("string");
        public byte[] Bytes() => wire == WireFormat.WireType.LengthDelimited ? s.ReadBytes().ToByteArray() : throw Mismatch("bytes");
        public void Skip() => s.SkipLastField();

        public void Floats(List<float> into) => Packed(into, WireFormat.WireType.Fixed32, () => s.ReadFloat());
        public void Doubles(List<double> into) => Packed(into, WireFormat.WireType.Fixed64, () => s.ReadDouble());
        public void Int64s(List<long> into) => Packed(into, WireFormat.WireType.Varint, () => s.ReadInt64());
        public void Int32s(List<int> into) => Packed(into, WireFormat.WireType.Varint, () => s.ReadInt32());
        public void UInt64s(List<ulong> into) => Packed(into, WireFormat.WireType.Varint, () => s.ReadUInt64());

        // Repeated scalars come packed (one length-delimited blob) or one value per tag.
        private void Packed<T>(List<T> into, WireFormat.WireType single, Func<T> read)
        {
            if (wire == single) { into.Add(read()); return; }
            if (wire != WireFormat.WireType.LengthDelimited) throw Mismatch("repeated " + typeof(T).Name);
            var inner = new CodedInputStream(s.ReadBytes().ToByteArray());
            while (!inner.IsAtEnd) into.Add(single switch
            {
                WireFormat.WireType.Fixed32 => (T)(object)inner.ReadFloat(),
                WireFormat.WireType.Fixed64 => (T)(object)inner.ReadDouble(),
                _ => typeof(T) == typeof(int) ? (T)(object)inner.ReadInt32() : typeof(T) == typeof(ulong) ? (T)(object)inner.ReadUInt64() : (T)(object)inner.ReadInt64(),
            });
        }

        private InvalidDataException Mismatch(string expected) =>
            new($"{message}: field has wire type {wire}, expected {expected}.");
    }

    private static void ForEachField(byte[] bytes, string message, Action<int, FieldReader> onField)
    {
        var s = new CodedInputStream(bytes);
        try
        {
            uint tag;
            while ((tag = s.ReadTag()) != 0)
                onField(WireFormat.GetTagFieldNumber(tag), new FieldReader(s, WireFormat.GetTagWireType(tag), message));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{message} at byte {s.Position} of {bytes.Length}: {e.Message}", e);
        }
    }

    // ------------------------------------------------------------------ writing

    /// <summary>Writes an .onnx file atomically.</summary>
    public static void Save(string path, OnnxModel model)
    {
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, Serialize(model));
        File.Move(tmp, path, overwrite: true);
    }

    public static byte[] Serialize(OnnxModel m) => Message(w =>
    {
        w.Int64(1, m.IrVersion);
        w.String(2, m.ProducerName);
        w.String(3, m.ProducerVersion);
        w.String(4, m.Domain);
        w.Int64(5, m.ModelVersion);
        w.String(6, m.DocString);
        w.Message(7, WriteGraph(m.Graph));
        foreach (var (d, v) in m.OpsetImport) w.Message(8, Message(o => { o.String(1, d); o.Int64(2, v, always: true); }));
        foreach (var (k, v) in m.MetadataProps) w.Message(14, Message(o => { o.String(1, k); o.String(2, v); }));
    });

    private static byte[] WriteGraph(OnnxGraph g) => Message(w =>
    {
        foreach (var n in g.Nodes) w.Message(1, WriteNode(n));
        w.String(2, g.Name);
        foreach (var t in g.Initializers) w.Message(5, WriteTensor(t));
        w.String(10, g.DocString);
        foreach (var v in g.Inputs) w.Message(11, WriteValueInfo(v));
        foreach (var v in g.Outputs) w.Message(12, WriteValueInfo(v));
        foreach (var v in g.ValueInfo) w.Message(13, WriteValueInfo(v));
    });

    private static byte[] WriteNode(OnnxNode n) => Message(w =>
    {
        foreach (var i in n.Inputs) w.String(1, i, always: true);
        foreach (var o in n.Outputs) w.String(2, o, always: true);
        w.String(3, n.Name);
        w.String(4, n.OpType);
        foreach (var a in n.Attributes) w.Message(5, WriteAttribute(a));
        w.String(6, n.DocString);
        w.String(7, n.Domain);
    });

    private static byte[] WriteAttribute(OnnxAttribute a) => Message(w =>
    {
        w.String(1, a.Name);
        if (a.F is float f) w.Float(2, f);
        if (a.I is long i) w.Int64(3, i, always: true);
        if (a.Type == OnnxAttributeType.String) w.Bytes(4, a.S);
        if (a.T != null) w.Message(5, WriteTensor(a.T));
        if (a.G != null) w.Message(6, WriteGraph(a.G));
        if (a.Floats.Count > 0) w.PackedFloats(7, a.Floats);
        if (a.Ints.Count > 0) w.PackedInt64s(8, a.Ints);
        foreach (var s in a.Strings) w.Bytes(9, s);
        foreach (var t in a.Tensors) w.Message(10, WriteTensor(t));
        w.Int64(20, (long)a.Type);
    });

    private static byte[] WriteTensor(OnnxTensor t) => Message(w =>
    {
        if (t.Dims.Count > 0) w.PackedInt64s(1, t.Dims);
        w.Int64(2, (long)t.DataType);
        if (t.FloatData.Count > 0) w.PackedFloats(4, t.FloatData);
        if (t.Int64Data.Count > 0) w.PackedInt64s(7, t.Int64Data);
        w.String(8, t.Name);
        if (t.RawData.Length > 0) w.Bytes(9, t.RawData);
    });

    private static byte[] WriteValueInfo(OnnxValueInfo v) => Message(w =>
    {
        w.String(1, v.Name);
        w.Message(2, Message(tp => tp.Message(1, Message(tt =>
        {
            tt.Int64(1, (long)v.ElemType);
            if (v.Shape != null)
                tt.Message(2, Message(sh =>
                {
                    foreach (var (value, param) in v.Shape)
                        sh.Message(1, Message(d => { if (value is long x) d.Int64(1, x, always: true); if (param != null) d.String(2, param); }));
                }));
        }))));
    });

    private sealed class Writer(CodedOutputStream s)
    {
        public void Int64(int field, long v, bool always = false)
        {
            if (v == 0 && !always) return;
            s.WriteTag(field, WireFormat.WireType.Varint);
            s.WriteInt64(v);
        }

        public void Float(int field, float v)
        {
            s.WriteTag(field, WireFormat.WireType.Fixed32);
            s.WriteFloat(v);
        }

        public void String(int field, string v, bool always = false)
        {
            if (v.Length == 0 && !always) return;
            s.WriteTag(field, WireFormat.WireType.LengthDelimited);
            s.WriteString(v);
        }

        public void Bytes(int field, byte[] v)
        {
            s.WriteTag(field, WireFormat.WireType.LengthDelimited);
            s.WriteBytes(ByteString.CopyFrom(v));
        }

        /// <summary>A sub-message; written even when empty, since presence can matter (e.g. a shape of rank 0).</summary>
        public void Message(int field, byte[] v)
        {
            s.WriteTag(field, WireFormat.WireType.LengthDelimited);
            s.WriteBytes(ByteString.CopyFrom(v));
        }

        public void PackedFloats(int field, List<float> v) => Bytes(field, OnnxSerializer.Message(w => { foreach (var x in v) w.RawFloat(x); }));
        public void PackedInt64s(int field, List<long> v) => Bytes(field, OnnxSerializer.Message(w => { foreach (var x in v) w.RawInt64(x); }));
        private void RawFloat(float x) => s.WriteFloat(x);
        private void RawInt64(long x) => s.WriteInt64(x);
    }

    private static byte[] Message(Action<Writer> write)
    {
        using var ms = new MemoryStream();
        using (var s = new CodedOutputStream(ms, leaveOpen: true))
        {
            write(new Writer(s));
            s.Flush();
        }
        return ms.ToArray();
    }
}
