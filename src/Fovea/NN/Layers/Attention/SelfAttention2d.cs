// SAGAN self-attention (Zhang et al. 2019, "Self-Attention Generative Adversarial Networks"): every position of a
// feature map attends to all others; a learned gamma, initialised to zero, blends the result into the input.
namespace Fovea.NN;

/// <summary>
/// y = gamma * (V softmax(Q^T K)^T) + x over (N, C, H, W), with 1x1 convolutions query_conv and key_conv
/// (C -> C / reduction) and value_conv (C -> C); parameter names as in the authors' PyTorch code.
/// </summary>
public sealed class SelfAttention2d : Module
{
    public SelfAttention2d(int channels, int reduction = 8, DType dtype = DType.Float32)
    {
        if (channels <= 0 || reduction <= 0)
            throw new ArgumentOutOfRangeException(nameof(channels), $"SelfAttention2d: channels and reduction must be positive, got {channels} and {reduction}.");
        Channels = channels;
        KeyChannels = Math.Max(1, channels / reduction);
        RegisterModule("query_conv", new Conv2d(channels, KeyChannels, 1, dtype: dtype));
        RegisterModule("key_conv", new Conv2d(channels, KeyChannels, 1, dtype: dtype));
        RegisterModule("value_conv", new Conv2d(channels, channels, 1, dtype: dtype));
        RegisterParameter("gamma", Tensor.Zeros([1], dtype));
    }

    public int Channels { get; }
    /// <summary>Width of the query and key embeddings, max(1, C / reduction).</summary>
    public int KeyChannels { get; }
    /// <summary>(1) blend factor of the attention output; zero at initialisation.</summary>
    public Tensor Gamma => Param("gamma")!;

    public override Tensor Forward(Tensor input) => Forward(input, out _);

    /// <summary>The output and the attention map (N, HW, HW), row i holding the weights of query position i.</summary>
    public Tensor Forward(Tensor input, out Tensor attention)
    {
        if (input.Rank != 4 || input.Size(1) != Channels)
            throw new ArgumentException($"SelfAttention2d({Channels}): expected input (N, {Channels}, H, W), got shape {input.Shape}.", nameof(input));
        var q = GetSubmodule("query_conv").Call(input).Flatten(2);   // (N, C', HW)
        var k = GetSubmodule("key_conv").Call(input).Flatten(2);     // (N, C', HW)
        var v = GetSubmodule("value_conv").Call(input).Flatten(2);   // (N, C, HW)
        attention = Tensor.MatMul(q.MT, k).Softmax(-1);
        var o = Tensor.MatMul(v, attention.MT).Reshape(input.ShapeArray);
        return Gamma * o + input;
    }

    protected override string ExtraRepr() => $"{Channels}, key_channels={KeyChannels}";
}
