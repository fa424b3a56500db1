// Depthwise-separable convolution (MobileNet, Xception): a per-channel k x k convolution followed by a 1x1
// convolution that mixes channels, at a fraction of a full convolution's cost.
namespace Fovea.NN;

/// <summary>Depthwise k x k convolution (groups = in_channels) then pointwise 1x1 convolution; sub-modules "depthwise" and "pointwise".</summary>
public sealed class SeparableConv2d : Module
{
    public SeparableConv2d(int inChannels, int outChannels, Size2 kernelSize, Size2? stride = null, Padding2d? padding = null, Size2? dilation = null,
        int depthMultiplier = 1, bool bias = true, DType dtype = DType.Float32)
    {
        Depthwise = RegisterModule("depthwise", new Conv2d(inChannels, inChannels * depthMultiplier, kernelSize, stride, padding, dilation,
            groups: inChannels, bias: false, dtype: dtype));
        Pointwise = RegisterModule("pointwise", new Conv2d(inChannels * depthMultiplier, outChannels, 1, bias: bias, dtype: dtype));
    }

    public Conv2d Depthwise { get; }
    public Conv2d Pointwise { get; }

    public override Tensor Forward(Tensor input) => Pointwise.Call(Depthwise.Call(input));
}
