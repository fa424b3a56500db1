// Regularisation layers that are active only in training: Dropout, Dropout2d (whole channels), AlphaDropout (for
// SELU networks) and DropPath (stochastic depth: a residual branch dropped per sample).
using Fovea.Random;

namespace Fovea.NN;

/// <summary>What the dropout layers share: the probability and an optional generator for reproducible masks.</summary>
public abstract class DropoutLayer : Module
{
    private protected DropoutLayer(string op, double p, Generator? generator)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), $"{op}: probability must be in [0, 1], got {p}.");
        P = p;
        Generator = generator;
    }

    public double P { get; }
    /// <summary>The masks' generator (the default generator when null).</summary>
    public Generator? Generator { get; set; }
    protected override string ExtraRepr() => $"p={P}";
}

/// <summary>Zeroes each element with probability p in training and scales the rest by 1 / (1 - p).</summary>
public sealed class Dropout(double p = 0.5, Generator? generator = null) : DropoutLayer("Dropout", p, generator)
{
    public override Tensor Forward(Tensor input) => Tensor.Dropout(input, P, Training, Generator);
}

/// <summary>Zeroes whole channels of (N, C, *) with probability p in training.</summary>
public sealed class Dropout2d(double p = 0.5, Generator? generator = null) : DropoutLayer("Dropout2d", p, generator)
{
    public override Tensor Forward(Tensor input) => Tensor.Dropout2d(input, P, Training, Generator);
}

/// <summary>Dropout that keeps the mean and variance of SELU activations.</summary>
public sealed class AlphaDropout(double p = 0.5, Generator? generator = null) : DropoutLayer("AlphaDropout", p, generator)
{
    public override Tensor Forward(Tensor input) => Tensor.AlphaDropout(input, P, Training, Generator);
}

/// <summary>
/// Stochastic depth (Huang et al. 2016): in training, zeroes the whole input of a sample with probability p and scales
/// kept samples by 1 / (1 - p). Wrap a residual branch with it: <c>x + dropPath.Call(branch.Call(x))</c>.
/// </summary>
public sealed class DropPath(double p = 0.1, Generator? generator = null) : DropoutLayer("DropPath", p, generator)
{
    public override Tensor Forward(Tensor input)
    {
        if (!Training || P == 0) return input;
        if (input.Rank == 0) throw new ArgumentException("DropPath: input must have a batch dimension, got a scalar.");
        int[] maskShape = [input.Size(0), .. Enumerable.Repeat(1, input.Rank - 1)];
        using var keep = Tensor.Full(maskShape, 1 - P, input.DType);
        using var mask = Tensor.Bernoulli(keep, Generator);
        return input * (mask / (1 - P));
    }
}
