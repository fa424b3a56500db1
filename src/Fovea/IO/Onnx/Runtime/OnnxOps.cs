// The ONNX operators OnnxModule can run, each written with Fovea tensor ops so autograd flows through imported
// graphs. This file holds the table and the element-wise, matrix and activation operators; convolution and
// pooling, shape manipulation, resizing and reductions are in the other OnnxOps.*.cs files.
namespace Fovea.IO.Onnx;

internal static partial class OnnxOps
{
    private static readonly Dictionary<string, Func<OnnxNodeContext, Tensor[]>> Table = Build();

    /// <summary>The operator types (default domain) that can run.</summary>
    public static IEnumerable<string> Supported => Table.Keys;

    public static bool Supports(string opType) => Table.ContainsKey(opType);

    /// <summary>Runs one node; returns one tensor per node output (null where an optional output is not produced).</summary>
    public static Tensor?[] Run(OnnxNodeContext c) => Table[c.Node.OpType](c);

    private static Dictionary<string, Func<OnnxNodeContext, Tensor[]>> Build()
    {
        var t = new Dictionary<string, Func<OnnxNodeContext, Tensor[]>>();
        AddElementwise(t);
        AddConvolution(t);
        AddShape(t);
        AddResize(t);
        AddReductions(t);
        return t;
    }

    private static Tensor[] One(Tensor t) => [t];

    private static void AddElementwise(Dictionary<string, Func<OnnxNodeContext, Tensor[]>> t)
    {
        Unary(t, "Relu", x => x.Relu());
        Unary(t, "Sigmoid", x => x.Sigmoid());
        Unary(t, "Tanh", x => x.Tanh());
        Unary(t, "Erf", x => x.Erf());
        Unary(t, "Exp", x => x.Exp());
        Unary(t, "Log", x => x.Log());
        Unary(t, "Abs", x => x.Abs());
        Unary(t, "Neg", x => x.Neg());
        Unary(t, "Sqrt", x => x.Sqrt());
        Unary(t, "Reciprocal", x => x.Reciprocal());
        Unary(t, "Floor", x => x.Floor());
        Unary(t, "Ceil", x => x.Ceil());
        Unary(t, "Round", x => x.Round());
        Unary(t, "Sin", x => x.Sin());
        Unary(t, "Cos", x => x.Cos());
        Unary(t, "Sign", x => x.Sign());
        Unary(t, "Softplus", x => x.Softplus());
        Unary(t, "Softsign", x => x / (x.Abs() + 1));
        Unary(t, "Mish", x => x.Mish());
        Unary(t, "HardSwish", x => x.Hardswish());
        Unary(t, "IsNaN", x => x.IsNaN());
        Unary(t, "Not", x => x.LogicalNot());
        Unary(t, "Identity", x => x.Alias());
        t["LeakyRelu"] = c => One(c.In(0).LeakyRelu(c.Float("alpha", 0.01f)));
        t["Elu"] = c => One(c.In(0).Elu(c.Float("alpha", 1f)));
        t["Selu"] = c => One(Selu(c.In(0), c.Float("alpha", 1.67326319217681884765625f), c.Float("gamma", 1.05070102214813232421875f)));
        t["Celu"] = c => One(Celu(c.In(0), c.Float("alpha", 1f)));
        t["Gelu"] = c => One(c.In(0).Gelu(approximateTanh: c.String("approximate", "none") == "tanh"));
        t["HardSigmoid"] = c => One(HardSigmoid(c.In(0), c.Float("alpha", 0.2f), c.Float("beta", 0.5f)));
        t["PRelu"] = c => One(PRelu(c.In(0), c.In(1)));
        t["Clip"] = Clip;
        t["Dropout"] = Dropout;

        t["Add"] = c => One(c.In(0) + c.In(1));
        t["Sub"] = c => One(c.In(0) - c.In(1));
        t["Mul"] = c => One(c.In(0) * c.In(1));
        t["Div"] = c => One(Div(c.In(0), c.In(1)));
        t["Pow"] = c => One(Pow(c.In(0), c.In(1)));
        t["Mod"] = c => One(Mod(c.In(0), c.In(1), c.Int("fmod", 0) != 0));
        t["Equal"] = c => One(c.In(0).Eq(c.In(1)));
        t["Less"] = c => One(c.In(0).Lt(c.In(1)));
        t["LessOrEqual"] = c => One(c.In(0).Le(c.In(1)));
        t["Greater"] = c => One(c.In(0).Gt(c.In(1)));
        t["GreaterOrEqual"] = c => One(c.In(0).Ge(c.In(1)));
        t["And"] = c => One(c.In(0).LogicalAnd(c.In(1)));
        t["Or"] = c => One(c.In(0).LogicalOr(c.In(1)));
        t["Xor"] = c => One(c.In(0).LogicalXor(c.In(1)));
        t["Where"] = c => One(Tensor.Where(c.In(0), c.In(1), c.In(2)));
        t["Max"] = c => One(Fold(c, Tensor.Maximum));
        t["Min"] = c => One(Fold(c, Tensor.Minimum));
        t["Sum"] = c => One(Fold(c, Tensor.Add));
        t["Mean"] = c => One(Fold(c, Tensor.Add) / c.InputCount);
        t["Cast"] = c => One(c.In(0).To(OnnxTensors.ToDType((OnnxDataType)c.Int("to", 0), $"Cast node '{c.Node.Name}'")));
        t["CastLike"] = c => One(c.In(0).To(c.In(1).DType));

        t["MatMul"] = c => One(Tensor.MatMul(c.In(0), c.In(1)));
        t["Gemm"] = Gemm;
        t["Einsum"] = c => One(Tensor.Einsum(c.String("equation", ""), [.. Enumerable.Range(0, c.InputCount).Select(c.In)]));
        t["Softmax"] = c => One(SoftmaxLike(c, log: false));
        t["LogSoftmax"] = c => One(SoftmaxLike(c, log: true));
    }

    private static void Unary(Dictionary<string, Func<OnnxNodeContext, Tensor[]>> t, string op, Func<Tensor, Tensor> f) => t[op] = c => One(f(c.In(0)));

    private static Tensor Selu(Tensor x, double alpha, double gamma) => Tensor.Where(x.Gt(0), x * gamma, (x.Exp() - 1) * (alpha * gamma));

    private static Tensor Celu(Tensor x, double alpha) => x.Relu() + ((x / alpha).Exp() - 1).Clamp(max: 0) * alpha;

    // max(0, min(1, alpha x + beta)); Fovea's Hardsigmoid is the alpha = 1/6, beta = 1/2 case.
    private static Tensor HardSigmoid(Tensor x, double alpha, double beta) =>
        Math.Abs(alpha - 1.0 / 6) < 1e-7 && beta == 0.5 ? x.Hardsigmoid() : (x * alpha + beta).Clamp(0, 1);

    private static Tensor PRelu(Tensor x, Tensor slope)
    {
        using var positive = x.Gt(0);
        return Tensor.Where(positive, x, x * slope);
    }

    // Bounds are attributes before opset 11 and optional inputs from then on.
    private static Tensor[] Clip(OnnxNodeContext c)
    {
        double? min, max;
        if (c.Opset < 11)
        {
            min = c.Has("min") ? c.Float("min", 0) : null;
            max = c.Has("max") ? c.Float("max", 0) : null;
        }
        else
        {
            min = c.OptNonEmpty(1) is { } lo ? c.Scalar(lo, "min") : null;
            max = c.OptNonEmpty(2) is { } hi ? c.Scalar(hi, "max") : null;
        }
        return One(min == null && max == null ? c.In(0).Alias() : c.In(0).Clamp(min, max));
    }

    // Inference only unless the training_mode input (opset 12+) says otherwise; the mask output is all true then.
    private static Tensor[] Dropout(OnnxNodeContext c)
    {
        var x = c.In(0);
        bool training = c.OptNonEmpty(2) is { } mode && c.Scalar(mode, "training_mode") != 0;
        double ratio = c.OptNonEmpty(1) is { } r ? c.Scalar(r, "ratio") : c.Float("ratio", 0.5f);
        if (training && ratio > 0)
        {
            using var keep = Tensor.Full(x.ShapeArray, 1 - ratio, x.DType);
            using var draws = Tensor.Bernoulli(keep);
            var mask = draws.Ne(0);
            return [Tensor.Where(mask, x / (1 - ratio), 0.0), mask];
        }
        return c.Wants(1) ? [x.Alias(), Tensor.Full(x.ShapeArray, 1, DType.Bool)] : [x.Alias()];
    }

    // ONNX divides integers with truncation; Fovea's Div always gives a floating-point result.
    private static Tensor Div(Tensor a, Tensor b)
    {
        if (DTypes.IsFloatingPoint(a.DType) || DTypes.IsFloatingPoint(b.DType)) return a / b;
        using var fa = a.To(DType.Float64);
        using var fb = b.To(DType.Float64);
        using var q = (fa / fb).Trunc();
        return q.To(DTypes.Promote(a.DType, b.DType));
    }

    // A constant one-element exponent uses Pow(double), which has exact fast paths for 2 and 0.5.
    private static Tensor Pow(Tensor a, Tensor b)
    {
        if (b.NumElements == 1 && !b.RequiresGrad && b.Rank <= a.Rank) return a.Pow(b.ToDouble());
        return Tensor.Pow(a, b.DType == a.DType ? b : b.To(a.DType));
    }

    // fmod = 0: the result takes the divisor's sign (Python's %); fmod = 1: the dividend's (C's fmod).
    private static Tensor Mod(Tensor a, Tensor b, bool fmod)
    {
        if (!fmod) return Tensor.Remainder(a, b);
        var q = Div(a, b);
        return a - (DTypes.IsFloatingPoint(q.DType) ? q.Trunc() : q) * b;
    }

    private static Tensor Fold(OnnxNodeContext c, Func<Tensor, Tensor, Tensor> f)
    {
        var acc = c.In(0).Alias();
        for (int i = 1; i < c.InputCount; i++)
        {
            var next = f(acc, c.In(i));
            acc.Dispose();
            acc = next;
        }
        return acc;
    }

    // Y = alpha A' B' + beta C; the common transB case with a per-output bias is Fovea's Linear.
    private static Tensor[] Gemm(OnnxNodeContext c)
    {
        var a = c.In(0);
        var b = c.In(1);
        var bias = c.OptNonEmpty(2);
        double alpha = c.Float("alpha", 1), beta = c.Float("beta", 1);
        bool transB = c.Int("transB", 0) != 0;
        if (a.Rank != 2 || b.Rank != 2) throw c.Invalid($"A and B must be matrices, got shapes {a.Shape} and {b.Shape}");
        using var at = c.Int("transA", 0) != 0 ? a.T : a.Alias();
        if (transB && alpha == 1 && beta == 1 && (bias == null || bias.Shape == new Shape(b.Size(0))))
            return One(Tensor.Linear(at, b, bias));
        using var bt = transB ? b.T : b.Alias();
        var y = Tensor.MatMul(at, bt);
        if (alpha != 1) y = Replace(y, y * alpha);
        if (bias != null) y = Replace(y, beta == 1 ? y + bias : y + bias * beta);
        return One(y);
    }

    /// <summary>Disposes <paramref name="old"/> and returns <paramref name="next"/> (for chains of temporaries).</summary>
    private static Tensor Replace(Tensor old, Tensor next)
    {
        old.Dispose();
        return next;
    }

    // Opset 13+ normalizes along one axis; earlier opsets flatten to 2-d at the axis and normalize each row.
    private static Tensor SoftmaxLike(OnnxNodeContext c, bool log)
    {
        var x = c.In(0);
        int axis = c.Axis(c.Int("axis", c.Opset < 13 ? 1 : -1), x.Rank);
        if (c.Opset >= 13 || axis == x.Rank - 1) return log ? x.LogSoftmax(axis) : x.Softmax(axis);
        int rows = x.ShapeArray[..axis].Aggregate(1, (p, d) => p * d);
        using var flat = x.Reshape(rows, -1);
        using var y = log ? flat.LogSoftmax(1) : flat.Softmax(1);
        return y.Reshape(x.ShapeArray);
    }
}
