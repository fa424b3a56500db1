// Parameter-free activation layers wrapping the tensor ops (Ops/Elementwise/Activations.cs).
namespace Fovea.NN;

public sealed class ReLU : Module { public override Tensor Forward(Tensor x) => x.Relu(); }
public sealed class ReLU6 : Module { public override Tensor Forward(Tensor x) => x.Relu6(); }
public sealed class Sigmoid : Module { public override Tensor Forward(Tensor x) => x.Sigmoid(); }
public sealed class Tanh : Module { public override Tensor Forward(Tensor x) => x.Tanh(); }
public sealed class SiLU : Module { public override Tensor Forward(Tensor x) => x.Silu(); }
public sealed class Mish : Module { public override Tensor Forward(Tensor x) => x.Mish(); }
public sealed class Hardswish : Module { public override Tensor Forward(Tensor x) => x.Hardswish(); }
public sealed class Hardsigmoid : Module { public override Tensor Forward(Tensor x) => x.Hardsigmoid(); }

public sealed class LeakyReLU(double negativeSlope = 0.01) : Module
{
    public double NegativeSlope { get; } = negativeSlope;
    public override Tensor Forward(Tensor x) => x.LeakyRelu(NegativeSlope);
    protected override string ExtraRepr() => $"negative_slope={NegativeSlope}";
}

public sealed class ELU(double alpha = 1.0) : Module
{
    public double Alpha { get; } = alpha;
    public override Tensor Forward(Tensor x) => x.Elu(Alpha);
    protected override string ExtraRepr() => $"alpha={Alpha}";
}

public sealed class GELU(bool approximateTanh = false) : Module
{
    public bool ApproximateTanh { get; } = approximateTanh;
    public override Tensor Forward(Tensor x) => x.Gelu(ApproximateTanh);
    protected override string ExtraRepr() => ApproximateTanh ? "approximate='tanh'" : "";
}

public sealed class Softplus(double beta = 1, double threshold = 20) : Module
{
    public override Tensor Forward(Tensor x) => x.Softplus(beta, threshold);
}

/// <summary>Passes its input through unchanged (a placeholder for a removed layer, e.g. a replaced head).</summary>
public sealed class Identity : Module { public override Tensor Forward(Tensor x) => x; }

/// <summary>Flattens dims startDim..endDim (default: all but the batch dim).</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module
{
    public int StartDim { get; } = startDim;
    public int EndDim { get; } = endDim;
    public override Tensor Forward(Tensor x) => x.Flatten(StartDim, EndDim);
    protected override string ExtraRepr() => $"start_dim={StartDim}, end_dim={EndDim}";
}

/// <summary>Softmax over <c>dim</c>.</summary>
public sealed class Softmax(int dim = -1) : Module
{
    public int Dim { get; } = dim;
    public override Tensor Forward(Tensor x) => x.Softmax(Dim);
    protected override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>Log-softmax over <c>dim</c>.</summary>
public sealed class LogSoftmax(int dim = -1) : Module
{
    public int Dim { get; } = dim;
    public override Tensor Forward(Tensor x) => x.LogSoftmax(Dim);
    protected override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>Leaky ReLU with a learned slope: one shared (numParameters = 1) or one per channel (dim 1).</summary>
public sealed class PReLU : Module
{
    public PReLU(int numParameters = 1, double init = 0.25, DType dtype = DType.Float32)
    {
        if (numParameters < 1) throw new ArgumentOutOfRangeException(nameof(numParameters), $"PReLU: numParameters must be >= 1, got {numParameters}.");
        RegisterParameter("weight", Tensor.Full([numParameters], init, dtype));
    }

    public Tensor Weight => Param("weight")!;

    public override Tensor Forward(Tensor x)
    {
        int n = Weight.Size(0);
        if (n != 1 && (x.Rank < 2 || x.Size(1) != n))
            throw new ArgumentException($"PReLU({n}): input must have {n} channels in dim 1, got shape {x.Shape}.");
        var w = n == 1 || x.Rank == 2 ? Weight : Weight.Reshape([n, .. Enumerable.Repeat(1, x.Rank - 2)]);
        return Tensor.Where(x.Gt(0), x, x * w);
    }

    protected override string ExtraRepr() => $"num_parameters={Weight.Size(0)}";
}
