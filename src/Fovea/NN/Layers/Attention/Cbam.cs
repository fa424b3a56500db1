// CBAM, the convolutional block attention module (Woo et al. 2018): channel attention from a shared MLP over the
// average- and max-pooled features, then spatial attention from a convolution over the channel-wise mean and max.
namespace Fovea.NN;

/// <summary>
/// Refines (N, C, H, W) features: x' = x * M_c(x), then x'' = x' * M_s(x'). Parameters: channel.mlp.0.weight,
/// channel.mlp.2.weight (1x1 convolutions without bias) and spatial.conv.weight.
/// <example><code>var cbam = new Cbam(64);   // reduction 16, 7x7 spatial kernel</code></example>
/// </summary>
public sealed class Cbam : Module
{
    /// <param name="channels">Channels C of the input.</param>
    /// <param name="reduction">The channel MLP's hidden width is max(1, C / reduction).</param>
    /// <param name="spatialKernel">Odd kernel size of the spatial attention convolution.</param>
    /// <param name="dtype">Parameter dtype.</param>
    public Cbam(int channels, int reduction = 16, int spatialKernel = 7, DType dtype = DType.Float32)
    {
        RegisterModule("channel", new CbamChannelAttention(channels, reduction, dtype));
        RegisterModule("spatial", new CbamSpatialAttention(spatialKernel, dtype));
    }

    public override Tensor Forward(Tensor input) => GetSubmodule("spatial").Call(GetSubmodule("channel").Call(input));
}

/// <summary>CBAM's channel attention: x * sigmoid(mlp(avgpool(x)) + mlp(maxpool(x))), with one MLP for both.</summary>
public sealed class CbamChannelAttention : Module
{
    public CbamChannelAttention(int channels, int reduction = 16, DType dtype = DType.Float32)
    {
        if (channels <= 0 || reduction <= 0)
            throw new ArgumentOutOfRangeException(nameof(channels), $"CbamChannelAttention: channels and reduction must be positive, got {channels} and {reduction}.");
        Channels = channels;
        Hidden = Math.Max(1, channels / reduction);
        RegisterModule("mlp", new Sequential(
            new Conv2d(channels, Hidden, 1, bias: false, dtype: dtype),
            new ReLU(),
            new Conv2d(Hidden, channels, 1, bias: false, dtype: dtype)));
    }

    public int Channels { get; }
    /// <summary>Width of the shared MLP's hidden layer.</summary>
    public int Hidden { get; }

    /// <summary>The channel attention map (N, C, 1, 1), in (0, 1).</summary>
    public Tensor Map(Tensor input)
    {
        if (input.Rank != 4 || input.Size(1) != Channels)
            throw new ArgumentException($"CbamChannelAttention({Channels}): expected input (N, {Channels}, H, W), got shape {input.Shape}.", nameof(input));
        var mlp = GetSubmodule("mlp");
        return (mlp.Call(input.Mean([2, 3], keepDim: true)) + mlp.Call(input.Amax([2, 3], keepDim: true))).Sigmoid();
    }

    public override Tensor Forward(Tensor input) => input * Map(input);

    protected override string ExtraRepr() => $"{Channels}, hidden={Hidden}";
}

/// <summary>CBAM's spatial attention: x * sigmoid(conv([mean over C; max over C])), a 2 -> 1 channel convolution.</summary>
public sealed class CbamSpatialAttention : Module
{
    public CbamSpatialAttention(int kernelSize = 7, DType dtype = DType.Float32)
    {
        if (kernelSize <= 0 || kernelSize % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), $"CbamSpatialAttention: kernel size must be odd and positive (to keep H and W), got {kernelSize}.");
        KernelSize = kernelSize;
        RegisterModule("conv", new Conv2d(2, 1, kernelSize, padding: kernelSize / 2, bias: false, dtype: dtype));
    }

    public int KernelSize { get; }

    /// <summary>The spatial attention map (N, 1, H, W), in (0, 1).</summary>
    public Tensor Map(Tensor input)
    {
        if (input.Rank != 4) throw new ArgumentException($"CbamSpatialAttention: expected input (N, C, H, W), got shape {input.Shape}.", nameof(input));
        var pooled = Tensor.Cat([input.Mean(1, keepDim: true), input.Amax(1, keepDim: true)], 1);
        return GetSubmodule("conv").Call(pooled).Sigmoid();
    }

    public override Tensor Forward(Tensor input) => input * Map(input);

    protected override string ExtraRepr() => $"kernel_size={KernelSize}";
}
