// Squeeze-and-excitation (Hu et al. 2018), laid out exactly like torchvision.ops.SqueezeExcitation (fc1, fc2 as 1x1
// convolutions), so EfficientNet / MobileNetV3 checkpoints load unchanged.
namespace Fovea.NN;

/// <summary>
/// Rescales each channel of (N, C, H, W) by scale_activation(fc2(activation(fc1(mean over H, W)))).
/// <example><code>var se = new SqueezeExcitation(64, 16);   // MobileNetV3: scaleActivation: new Hardsigmoid()</code></example>
/// </summary>
public sealed class SqueezeExcitation : Module
{
    private static readonly string[] Stages = ["fc1", "activation", "fc2", "scale_activation"];

    /// <param name="channels">Input (and output) channels C.</param>
    /// <param name="squeezeChannels">Width of the bottleneck between fc1 and fc2.</param>
    /// <param name="activation">Between fc1 and fc2; ReLU when null.</param>
    /// <param name="scaleActivation">Turns fc2's output into scales; Sigmoid when null.</param>
    /// <param name="dtype">Parameter dtype.</param>
    public SqueezeExcitation(int channels, int squeezeChannels, Module? activation = null, Module? scaleActivation = null, DType dtype = DType.Float32)
    {
        if (channels <= 0 || squeezeChannels <= 0)
            throw new ArgumentOutOfRangeException(nameof(channels), $"SqueezeExcitation: channels must be positive, got channels {channels}, squeeze_channels {squeezeChannels}.");
        Channels = channels;
        SqueezeChannels = squeezeChannels;
        RegisterModule("fc1", new Conv2d(channels, squeezeChannels, 1, dtype: dtype));
        RegisterModule("fc2", new Conv2d(squeezeChannels, channels, 1, dtype: dtype));
        RegisterModule("activation", activation ?? new ReLU());
        RegisterModule("scale_activation", scaleActivation ?? new Sigmoid());
    }

    public int Channels { get; }
    public int SqueezeChannels { get; }

    /// <summary>The per-channel scales (N, C, 1, 1) for <paramref name="input"/>.</summary>
    public Tensor Scale(Tensor input)
    {
        if (input.Rank != 4 || input.Size(1) != Channels)
            throw new ArgumentException($"SqueezeExcitation({Channels}): expected input (N, {Channels}, H, W), got shape {input.Shape}.", nameof(input));
        var s = input.Mean([2, 3], keepDim: true);
        foreach (var name in Stages) s = GetSubmodule(name).Call(s);
        return s;
    }

    public override Tensor Forward(Tensor input) => Scale(input) * input;
}
