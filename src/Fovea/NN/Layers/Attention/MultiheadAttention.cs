// Multi-head attention matching torch.nn.MultiheadAttention: the same parameters (in_proj_weight / in_proj_bias, or
// q/k/v_proj_weight when key and value widths differ, and out_proj), initialisation, mask conventions and shapes.
using Fovea.Random;

namespace Fovea.NN;

/// <summary>
/// Attention with <c>numHeads</c> heads of width embedDim / numHeads over (L, N, E) inputs ((N, L, E) with
/// batchFirst; (L, E) unbatched).
/// <example><code>
/// var mha = new MultiheadAttention(64, 8, batchFirst: true);
/// var (y, w) = mha.Forward(x, x, x, keyPaddingMask: padding);   // w: (N, L, S) averaged over heads
/// </code></example>
/// </summary>
public sealed class MultiheadAttention : Module
{
    /// <param name="embedDim">Width E of the queries and the output.</param>
    /// <param name="numHeads">Number of heads; must divide <paramref name="embedDim"/>.</param>
    /// <param name="dropout">Dropout probability on the attention weights in training mode.</param>
    /// <param name="bias">Whether the input and output projections have biases.</param>
    /// <param name="batchFirst">Inputs and outputs are (N, L, E) instead of (L, N, E).</param>
    /// <param name="kdim">Width of the keys (default E).</param>
    /// <param name="vdim">Width of the values (default E).</param>
    /// <param name="dtype">Parameter dtype.</param>
    public MultiheadAttention(int embedDim, int numHeads, double dropout = 0, bool bias = true, bool batchFirst = false, int? kdim = null, int? vdim = null,
        DType dtype = DType.Float32)
    {
        if (embedDim <= 0 || numHeads <= 0)
            throw new ArgumentOutOfRangeException(nameof(embedDim), $"MultiheadAttention: embed_dim and num_heads must be positive, got {embedDim} and {numHeads}.");
        if (embedDim % numHeads != 0)
            throw new ArgumentException($"MultiheadAttention: embed_dim {embedDim} must be divisible by num_heads {numHeads}.", nameof(numHeads));
        if (dropout < 0 || dropout >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), $"MultiheadAttention: dropout must be in [0, 1), got {dropout}.");
        EmbedDim = embedDim;
        NumHeads = numHeads;
        HeadDim = embedDim / numHeads;
        Dropout = dropout;
        BatchFirst = batchFirst;
        KDim = kdim ?? embedDim;
        VDim = vdim ?? embedDim;
        if (KDim <= 0 || VDim <= 0) throw new ArgumentOutOfRangeException(nameof(kdim), $"MultiheadAttention: kdim and vdim must be positive, got {KDim} and {VDim}.");
        if (SameEmbedDim)
        {
            RegisterParameter("in_proj_weight", Init.XavierUniform(Tensor.Empty([3 * embedDim, embedDim], dtype)));
            foreach (var name in (string[])["q_proj_weight", "k_proj_weight", "v_proj_weight"]) RegisterNullParameter(name);
        }
        else
        {
            RegisterNullParameter("in_proj_weight");
            RegisterParameter("q_proj_weight", Init.XavierUniform(Tensor.Empty([embedDim, embedDim], dtype)));
            RegisterParameter("k_proj_weight", Init.XavierUniform(Tensor.Empty([embedDim, KDim], dtype)));
            RegisterParameter("v_proj_weight", Init.XavierUniform(Tensor.Empty([embedDim, VDim], dtype)));
        }
        if (bias) RegisterParameter("in_proj_bias", Tensor.Zeros([3 * embedDim], dtype));
        else RegisterNullParameter("in_proj_bias");
        var outProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, bias, dtype));
        if (bias) Init.Zeros(outProj.Bias!);
    }

    public int EmbedDim { get; }
    public int NumHeads { get; }
    public int HeadDim { get; }
    public int KDim { get; }
    public int VDim { get; }
    /// <summary>Dropout probability on the attention weights (training mode only).</summary>
    public double Dropout { get; }
    public bool BatchFirst { get; }
    /// <summary>Random numbers for dropout; null uses the default generator.</summary>
    public Generator? Generator { get; set; }
    /// <summary>True when keys and values have width E, so one packed (3E, E) in_proj_weight serves q, k and v.</summary>
    public bool SameEmbedDim => KDim == EmbedDim && VDim == EmbedDim;
    /// <summary>(3E, E) packed query/key/value projection, or null when kdim / vdim differ from E.</summary>
    public Tensor? InProjWeight => Param("in_proj_weight");
    /// <summary>(3E) or null.</summary>
    public Tensor? InProjBias => Param("in_proj_bias");
    public Tensor? QProjWeight => Param("q_proj_weight");
    public Tensor? KProjWeight => Param("k_proj_weight");
    public Tensor? VProjWeight => Param("v_proj_weight");
    public Linear OutProj => (Linear)GetSubmodule("out_proj");

    /// <summary>Self-attention of <paramref name="input"/> (query = key = value), output only.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, input, input, needWeights: false).Output;

    /// <summary>
    /// Attends from <paramref name="query"/> (L, N, E) over <paramref name="key"/> (S, N, kdim) and
    /// <paramref name="value"/> (S, N, vdim) (batch first: (N, L, E) ...; unbatched: (L, E) ...), returning the output
    /// shaped like the query and, if <paramref name="needWeights"/>, the attention weights (N, L, S) averaged over heads
    /// or (N, H, L, S) per head. <paramref name="keyPaddingMask"/> (N, S): bool true = ignore that key, or float
    /// added to the scores. <paramref name="attnMask"/> (L, S) or (N * H, L, S): bool true = not allowed, or float
    /// added to the scores (e.g. -inf above the diagonal for causal attention).
    /// </summary>
    public (Tensor Output, Tensor? Weights) Forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null, bool needWeights = true,
        Tensor? attnMask = null, bool averageAttnWeights = true)
    {
        bool batched = CheckInputs(query, key, value);
        if (!batched) (query, key, value, keyPaddingMask) = (query.Unsqueeze(1), key.Unsqueeze(1), value.Unsqueeze(1), keyPaddingMask?.Unsqueeze(0));
        else if (BatchFirst) (query, key, value) = (query.Transpose(0, 1), key.Transpose(0, 1), value.Transpose(0, 1));
        int l = query.Size(0), n = query.Size(1), s = key.Size(0);
        var (q, k, v) = Project(query, key, value);
        var mask = MergeMasks(attnMask, keyPaddingMask, n, l, s, q.DType);
        var (o, w) = Tensor.Attention(SplitHeads(q, n), SplitHeads(k, n), SplitHeads(v, n), mask, Training ? Dropout : 0, null, Generator,
            "MultiheadAttention");
        var output = OutProj.Forward(o.Transpose(0, 1).Reshape(l, n, EmbedDim));
        if (!batched) output = output.Squeeze(1);
        else if (BatchFirst) output = output.Transpose(0, 1);
        if (!needWeights) return (output, null);
        var weights = w.Reshape(n, NumHeads, l, s);
        if (averageAttnWeights) weights = weights.Mean(1);
        return (output, batched ? weights : weights.Squeeze(0));
    }

    /// <summary>Validates ranks and widths; true for batched (rank-3) inputs.</summary>
    private bool CheckInputs(Tensor query, Tensor key, Tensor value)
    {
        if (query.Rank is not (2 or 3) || key.Rank != query.Rank || value.Rank != query.Rank)
            throw new ArgumentException($"MultiheadAttention: query, key and value must all be 3-d (batched) or 2-d (unbatched), got {query.Shape}, {key.Shape} and {value.Shape}.");
        if (query.Size(-1) != EmbedDim || key.Size(-1) != KDim || value.Size(-1) != VDim)
            throw new ArgumentException($"MultiheadAttention(embed_dim {EmbedDim}, kdim {KDim}, vdim {VDim}): last dimensions of query, key and value are {query.Size(-1)}, {key.Size(-1)} and {value.Size(-1)}.");
        int seq = query.Rank == 3 && BatchFirst ? 1 : 0, batch = 1 - seq;
        if (key.Size(seq) != value.Size(seq) || query.Rank == 3 && (key.Size(batch) != query.Size(batch) || value.Size(batch) != query.Size(batch)))
            throw new ArgumentException($"MultiheadAttention: key and value must have the same length and all three the same batch size, got query {query.Shape}, key {key.Shape}, value {value.Shape}{(BatchFirst ? " (batch first)" : "")}.");
        return query.Rank == 3;
    }

    /// <summary>The query, key and value projections, each (length, N, E).</summary>
    private (Tensor Q, Tensor K, Tensor V) Project(Tensor query, Tensor key, Tensor value)
    {
        var b = InProjBias;
        Tensor? Bias(int i) => b?.Narrow(0, i * EmbedDim, EmbedDim);
        Tensor Weight(int i, string separate) => InProjWeight?.Narrow(0, i * EmbedDim, EmbedDim) ?? Param(separate)!;
        return (Tensor.Linear(query, Weight(0, "q_proj_weight"), Bias(0)),
                Tensor.Linear(key, Weight(1, "k_proj_weight"), Bias(1)),
                Tensor.Linear(value, Weight(2, "v_proj_weight"), Bias(2)));
    }

    /// <summary>(length, N, E) -> (N * H, length, head_dim), batch-major then head, like PyTorch.</summary>
    private Tensor SplitHeads(Tensor x, int n) => x.Reshape(x.Size(0), n * NumHeads, HeadDim).Transpose(0, 1);

    /// <summary>Both masks as one additive float mask broadcasting to (N * H, L, S), or null.</summary>
    private Tensor? MergeMasks(Tensor? attnMask, Tensor? keyPaddingMask, int n, int l, int s, DType dtype)
    {
        Tensor? merged = null;
        if (attnMask != null)
        {
            bool ok = attnMask.Rank == 2 ? attnMask.Size(0) == l && attnMask.Size(1) == s
                : attnMask.Rank == 3 && attnMask.Size(0) == n * NumHeads && attnMask.Size(1) == l && attnMask.Size(2) == s;
            if (!ok) throw new ArgumentException($"MultiheadAttention: attn_mask must be ({l}, {s}) or ({n * NumHeads}, {l}, {s}) (N * num_heads, L, S), got {attnMask.Shape}.", nameof(attnMask));
            merged = Additive(attnMask, dtype);
        }
        if (keyPaddingMask != null)
        {
            if (keyPaddingMask.Rank != 2 || keyPaddingMask.Size(0) != n || keyPaddingMask.Size(1) != s)
                throw new ArgumentException($"MultiheadAttention: key_padding_mask must be (N, S) = ({n}, {s}), got {keyPaddingMask.Shape}.", nameof(keyPaddingMask));
            var padding = Additive(keyPaddingMask, dtype).Reshape(n, 1, 1, s).Expand(n, NumHeads, 1, s).Reshape(n * NumHeads, 1, s);
            merged = merged == null ? padding : merged + padding;
        }
        return merged;
    }

    /// <summary>A bool mask (true = blocked) as 0 / -inf; a float mask as is.</summary>
    private static Tensor Additive(Tensor mask, DType dtype) =>
        mask.DType == DType.Bool ? Tensor.Where(mask, double.NegativeInfinity, 0.0, dtype) : mask;

    protected override string ExtraRepr() => $"embed_dim={EmbedDim}, num_heads={NumHeads}" + (Dropout != 0 ? $", dropout={Dropout}" : "")
        + (BatchFirst ? ", batch_first=True" : "") + (SameEmbedDim ? "" : $", kdim={KDim}, vdim={VDim}");
}
