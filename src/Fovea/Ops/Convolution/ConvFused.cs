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
        CheckFusedResidual(residual, shape);
        using var xc = input.Contiguous();
        using var wc = weight.Contiguous();
        using var bc = bias?.Contiguous();
        using var rc = residual?.Contiguous();
        var output = Empty(shape, DType.Float32);
        ConvolutionKernels.For(input.Device).ForwardFused(xc, wc, pack, bc, rc, output, g, min, max);
        return output;
    }

    // A residual added in a fused op's output: float32 of the output's shape.
    private static void CheckFusedResidual(Tensor? residual, Shape shape)
    {
        if (residual != null && (residual.Shape != shape || residual.DType != DType.Float32))
            throw new ArgumentException($"Conv2d: the fused residual must be float32 of the output's shape {shape}, got {DTypes.Name(residual.DType)} {residual.Shape}.");
    }

    /// <summary>
    /// An inverted residual block in one op: the 1x1 <paramref name="expand"/> (or none), the depthwise convolution, the
    /// 1x1 <paramref name="project"/> plus <paramref name="residual"/> (the output's shape, or null), each stage clamped
    /// as its own fused convolution would be. The CPU makes the inner tensors a strip of rows at a time, in cache, and
    /// never writes them out. Under autograd, or for float64, it runs the stages as separate fused convolutions.
    /// </summary>
    internal static Tensor Conv2dInvertedResidualFused(Tensor input, FusedConv? expand, FusedConv depthwise, FusedConv project, Tensor? residual)
    {
        bool needsGraph = Graph.Needs(input) || (residual != null && Graph.Needs(residual))
            || new[] { expand, depthwise, project }.Any(c => c is { } s && (Graph.Needs(s.Weight) || (s.Bias != null && Graph.Needs(s.Bias))));
        if (needsGraph || input.DType != DType.Float32)
        {
            var h = expand is { } e ? e.Apply(input, null) : input;
            return project.Apply(depthwise.Apply(h, null), residual);
        }
        var shape = input.Shape;
        var temporaries = new List<Tensor>();
        FusedStage Stage(FusedConv c, string role)
        {
            var g = Conv2dGeometry(shape, DType.Float32, c.Weight, c.Bias, c.Stride, c.Padding, c.Dilation, c.Groups, "Conv2d");
            bool ok = role == "depthwise" ? g.Groups == g.C && g.O == g.C : g.IsPointwise && g.Groups == 1;
            if (!ok) throw new ArgumentException($"Conv2d: the fused block's {role} layer must be {(role == "depthwise" ? "depthwise (one group per channel)" : "a 1x1 convolution")}, got weight {c.Weight.Shape} with {c.Groups} groups.");
            shape = new Shape([g.N, g.O, g.OH, g.OW]);
            var w = c.Weight.Contiguous();
            var b = c.Bias?.Contiguous();
            temporaries.Add(w);
            if (b != null) temporaries.Add(b);
            return new FusedStage(w, b, c.Pack, g, c.Min, c.Max);
        }
        try
        {
            FusedStage? e1 = expand is { } ex ? Stage(ex, "expansion") : null;
            var d = Stage(depthwise, "depthwise");
            var p = Stage(project, "projection");
            CheckFusedResidual(residual, shape);
            using var xc = input.Contiguous();
            using var rc = residual?.Contiguous();
            var output = Empty(shape, DType.Float32);
            ConvolutionKernels.For(input.Device).ForwardInvertedResidual(xc, e1, d, p, rc, output);
            return output;
        }
        finally
        {
            foreach (var t in temporaries) t.Dispose();
        }
    }
}

/// <summary>A convolution prepared for inference (Conv2d after Inference.Optimize): its parameters, fused clamp and packs.</summary>
internal readonly record struct FusedConv(Tensor Weight, Tensor? Bias, Size2 Stride, Padding2d Padding, Size2 Dilation, int Groups, float Min, float Max,
    ConvWeightPack Pack)
{
    /// <summary>clamp(conv2d(input) + bias + residual, Min, Max) as one fused op.</summary>
    public Tensor Apply(Tensor input, Tensor? residual) =>
        Tensor.Conv2dFused(input, Weight, Bias, Stride, Padding, Dilation, Groups, residual, Min, Max, Pack);
}
