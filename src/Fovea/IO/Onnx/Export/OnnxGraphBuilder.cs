// Accumulates an ONNX graph while the exporter walks a model: initializers under unique names, nodes with
// generated output names, and attribute constructors.
namespace Fovea.IO.Onnx;

internal sealed class OnnxGraphBuilder(int opset)
{
    private readonly HashSet<string> _names = [];

    public int Opset { get; } = opset;
    public OnnxGraph Graph { get; } = new() { Name = "fovea" };

    /// <summary>Adds <paramref name="t"/> as an initializer named <paramref name="name"/> (made unique); returns the name.</summary>
    public string Initializer(string name, Tensor t)
    {
        name = Unique(name);
        Graph.Initializers.Add(OnnxTensors.FromTensor(t, name));
        return name;
    }

    /// <summary>An int64 vector initializer (shapes, axes).</summary>
    public string Int64s(string name, params long[] values)
    {
        using var t = Tensor.FromArray(values, values.Length);
        return Initializer(name, t);
    }

    /// <summary>A scalar initializer of <paramref name="dtype"/>.</summary>
    public string Scalar(string name, double value, DType dtype)
    {
        using var t = Tensor.Scalar(value, dtype);
        return Initializer(name, t);
    }

    /// <summary>Adds a node named after <paramref name="prefix"/>; returns its single output's name.</summary>
    public string Node(string op, string prefix, string[] inputs, params OnnxAttribute[] attributes)
    {
        string name = Unique(prefix.Length == 0 ? op : $"{prefix}/{op}");
        var node = new OnnxNode { OpType = op, Name = name };
        node.Inputs.AddRange(inputs);
        node.Outputs.Add(Unique(name + "_output"));
        node.Attributes.AddRange(attributes);
        Graph.Nodes.Add(node);
        return node.Outputs[0];
    }

    private string Unique(string name)
    {
        string n = name;
        for (int k = 1; !_names.Add(n); k++) n = $"{name}_{k}";
        return n;
    }

    public static OnnxAttribute Int(string name, long v) => new() { Name = name, Type = OnnxAttributeType.Int, I = v };
    public static OnnxAttribute Float(string name, double v) => new() { Name = name, Type = OnnxAttributeType.Float, F = (float)v };

    public static OnnxAttribute Ints(string name, params long[] v)
    {
        var a = new OnnxAttribute { Name = name, Type = OnnxAttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }
}
