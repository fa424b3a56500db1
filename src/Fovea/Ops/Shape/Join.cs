// Joining and splitting along a dimension: Cat and Stack copy their inputs into one new tensor (the gradient
// of each input is its slice of the output's gradient); Split, Chunk and Unbind return views.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// Concatenates tensors along <paramref name="dim"/> (like torch.cat). All must have the same shape except
    /// in that dimension; the result has the promoted dtype of all inputs. As in PyTorch, 1-d empty tensors
    /// are skipped whatever the other shapes.
    /// <example><code>var y = Tensor.Cat([a, b], dim: 1);   // (2, 3) and (2, 5) -> (2, 8)</code></example>
    /// </summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("Cat: expected a non-empty list of tensors.", nameof(tensors));
        var dtype = tensors[0].DType;
        int refIndex = -1;
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            t.ThrowIfDisposed();
            CheckSameDevice("Cat", tensors[0], t);
            if (t.Rank == 0) throw new ArgumentException($"Cat: tensor {i} is zero-dimensional and cannot be concatenated; Unsqueeze it or use Stack.", nameof(tensors));
            dtype = DTypes.Promote(dtype, t.DType);
            if (refIndex < 0 && !IsLegacyEmpty(t)) refIndex = i;
        }
        if (refIndex < 0) return Empty([0], dtype); // only 1-d empty tensors
        var first = tensors[refIndex];
        int d = Shape.WrapDim(dim, first.Rank, "Cat");
        var offsets = new int[tensors.Count];
        int total = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            if (IsLegacyEmpty(t)) continue;
            CheckCatShape(t, i, first, refIndex, d);
            offsets[i] = total;
            total += t.ShapeArray[d];
        }

        var outShape = (int[])first.ShapeArray.Clone();
        outShape[d] = total;
        var y = Empty(new Shape(outShape), dtype);
        var kernels = ShapeKernels.For(y.Device);
        for (int i = 0; i < tensors.Count; i++)
            if (!IsLegacyEmpty(tensors[i])) kernels.CatInto(tensors[i], y, d, offsets[i]);

        if (!Graph.Needs(tensors)) return y;
        var sizes = tensors.Select(t => IsLegacyEmpty(t) ? -1 : t.ShapeArray[d]).ToArray();
        var dtypes = tensors.Select(t => t.DType).ToArray();
        var needs = tensors.Select(t => t.RequiresGrad).ToArray();
        return Graph.Record(y, "Cat", tensors.ToArray(), g =>
        {
            var grads = new Tensor?[sizes.Length];
            for (int i = 0; i < sizes.Length; i++)
            {
                if (!needs[i]) continue;
                if (sizes[i] < 0) { grads[i] = Zeros([0], dtypes[i]); continue; }
                var part = g.Narrow(d, offsets[i], sizes[i]);
                if (part.DType == dtypes[i]) { grads[i] = part; continue; }
                grads[i] = part.To(dtypes[i]);
                part.Dispose();
            }
            return grads;
        });
    }

    // torch.cat skips 1-d tensors with no elements (a legacy rule kept for compatibility).
    private static bool IsLegacyEmpty(Tensor t) => t.Rank == 1 && t.ShapeArray[0] == 0;

    private static void CheckCatShape(Tensor t, int index, Tensor first, int firstIndex, int dim)
    {
        if (t.Rank != first.Rank)
            throw new ArgumentException($"Cat: tensor {index} has {t.Rank} dimensions (shape {t.Shape}) but tensor {firstIndex} has {first.Rank} (shape {first.Shape}).");
        for (int k = 0; k < t.Rank; k++)
            if (k != dim && t.ShapeArray[k] != first.ShapeArray[k])
                throw new ArgumentException($"Cat: sizes must match except in dim {dim}: tensor {index} has shape {t.Shape} and tensor {firstIndex} has shape {first.Shape} (dimension {k}: {t.ShapeArray[k]} vs {first.ShapeArray[k]}).");
    }

    /// <summary>Joins equally shaped tensors along a new dimension <paramref name="dim"/> (like torch.stack).</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("Stack: expected a non-empty list of tensors.", nameof(tensors));
        var first = tensors[0];
        for (int i = 1; i < tensors.Count; i++)
            if (tensors[i].Shape != first.Shape)
                throw new ArgumentException($"Stack: all tensors must have the same shape, but tensor {i} has shape {tensors[i].Shape} and tensor 0 has shape {first.Shape}.", nameof(tensors));
        int d = Shape.WrapDim(dim, first.Rank + 1, "Stack");
        var expanded = tensors.Select(t => t.Unsqueeze(d)).ToArray();
        try { return Cat(expanded, d); }
        finally { foreach (var e in expanded) e.Dispose(); }
    }

    /// <summary>
    /// Splits into views of <paramref name="splitSize"/> elements along <paramref name="dim"/>; the last one
    /// is smaller when the size does not divide evenly (like torch.split with an int).
    /// </summary>
    public Tensor[] Split(int splitSize, int dim = 0)
    {
        ThrowIfDisposed();
        int d = Shape.WrapDim(dim, Rank, "Split");
        int size = _shape[d];
        if (splitSize < 0 || (splitSize == 0 && size != 0))
            throw new ArgumentException($"Split: split size must be positive, got {splitSize} for dimension {d} of size {size} (shape {Shape}).", nameof(splitSize));
        int count = splitSize == 0 ? 1 : Math.Max(1, (size + splitSize - 1) / splitSize);
        var sizes = new int[count];
        for (int i = 0; i < count; i++) sizes[i] = Math.Min(splitSize, size - i * splitSize);
        return SplitViews(sizes, d);
    }

    /// <summary>Splits into views of the given <paramref name="sizes"/> along <paramref name="dim"/>; they must add up to its size.</summary>
    public Tensor[] Split(int[] sizes, int dim = 0)
    {
        ThrowIfDisposed();
        int d = Shape.WrapDim(dim, Rank, "Split");
        if (sizes.Any(s => s < 0) || sizes.Sum() != _shape[d])
            throw new ArgumentException($"Split: sizes ({string.Join(", ", sizes)}) must be non-negative and add up to {_shape[d]}, the size of dimension {d} (shape {Shape}).", nameof(sizes));
        return SplitViews(sizes, d);
    }

    /// <summary>
    /// Splits into at most <paramref name="chunks"/> views of ceil(size / chunks) elements along
    /// <paramref name="dim"/> (like torch.chunk: there may be fewer chunks than asked).
    /// </summary>
    public Tensor[] Chunk(int chunks, int dim = 0)
    {
        ThrowIfDisposed();
        if (chunks <= 0) throw new ArgumentException($"Chunk: number of chunks must be positive, got {chunks}.", nameof(chunks));
        int d = Shape.WrapDim(dim, Rank, "Chunk");
        int size = _shape[d];
        if (size == 0) return SplitViews(new int[chunks], d);
        return Split((size + chunks - 1) / chunks, d);
    }

    /// <summary>Removes dimension <paramref name="dim"/>, returning one view per index of it (like torch.unbind).</summary>
    public Tensor[] Unbind(int dim = 0)
    {
        ThrowIfDisposed();
        int d = Shape.WrapDim(dim, Rank, "Unbind");
        var r = new Tensor[_shape[d]];
        for (int i = 0; i < r.Length; i++) r[i] = Select(d, i);
        return r;
    }

    private Tensor[] SplitViews(int[] sizes, int dim)
    {
        var r = new Tensor[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            r[i] = Narrow(dim, start, sizes[i]);
            start += sizes[i];
        }
        return r;
    }
}
