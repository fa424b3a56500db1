// The subset of ONNX's protobuf schema (onnx/onnx.proto, IR version 3-9) that models, graphs, nodes, attributes,
// tensors and value infos need, as plain classes. Reading and writing use Google.Protobuf's wire-level coded
// streams with the schema's field numbers, so no generated code is needed. Unknown fields are skipped.
namespace Fovea.IO.Onnx;

/// <summary>ONNX TensorProto.DataType codes.</summary>
public enum OnnxDataType
{
    Undefined = 0, Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6, Int64 = 7, String = 8, Bool = 9,
    Float16 = 10, Double = 11, UInt32 = 12, UInt64 = 13, Complex64 = 14, Complex128 = 15, BFloat16 = 16,
}

/// <summary>ONNX AttributeProto.AttributeType codes.</summary>
public enum OnnxAttributeType { Undefined = 0, Float = 1, Int = 2, String = 3, Tensor = 4, Graph = 5, Floats = 6, Ints = 7, Strings = 8, Tensors = 9, Graphs = 10 }

public sealed class OnnxModel
{
    public long IrVersion { get; set; } = 8;
    public string ProducerName { get; set; } = "";
    public string ProducerVersion { get; set; } = "";
    public string Domain { get; set; } = "";
    public long ModelVersion { get; set; }
    public string DocString { get; set; } = "";
    /// <summary>Operator set versions by domain ("" is the default ai.onnx domain).</summary>
    public List<(string Domain, long Version)> OpsetImport { get; } = [];
    public OnnxGraph Graph { get; set; } = new();
    public List<(string Key, string Value)> MetadataProps { get; } = [];

    /// <summary>The opset version of the default domain.</summary>
    public long DefaultOpset => OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(1).Max();
}

public sealed class OnnxGraph
{
    public string Name { get; set; } = "";
    public List<OnnxNode> Nodes { get; } = [];
    public List<OnnxTensor> Initializers { get; } = [];
    public List<OnnxValueInfo> Inputs { get; } = [];
    public List<OnnxValueInfo> Outputs { get; } = [];
    public List<OnnxValueInfo> ValueInfo { get; } = [];
    public string DocString { get; set; } = "";
}

public sealed class OnnxNode
{
    public List<string> Inputs { get; } = [];
    public List<string> Outputs { get; } = [];
    public string Name { get; set; } = "";
    public string OpType { get; set; } = "";
    public string Domain { get; set; } = "";
    public List<OnnxAttribute> Attributes { get; } = [];
    public string DocString { get; set; } = "";

    public OnnxAttribute? Attribute(string name) => Attributes.FirstOrDefault(a => a.Name == name);
    public long Int(string name, long fallback) => Attribute(name)?.I ?? fallback;
    public float Float(string name, float fallback) => Attribute(name)?.F ?? fallback;
    public long[] Ints(string name, long[] fallback) => Attribute(name)?.Ints.ToArray() ?? fallback;
    public string String(string name, string fallback) => Attribute(name) is { } a ? System.Text.Encoding.UTF8.GetString(a.S) : fallback;

    public override string ToString() => $"{OpType} node '{Name}' ({string.Join(", ", Inputs)} -> {string.Join(", ", Outputs)})";
}

public sealed class OnnxAttribute
{
    public string Name { get; set; } = "";
    public OnnxAttributeType Type { get; set; }
    public float? F { get; set; }
    public long? I { get; set; }
    public byte[] S { get; set; } = [];
    public OnnxTensor? T { get; set; }
    public OnnxGraph? G { get; set; }
    public List<float> Floats { get; } = [];
    public List<long> Ints { get; } = [];
    public List<byte[]> Strings { get; } = [];
    public List<OnnxTensor> Tensors { get; } = [];
}

/// <summary>A tensor's element type and (possibly symbolic) shape.</summary>
public sealed class OnnxValueInfo
{
    public string Name { get; set; } = "";
    public OnnxDataType ElemType { get; set; }
    /// <summary>Each dimension is a fixed size or a symbolic name (e.g. "batch"); null when the rank is unknown.</summary>
    public List<(long? Value, string? Param)>? Shape { get; set; }
    public string DocString { get; set; } = "";
}

public sealed class OnnxTensor
{
    public string Name { get; set; } = "";
    public OnnxDataType DataType { get; set; }
    public List<long> Dims { get; } = [];
    public byte[] RawData { get; set; } = [];
    public List<float> FloatData { get; } = [];
    public List<int> Int32Data { get; } = [];
    public List<long> Int64Data { get; } = [];
    public List<double> DoubleData { get; } = [];
    public List<ulong> UInt64Data { get; } = [];
    public bool HasExternalData { get; set; }
    public string DocString { get; set; } = "";
}
