// Whole-slice indexing along one dimension: index_select and its adjoint index_add, plus the two ops built
// on them, embedding lookup and one-hot encoding.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>The slices <paramref name="index"/> (1-d) picks along <paramref name="dim"/>, in its order (torch.index_select).</summary>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        int d = IndexingDim(dim, "IndexSelect");
        if (index.Rank > 1) throw new ArgumentException($"IndexSelect: index must be 1-d, got shape {index.Shape}.", nameof(index));
        var idx = IndexAsInt64(index, "IndexSelect");
        CheckIndexRange(idx, _shape[d], "IndexSelect", d);
        var shape = (int[])_shape.Clone();
        shape[d] = idx.NumElements;
        var y = Empty(new Shape(shape), DType);
        using (var along = IndexAlong(idx, shape, d))
            IndexingKernels.For(Device).Take(this, StridesWith(_strides, d, 0), along, _strides[d], y);
        if (!Graph.Needs(this)) { idx.Dispose(); return y; }
        var inShape = _shape;
        return Graph.Record(y, "IndexSelect", [this], g =>
        {
            using var zeros = Zeros(inShape, g.DType);
            return [zeros.IndexAdd(d, idx, g)];
        }, idx);
    }

    /// <summary>
    /// A copy of this tensor with alpha * source's slices added at the positions <paramref name="index"/> (1-d)
    /// gives along <paramref name="dim"/> (torch.index_add); repeated indices accumulate.
    /// </summary>
    public Tensor IndexAdd(int dim, Tensor index, Tensor source, double alpha = 1)
    {
        int d = IndexingDim(dim, "IndexAdd");
        source.ThrowIfDisposed();
        if (index.Rank > 1) throw new ArgumentException($"IndexAdd: index must be 1-d, got shape {index.Shape}.", nameof(index));
        if (source.DType != DType) throw new ArgumentException($"IndexAdd: source has dtype {DTypes.Name(source.DType)}, this tensor {DTypes.Name(DType)}; they must match.", nameof(source));
        var idx = IndexAsInt64(index, "IndexAdd");
        var expected = (int[])_shape.Clone();
        expected[d] = idx.NumElements;
        if (!source.ShapeArray.AsSpan().SequenceEqual(expected))
            throw new ArgumentException($"IndexAdd: source has shape {source.Shape}, expected {new Shape(expected)} (this tensor's shape {Shape} with dimension {d} the index length {idx.NumElements}).", nameof(source));
        CheckIndexRange(idx, _shape[d], "IndexAdd", d);
        Tensor y;
        using (GradMode.NoGrad())
        {
            y = ContiguousCopy();
            using var scaled = alpha == 1 ? null : source * alpha;
            using var along = IndexAlong(idx, expected, d);
            PutAlong(y, d, along, scaled ?? source, IndexPutOp.Add);
        }
        if (!Graph.Needs(this, source)) { idx.Dispose(); return y; }
        return Graph.Record(y, "IndexAdd", [this, source], g =>
        {
            var gSource = g.IndexSelect(d, idx);
            return [g, alpha == 1 ? gSource : gSource * alpha];
        }, idx);
    }

    /// <summary>
    /// Rows of <paramref name="weight"/> (num_embeddings, dim) looked up by integer <paramref name="indices"/>
    /// of any shape; the result has shape indices.shape + (dim). The row <paramref name="paddingIdx"/>
    /// (negative counts from the end) receives no gradient.
    /// </summary>
    public static Tensor Embedding(Tensor indices, Tensor weight, int? paddingIdx = null)
    {
        weight.ThrowIfDisposed();
        if (weight.Rank != 2) throw new ArgumentException($"Embedding: weight must be 2-d (num_embeddings, embedding_dim), got shape {weight.Shape}.", nameof(weight));
        int rows = weight.ShapeArray[0], width = weight.ShapeArray[1];
        int? pad = paddingIdx;
        if (pad is int p)
        {
            if (p < -rows || p >= rows) throw new ArgumentOutOfRangeException(nameof(paddingIdx), $"Embedding: paddingIdx {p} is out of range for {rows} embeddings.");
            pad = p < 0 ? p + rows : p;
        }
        using var idx = IndexAsInt64(indices, "Embedding", nameof(indices));
        var flat = idx.Reshape(-1);
        CheckIndexRange(flat, rows, "Embedding", 0);
        Tensor y;
        using (GradMode.NoGrad())
        using (var picked = weight.IndexSelect(0, flat))
            y = picked.Reshape([.. indices.ShapeArray, width]);
        if (!Graph.Needs(weight)) { flat.Dispose(); return y; }
        return Graph.Record(y, "Embedding", [weight], g =>
        {
            var g2 = g.Reshape(-1, width);
            if (pad is int pi) g2 = g2.MaskedFill(flat.Eq(pi).Unsqueeze(1), 0);
            using var zeros = Zeros([rows, width], g.DType);
            return [zeros.IndexAdd(0, flat, g2)];
        }, flat);
    }

    /// <summary>
    /// One-hot encoding of integer <paramref name="indices"/>: int64 of shape indices.shape + (numClasses);
    /// numClasses -1 means max(indices) + 1.
    /// </summary>
    public static Tensor OneHot(Tensor indices, int numClasses = -1)
    {
        using var idx = IndexAsInt64(indices, "OneHot", nameof(indices));
        var values = idx.AsSpan<long>();
        if (numClasses == -1)
        {
            if (values.Length == 0) throw new ArgumentException("OneHot: cannot infer numClasses from an empty tensor; pass it explicitly.", nameof(numClasses));
            long max = 0;
            foreach (long v in values) max = Math.Max(max, v);
            numClasses = (int)Math.Min(max + 1, int.MaxValue);
        }
        if (numClasses < 0) throw new ArgumentOutOfRangeException(nameof(numClasses), $"OneHot: numClasses must be -1 or >= 0, got {numClasses}.");
        CheckIndexRange(idx, numClasses, "OneHot", indices.Rank);
        using var zeros = Zeros([.. indices.ShapeArray, numClasses], DType.Int64);
        using var column = idx.Unsqueeze(-1);
        return zeros.Scatter(-1, column, 1.0);
    }
}
