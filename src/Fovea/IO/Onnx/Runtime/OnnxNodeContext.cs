// What an operator implementation sees of one ONNX node while it runs: its attributes, its input tensors
// (null for an omitted optional input), the model's opset, and helpers that read small int64/float tensors
// (shapes, axes, scales) into arrays with the checks ONNX's rules need.
namespace Fovea.IO.Onnx;

internal sealed class OnnxNodeContext(OnnxNode node, Tensor?[] inputs, long opset)
{
    public OnnxNode Node { get; } = node;
    public long Opset { get; } = opset;
    public int InputCount => inputs.Length;
    public int OutputCount => Node.Outputs.Count;

    /// <summary>Input <paramref name="i"/>, which must be present.</summary>
    public Tensor In(int i) => Opt(i) ?? throw Invalid($"required input {i} is missing");

    /// <summary>Input <paramref name="i"/>, or null when omitted (absent or named "").</summary>
    public Tensor? Opt(int i) => i < inputs.Length ? inputs[i] : null;

    /// <summary>Optional input <paramref name="i"/>, treating an empty tensor as omitted (exporters use both forms).</summary>
    public Tensor? OptNonEmpty(int i) => Opt(i) is { NumElements: > 0 } t ? t : null;

    /// <summary>True when output <paramref name="i"/> exists and is consumed under a name.</summary>
    public bool Wants(int i) => i < Node.Outputs.Count && Node.Outputs[i].Length > 0;

    public long Int(string name, long fallback) => Node.Int(name, fallback);
    public float Float(string name, float fallback) => Node.Float(name, fallback);
    public string String(string name, string fallback) => Node.String(name, fallback);
    public bool Has(string name) => Node.Attribute(name) != null;

    /// <summary>An int-list attribute as ints (each checked to fit).</summary>
    public int[] Ints(string name, int[] fallback) => Node.Attribute(name) is { } a ? a.Ints.Select(v => ToInt(v, name)).ToArray() : fallback;

    /// <summary>The values of an integer tensor (shape, axes, pads ...).</summary>
    public static long[] Longs(Tensor t)
    {
        if (!DTypes.IsInteger(t.DType) && t.DType != DType.Bool)
            throw new InvalidDataException($"expected an integer tensor, got {DTypes.Name(t.DType)} of shape {t.Shape}.");
        if (t.DType == DType.Int64) return t.ToArray<long>();
        using var l = t.To(DType.Int64);
        return l.ToArray<long>();
    }

    /// <summary>The values of an integer tensor as ints.</summary>
    public int[] IntsOf(Tensor t, string what) => Longs(t).Select(v => ToInt(v, what)).ToArray();

    /// <summary>The values of any numeric tensor as doubles.</summary>
    public static double[] Doubles(Tensor t)
    {
        if (t.DType == DType.Float64) return t.ToArray<double>();
        using var d = t.To(DType.Float64);
        return d.ToArray<double>();
    }

    /// <summary>The single value of a one-element tensor.</summary>
    public double Scalar(Tensor t, string what) =>
        t.NumElements == 1 ? t.ToDouble() : throw Invalid($"{what} must have one element, got shape {t.Shape}");

    /// <summary>An axis in [-rank, rank) made non-negative.</summary>
    public int Axis(long axis, int rank, string what = "axis")
    {
        if (axis < -rank || axis >= Math.Max(rank, 1)) throw Invalid($"{what} {axis} is out of range for rank {rank}");
        return (int)(axis < 0 ? axis + rank : axis);
    }

    public int ToInt(long v, string what) =>
        v is >= int.MinValue and <= int.MaxValue ? (int)v : throw Invalid($"{what} value {v} does not fit in 32 bits");

    public InvalidDataException Invalid(string message) => new($"{Node.OpType} node '{Node.Name}' (opset {Opset}): {message}.");
}
