// The inference form of conv2d + bias (+ residual) + clamp (ReLU, ReLU6): one op writing its output once, with the
// weights packed once (Kernels/ConvWeightPack.cs). Layers fused by Inference.Optimize call it; under autograd, or
// for float64, it runs the separate ops, so a fused layer still trains and differentiates like the unfused one.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// clamp(conv2d(input, weight, bias) + residual, min, max): <paramref name="residual"/> has the output's shape (or is
    /// null); min = 0, max = +inf is ReLU, (0, 6) ReLU6, infinities no clamp. <paramref name="pack"/> keeps the prepared weights.
    /// </summary>
    internal static Tensor Conv2dFused(Tensor input, Tensor weight, Tensor? bias, Size2 stride, Padding2d padding, Size2 dilation, int groups,
        Tensor? residual, float min, float max, ConvWeightPack pack)
    {
        bool needsGraph = Graph.Needs(input, weight) || (bias != null && Graph.Needs(bias)) || (residual != null && Graph.Needs(residual));
        if (needsGraph || input.DType != DType.Float32)
        {
            var y = Conv2d(input, weight, bias, stride, padding, dilation, groups);
            if (residual != null) y = y + residual;
            if (min == 0 && float.IsPositiveInfinity(max)) return y.Relu();
            if (float.IsNegativeInfinity(min) && float.IsPositiveInfinity(max)) return y;
            return y.Clamp(float.IsNegativeInfinity(min) ? null : min, float.IsPositiveInfinity(max) ? null : max);
        }
        var g = Conv2dGeometry(input, weight, bias, stride, padding, dilation, groups, "Conv2d");
        var shape = new Shape([g.N, g.O, g.OH, g.OW]);
        if (residual != null && (residual.Shape != shape || residual.DType != DType.Float32))
            throw new ArgumentException($"Conv2d: the fused residual must be float32 of the output's shape {shape}, got {DTypes.Name(residual.DType)} {residual.Shape}.");
        using var xc = input.Contiguous();
        using var wc = weight.Contiguous();
        using var bc = bias?.Contiguous();
        using var rc = residual?.Contiguous();
        var output = Empty(shape, DType.Float32);
        ConvolutionKernels.For(input.Device).ForwardFused(xc, wc, pack, bc, rc, output, g, min, max);
        return output;
    }
}
