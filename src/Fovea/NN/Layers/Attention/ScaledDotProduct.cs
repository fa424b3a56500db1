// Scaled dot-product attention, softmax(q k^T * scale + mask) v, as a functional op (torch 2's
// F.scaled_dot_product_attention) and the shared core that MultiheadAttention also uses to get the weights.
using Fovea.Random;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// Attention of <paramref name="query"/> (..., L, E) over <paramref name="key"/> (..., S, E) and
    /// <paramref name="value"/> (..., S, Ev), giving (..., L, Ev); leading dimensions broadcast. The scores are scaled
    /// by <paramref name="scale"/> (default 1/sqrt(E)). <paramref name="attnMask"/> broadcasts to (..., L, S): a bool
    /// mask is true where a query MAY attend (torch 2 semantics), a float mask is added to the scores.
    /// <paramref name="isCausal"/> lets query i attend to keys 0..i only. Dropout with probability
    /// <paramref name="dropoutP"/> is applied to the attention weights.
    /// <example><code>var y = Tensor.ScaledDotProductAttention(q, k, v, isCausal: true);</code></example>
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null, double dropoutP = 0,
        bool isCausal = false, double? scale = null, Generator? generator = null)
    {
        const string op = "ScaledDotProductAttention";
        if (query.Rank < 2 || key.Rank < 2 || value.Rank < 2)
            throw new ArgumentException($"{op}: query, key and value need at least 2 dimensions (..., L, E), got {query.Shape}, {key.Shape} and {value.Shape}.");
        if (isCausal && attnMask != null) throw new ArgumentException($"{op}: pass either attnMask or isCausal, not both.", nameof(attnMask));
        int l = query.Size(-2), s = key.Size(-2);
        Tensor? additive = null;
        if (isCausal) additive = CausalMask(l, s, query.DType);
        else if (attnMask != null)
        {
            if (attnMask.Rank < 2 || attnMask.Size(-2) != l && attnMask.Size(-2) != 1 || attnMask.Size(-1) != s && attnMask.Size(-1) != 1)
                throw new ArgumentException($"{op}: attnMask of shape {attnMask.Shape} does not broadcast to the scores (..., {l}, {s}).", nameof(attnMask));
            additive = attnMask.DType == DType.Bool ? Where(attnMask, 0.0, double.NegativeInfinity, query.DType) : attnMask;
        }
        return Attention(query, key, value, additive, dropoutP, scale, generator, op).Output;
    }

    /// <summary>An additive (L, S) mask: 0 where key j &lt;= query i, -inf above the diagonal.</summary>
    internal static Tensor CausalMask(int l, int s, DType dtype)
    {
        var data = new double[l * s];
        for (int i = 0; i < l; i++)
            for (int j = i + 1; j < s; j++) data[i * s + j] = double.NegativeInfinity;
        using var m = FromArray(data, l, s);
        return m.To(dtype);
    }

    /// <summary>
    /// The attention core: (output, post-dropout weights) for q (..., L, E), k (..., S, E), v (..., S, Ev) and an
    /// optional additive mask broadcasting to (..., L, S).
    /// </summary>
    internal static (Tensor Output, Tensor Weights) Attention(Tensor q, Tensor k, Tensor v, Tensor? additiveMask, double dropoutP, double? scale,
        Generator? generator, string op)
    {
        int e = q.Size(-1);
        if (k.Size(-1) != e) throw new ArgumentException($"{op}: query and key must share the last dimension, got {q.Shape} and {k.Shape}.");
        if (k.Size(-2) != v.Size(-2)) throw new ArgumentException($"{op}: key and value must have the same length S (dim -2), got {k.Shape} and {v.Shape}.");
        if (dropoutP < 0 || dropoutP >= 1) throw new ArgumentOutOfRangeException(nameof(dropoutP), $"{op}: dropout probability must be in [0, 1), got {dropoutP}.");
        var scores = MatMul(q * (scale ?? 1 / Math.Sqrt(e)), k.MT);
        if (additiveMask != null) scores = scores + additiveMask;
        var weights = scores.Softmax(-1);
        if (dropoutP > 0) weights = Dropout(weights, dropoutP, training: true, generator);
        return (MatMul(weights, v), weights);
    }
}
