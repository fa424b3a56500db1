// The kernel interface of the convolution family (see IElementwiseKernels for the dispatch pattern).
using Fovea.Kernels.Cpu;

namespace Fovea.Kernels;

/// <summary>2-d convolution kernels on contiguous NCHW tensors; outputs are preallocated by the op.</summary>
internal interface IConvolutionKernels
{
    /// <summary>y (N, O, OH, OW) = conv(x (N, C, H, W), w (O, C/groups, KH, KW)) + bias.</summary>
    void Forward(Tensor x, Tensor w, Tensor? bias, Tensor y, ConvGeometry g);
    /// <summary>
    /// Inference: y = clamp(conv(x, w) + bias + residual, min, max) in one pass over y (residual (N, O, OH, OW) or null),
    /// float32, with the weights prepared once in <paramref name="pack"/>.
    /// </summary>
    void ForwardFused(Tensor x, Tensor w, ConvWeightPack pack, Tensor? bias, Tensor? residual, Tensor y, ConvGeometry g, float min, float max);
    /// <summary>
    /// Inference: y = an inverted residual block (1x1 expansion or none, depthwise, 1x1 projection + residual), each
    /// stage with its bias and clamp, without writing the inner tensors out (see Tensor.Conv2dInvertedResidualFused).
    /// </summary>
    void ForwardInvertedResidual(Tensor x, FusedStage? expand, FusedStage depthwise, FusedStage project, Tensor? residual, Tensor y);
    /// <summary>dx (N, C, H, W) = the input gradient for output gradient dy.</summary>
    void BackwardInput(Tensor dy, Tensor w, Tensor dx, ConvGeometry g);
    /// <summary>dw (O, C/groups, KH, KW) = the weight gradient for output gradient dy.</summary>
    void BackwardWeight(Tensor dy, Tensor x, Tensor dw, ConvGeometry g);
    /// <summary>cols (N, C*KH*KW, OH*OW) = im2col of x (N, C, H, W) (F.unfold).</summary>
    void Unfold(Tensor x, Tensor cols, ConvGeometry g);
    /// <summary>x (N, C, H, W) = col2im of cols (N, C*KH*KW, OH*OW), overlapping taps summed (F.fold).</summary>
    void Fold(Tensor cols, Tensor x, ConvGeometry g);
}

/// <summary>One convolution of a fused chain: contiguous float32 weights and bias, its packs, geometry and clamp.</summary>
internal readonly record struct FusedStage(Tensor W, Tensor? Bias, ConvWeightPack Pack, ConvGeometry G, float Min, float Max);

internal static class ConvolutionKernels
{
    public static IConvolutionKernels For(Device device) => device.Type switch
    {
        DeviceType.Cpu => CpuConvolutionKernels.Instance,
        _ => throw new NotSupportedException($"No convolution kernels for device {device}."),
    };
}
