// One transformer encoder layer (torch.nn.TransformerEncoderLayer): self-attention and a feed-forward block, each
// with a residual connection and layer norm, after (post-norm, the default) or before (normFirst) the block.
using Fovea.Random;

namespace Fovea.NN;

/// <summary>
/// Post-norm: x = norm1(x + sa(x)); x = norm2(x + ff(x)). Pre-norm (<c>normFirst</c>): x = x + sa(norm1(x));
/// x = x + ff(norm2(x)), with ff(x) = linear2(dropout(activation(linear1(x)))). Parameter names as in PyTorch
/// (self_attn.*, linear1, linear2, norm1, norm2).
/// </summary>
public sealed class TransformerEncoderLayer : Module
{
    private Generator? _generator;

    /// <param name="dModel">Embedding width E.</param>
    /// <param name="nHead">Attention heads (divides E).</param>
    /// <param name="dimFeedforward">Hidden width of the feed-forward block.</param>
    /// <param name="dropout">Dropout probability (attention weights, feed-forward hidden layer and both residual branches).</param>
    /// <param name="activation">"relu" or "gelu".</param>
    /// <param name="layerNormEps">Epsilon of both layer norms.</param>
    /// <param name="batchFirst">Inputs are (N, L, E) instead of (L, N, E).</param>
    /// <param name="normFirst">Pre-norm: apply the layer norms before each block instead of after the residual add.</param>
    /// <param name="dtype">Parameter dtype.</param>
    public TransformerEncoderLayer(int dModel, int nHead, int dimFeedforward = 2048, double dropout = 0.1, string activation = "relu",
        double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, DType dtype = DType.Float32)
    {
        if (activation is not ("relu" or "gelu"))
            throw new ArgumentException($"TransformerEncoderLayer: activation must be \"relu\" or \"gelu\", got \"{activation}\".", nameof(activation));
        DropoutP = dropout;
        Activation = activation;
        NormFirst = normFirst;
        RegisterModule("self_attn", new MultiheadAttention(dModel, nHead, dropout, batchFirst: batchFirst, dtype: dtype));
        RegisterModule("linear1", new Linear(dModel, dimFeedforward, dtype: dtype));
        RegisterModule("linear2", new Linear(dimFeedforward, dModel, dtype: dtype));
        RegisterModule("norm1", new LayerNorm(dModel, layerNormEps, dtype: dtype));
        RegisterModule("norm2", new LayerNorm(dModel, layerNormEps, dtype: dtype));
    }

    /// <summary>Dropout probability of the feed-forward block and the residual branches.</summary>
    public double DropoutP { get; }
    public string Activation { get; }
    public bool NormFirst { get; }
    public MultiheadAttention SelfAttn => (MultiheadAttention)GetSubmodule("self_attn");

    /// <summary>Random numbers for all dropouts of the layer (its attention's too); null uses the default generator.</summary>
    public Generator? Generator
    {
        get => _generator;
        set { _generator = value; SelfAttn.Generator = value; }
    }

    public override Tensor Forward(Tensor input) => Forward(input, null, null);

    /// <summary>
    /// Encodes <paramref name="src"/>; <paramref name="srcMask"/> is MultiheadAttention's attn_mask (L, L) or
    /// (N * H, L, L), <paramref name="srcKeyPaddingMask"/> its key_padding_mask (N, L).
    /// </summary>
    public Tensor Forward(Tensor src, Tensor? srcMask, Tensor? srcKeyPaddingMask)
    {
        var (norm1, norm2) = (GetSubmodule("norm1"), GetSubmodule("norm2"));
        var x = src;
        if (NormFirst)
        {
            x = x + SelfAttentionBlock(norm1.Call(x), srcMask, srcKeyPaddingMask);
            return x + FeedForwardBlock(norm2.Call(x));
        }
        x = norm1.Call(x + SelfAttentionBlock(x, srcMask, srcKeyPaddingMask));
        return norm2.Call(x + FeedForwardBlock(x));
    }

    private Tensor SelfAttentionBlock(Tensor x, Tensor? mask, Tensor? keyPaddingMask) =>
        Drop(SelfAttn.Forward(x, x, x, keyPaddingMask, needWeights: false, attnMask: mask).Output);

    private Tensor FeedForwardBlock(Tensor x)
    {
        var h = GetSubmodule("linear1").Call(x);
        h = Activation == "gelu" ? h.Gelu() : h.Relu();
        return Drop(GetSubmodule("linear2").Call(Drop(h)));
    }

    private Tensor Drop(Tensor x) => Training && DropoutP > 0 ? Tensor.Dropout(x, DropoutP, training: true, _generator) : x;

    protected override string ExtraRepr() => $"activation={Activation}, dropout={DropoutP}" + (NormFirst ? ", norm_first=True" : "");
}
