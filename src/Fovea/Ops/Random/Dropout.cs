// Dropout variants as functional ops. Each draws a keep-mask from the generator and multiplies by it, so the
// backward pass (the ordinary Mul gradient) reuses exactly the same mask.
using Fovea.Random;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// Zeroes each element with probability <paramref name="p"/> and scales the rest by 1/(1-p) when
    /// <paramref name="training"/>; returns the input unchanged otherwise.
    /// </summary>
    public static Tensor Dropout(Tensor x, double p = 0.5, bool training = true, Generator? generator = null) =>
        DropoutWithMaskShape(x, p, training, generator, x.ShapeArray, "Dropout");

    /// <summary>
    /// Channel dropout for (N, C, ...) inputs: zeroes whole channels x[n, c] with probability
    /// <paramref name="p"/>, scaling the kept ones by 1/(1-p) (torch.nn.functional.dropout2d).
    /// </summary>
    public static Tensor Dropout2d(Tensor x, double p = 0.5, bool training = true, Generator? generator = null)
    {
        x.ThrowIfDisposed();
        if (x.Rank < 2) throw new ArgumentException($"Dropout2d: expected an input of shape (N, C, ...), got {x.Shape}.", nameof(x));
        var maskShape = x.ShapeArray.Select((s, i) => i < 2 ? s : 1).ToArray();
        return DropoutWithMaskShape(x, p, training, generator, maskShape, "Dropout2d");
    }

    /// <summary>
    /// Alpha dropout for SELU networks: dropped elements are set to SELU's negative saturation value and an
    /// affine correction keeps the mean and variance of a standard normal input (torch.nn.functional.alpha_dropout).
    /// </summary>
    public static Tensor AlphaDropout(Tensor x, double p = 0.5, bool training = true, Generator? generator = null)
    {
        x.ThrowIfDisposed();
        CheckDropoutP(p, "AlphaDropout");
        if (!training || p == 0) return x.Alias();
        if (p == 1) return x * 0;
        const double alpha = 1.7580993408473766; // -SELU's saturation value
        double a = 1 / Math.Sqrt((alpha * alpha * p + 1) * (1 - p));
        // y = a * (keep ? x : -alpha) + alpha * a * p = x * (a * keep) + shift
        Tensor scale, shift;
        using (var keep = KeepMask(x.ShapeArray, 1 - p, x.DType, generator))
        {
            scale = keep * a;
            using var dropped = keep - 1;
            using var negative = dropped * (alpha * a);
            shift = negative + alpha * a * p;
        }
        var scaled = x * scale;
        var y = scaled + shift;
        if (y.GradFn == null) { scale.Dispose(); shift.Dispose(); scaled.Dispose(); } // else the graph keeps them
        return y;
    }

    private static Tensor DropoutWithMaskShape(Tensor x, double p, bool training, Generator? generator, int[] maskShape, string op)
    {
        x.ThrowIfDisposed();
        CheckDropoutP(p, op);
        if (!DTypes.IsFloatingPoint(x.DType)) throw new ArgumentException($"{op}: expected a floating-point input, got {DTypes.Name(x.DType)}.", nameof(x));
        if (!training || p == 0) return x.Alias();
        var mask = KeepMask(maskShape, 1 - p, x.DType, generator);
        if (p < 1) mask.MulInPlace(1 / (1 - p));
        var y = x * mask;
        if (y.GradFn == null) mask.Dispose(); // otherwise the Mul node keeps it for backward
        return y;
    }

    // 0/1 mask of the given shape with P(1) = keep.
    private static Tensor KeepMask(int[] shape, double keep, DType dtype, Generator? generator)
    {
        var mask = Empty(new Shape(shape), dtype);
        return mask.BernoulliInPlace(keep, generator);
    }

    private static void CheckDropoutP(double p, string op)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"{op}: p must lie in [0, 1], got {p}.");
    }
}
