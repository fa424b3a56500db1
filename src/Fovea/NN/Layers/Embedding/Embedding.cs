// A lookup table of learned vectors (torch.nn.Embedding): for text CNNs, class embeddings and positional tables.
using Fovea.Random;

namespace Fovea.NN;

/// <summary>Maps integer indices of any shape to rows of a (numEmbeddings, embeddingDim) weight, initialised N(0, 1).</summary>
public sealed class Embedding : Module
{
    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, DType dtype = DType.Float32, Generator? generator = null)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(numEmbeddings), $"Embedding: sizes must be positive, got {numEmbeddings} x {embeddingDim}.");
        if (paddingIdx is { } p && (p >= numEmbeddings || p < -numEmbeddings))
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), $"Embedding: padding index {p} is out of range for {numEmbeddings} embeddings.");
        (NumEmbeddings, EmbeddingDim) = (numEmbeddings, embeddingDim);
        PaddingIdx = paddingIdx is { } q && q < 0 ? q + numEmbeddings : paddingIdx;
        var w = Tensor.Randn([numEmbeddings, embeddingDim], dtype, generator);
        if (PaddingIdx is { } pad) using (var row = w.Select(0, pad)) row.ZeroInPlace();
        RegisterParameter("weight", w);
    }

    /// <summary>An embedding initialised from existing vectors (e.g. pretrained word vectors), optionally frozen.</summary>
    public static Embedding FromPretrained(Tensor embeddings, bool freeze = true, int? paddingIdx = null)
    {
        if (embeddings.Rank != 2) throw new ArgumentException($"Embedding.FromPretrained: expected a (num, dim) matrix, got shape {embeddings.Shape}.");
        var e = new Embedding(embeddings.Size(0), embeddings.Size(1), paddingIdx, embeddings.DType);
        using (Autograd.GradMode.NoGrad()) e.Weight.CopyFrom(embeddings);
        if (freeze) e.Freeze();
        return e;
    }

    public int NumEmbeddings { get; }
    public int EmbeddingDim { get; }
    public int? PaddingIdx { get; }
    public Tensor Weight => Param("weight")!;

    public override Tensor Forward(Tensor input) => Tensor.Embedding(input, Weight, PaddingIdx);
    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}" + (PaddingIdx is { } p ? $", padding_idx={p}" : "");
}
