// Partial convolution (Liu et al., "Image Inpainting for Irregular Holes Using Partial Convolutions", 2018) for
// images with missing regions: the convolution sees only valid pixels and is rescaled by the fraction of its window
// that was valid; the mask is updated so a pixel becomes valid once any valid pixel fell in its window.
namespace Fovea.NN;

/// <summary>
/// y = W^T (x * m) * (window size / valid count) + b where the window held a valid pixel, 0 elsewhere; the new mask
/// is 1 where the window held a valid pixel. Masks are (N, 1, H, W) (shared by all channels) or (N, C, H, W); 1 = valid.
/// </summary>
public sealed class PartialConv2d : Module
{
    private readonly Conv2d _conv;

    public PartialConv2d(int inChannels, int outChannels, Size2 kernelSize, Size2? stride = null, Padding2d? padding = null, Size2? dilation = null,
        bool bias = true, DType dtype = DType.Float32)
    {
        _conv = RegisterModule("conv", new Conv2d(inChannels, outChannels, kernelSize, stride, padding, dilation, bias: bias, dtype: dtype));
    }

    public Conv2d Conv => _conv;

    /// <summary>Treats every pixel as valid (a plain convolution).</summary>
    public override Tensor Forward(Tensor input) => Forward(input, Tensor.OnesLike(input)).Output;

    /// <summary>The partial convolution of <paramref name="input"/> under <paramref name="mask"/>, and the updated mask (N, 1, OH, OW).</summary>
    public (Tensor Output, Tensor Mask) Forward(Tensor input, Tensor mask)
    {
        if (mask.Rank != 4 || mask.Size(0) != input.Size(0) || mask.Size(2) != input.Size(2) || mask.Size(3) != input.Size(3) || (mask.Size(1) != 1 && mask.Size(1) != input.Size(1)))
            throw new ArgumentException($"PartialConv2d: mask must be (N, 1, H, W) or (N, C, H, W) matching input {input.Shape}, got {mask.Shape}.");
        var m = mask.To(input.DType).Detach();
        Tensor validCount, newMask;
        using (Autograd.GradMode.NoGrad())
        {
            // Valid pixels per window, summed over the mask's channels (a ones kernel).
            using var ones = Tensor.Ones([1, mask.Size(1), _conv.KernelSize.H, _conv.KernelSize.W], input.DType);
            validCount = Tensor.Conv2d(m, ones, null, _conv.Stride, _conv.Padding, _conv.Dilation);
            newMask = validCount.Gt(0).To(input.DType);
        }
        using (validCount)
        {
            // Mask values per window: kh * kw for a shared mask, C * kh * kw for a per-channel one.
            double windowSize = (double)mask.Size(1) * _conv.KernelSize.H * _conv.KernelSize.W;
            // Intermediates that autograd saves are left to the enclosing TensorScope.
            Tensor ratio;
            using (Autograd.GradMode.NoGrad()) ratio = validCount.Clamp(min: 1).Reciprocal() * windowSize * newMask;
            var y = Tensor.Conv2d(input * m, _conv.Weight, null, _conv.Stride, _conv.Padding, _conv.Dilation) * ratio;
            if (_conv.Bias != null) y = (y + _conv.Bias.Reshape(1, -1, 1, 1)) * newMask;
            return (y, newMask);
        }
    }
}
