// Ops that copy elements into a new arrangement: flip, roll, repeat/tile, repeat_interleave, the triangles
// (tril/triu) and meshgrid, plus the index-map pair (gather along a dimension and its adjoint, a scatter-add)
// that roll, padding and repeat_interleave are built on.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>Reverses the order of elements along each of <paramref name="dims"/> (a copy, like torch.flip).</summary>
    public Tensor Flip(params int[] dims)
    {
        ThrowIfDisposed();
        var flipped = new bool[Math.Max(Rank, 1)];
        foreach (int dim in dims)
        {
            int d = Shape.WrapDim(dim, Rank, "Flip");
            if (flipped[d]) throw new ArgumentException($"Flip: dim {d} appears more than once in ({string.Join(", ", dims)}).", nameof(dims));
            flipped[d] = true;
        }
        var y = Empty(Shape, DType);
        if (NumElements > 0)
        {
            // Read through a view with negated strides, starting at the last element of each flipped dim.
            var strides = (int[])_strides.Clone();
            int offset = Offset;
            for (int d = 0; d < Rank; d++)
            {
                if (!flipped[d]) continue;
                offset += (_shape[d] - 1) * _strides[d];
                strides[d] = -_strides[d];
            }
            using var reversed = View((int[])_shape.Clone(), strides, offset);
            ElementwiseKernels.For(Device).Copy(reversed, y);
        }
        var wrapped = Enumerable.Range(0, Rank).Where(d => flipped[d]).ToArray();
        return Graph.Needs(this) ? Graph.Record(y, "Flip", [this], g => [g.Flip(wrapped)]) : y;
    }

    /// <summary>Rolls elements by <paramref name="shift"/> along <paramref name="dim"/>, or over the flattened tensor when dim is null (like torch.roll).</summary>
    public Tensor Roll(int shift, int? dim = null) => dim is int d ? Roll([shift], [d]) : Roll([shift]);

    /// <summary>
    /// Rolls elements by shifts[i] along dims[i]: elements leaving one end come back at the other. With no dims,
    /// rolls the flattened tensor by a single shift and restores the shape (like torch.roll).
    /// </summary>
    public Tensor Roll(int[] shifts, int[]? dims = null)
    {
        ThrowIfDisposed();
        dims ??= [];
        if (dims.Length == 0)
        {
            if (shifts.Length != 1) throw new ArgumentException($"Roll: without dims exactly one shift is expected, got {shifts.Length}.", nameof(shifts));
            using var flat = Reshape(-1);
            using var rolled = flat.Roll(shifts, [0]);
            return rolled.Reshape(_shape);
        }
        if (shifts.Length != dims.Length)
            throw new ArgumentException($"Roll: got {shifts.Length} shifts for {dims.Length} dims; they must pair up.", nameof(shifts));
        var wrapped = dims.Select(d => Shape.WrapDim(d, Rank, "Roll")).ToArray();
        Tensor? y = null;
        using (GradMode.NoGrad())
        {
            for (int i = 0; i < dims.Length; i++)
            {
                int d = wrapped[i], n = _shape[d];
                if (n == 0) continue;
                int s = (int)(((long)shifts[i] % n + n) % n);
                var map = new int[n];
                for (int j = 0; j < n; j++) map[j] = (j - s + n) % n;
                var next = (y ?? this).IndexAlong(d, map);
                y?.Dispose();
                y = next;
            }
            y ??= ContiguousCopy();
        }
        var back = shifts.Select(s => -s).ToArray();
        return Graph.Needs(this) ? Graph.Record(y, "Roll", [this], g => [g.Roll(back, wrapped)]) : y;
    }

    /// <summary>
    /// Tiles the tensor sizes[i] times along each dimension (like torch.Tensor.repeat); extra leading counts
    /// add new dimensions. The gradient sums over the tiles.
    /// </summary>
    public Tensor Repeat(params int[] sizes)
    {
        ThrowIfDisposed();
        if (sizes.Length < Rank)
            throw new ArgumentException($"Repeat: {sizes.Length} repeat counts given for a tensor of rank {Rank} (shape {Shape}); at least {Rank} are needed.", nameof(sizes));
        if (sizes.Any(s => s < 0)) throw new ArgumentException($"Repeat: repeat counts must be non-negative, got ({string.Join(", ", sizes)}).", nameof(sizes));
        int lead = sizes.Length - Rank;
        var split = new int[2 * sizes.Length];   // (1, s0, 1, s1, ...)
        var tiled = new int[2 * sizes.Length];   // (r0, s0, r1, s1, ...)
        var final = new int[sizes.Length];      // (r0 * s0, r1 * s1, ...)
        for (int i = 0; i < sizes.Length; i++)
        {
            int s = i < lead ? 1 : _shape[i - lead];
            split[2 * i] = 1;
            split[2 * i + 1] = s;
            tiled[2 * i] = sizes[i];
            tiled[2 * i + 1] = s;
            final[i] = sizes[i] * s;
        }
        using var r = Reshape(split);
        using var e = r.Expand(tiled);
        return FreshReshape(e, final);
    }

    /// <summary>Like <see cref="Repeat"/>, but with fewer counts than dimensions the leading dimensions are kept (like torch.tile).</summary>
    public Tensor Tile(params int[] dims)
    {
        if (dims.Length >= Rank) return Repeat(dims);
        return Repeat([.. Enumerable.Repeat(1, Rank - dims.Length), .. dims]);
    }

    /// <summary>
    /// Repeats each element <paramref name="repeats"/> times along <paramref name="dim"/>, or over the
    /// flattened tensor when dim is null (like torch.repeat_interleave).
    /// </summary>
    public Tensor RepeatInterleave(int repeats, int? dim = null)
    {
        ThrowIfDisposed();
        if (repeats < 0) throw new ArgumentException($"RepeatInterleave: repeats must be non-negative, got {repeats}.", nameof(repeats));
        if (dim is not int d0)
        {
            using var flat = Reshape(-1);
            return flat.RepeatInterleave(repeats, 0);
        }
        int d = Shape.WrapDim(d0, Rank, "RepeatInterleave");
        if (Rank == 0)
        {
            using var one = Reshape(1);
            return one.RepeatInterleave(repeats, 0);
        }
        var expandTo = _shape.ToList();
        expandTo.Insert(d + 1, repeats);
        var final = (int[])_shape.Clone();
        final[d] *= repeats;
        using var u = Unsqueeze(d + 1);
        using var e = u.Expand(expandTo.ToArray());
        return FreshReshape(e, final);
    }

    /// <summary>Repeats element i of dimension <paramref name="dim"/> repeats[i] times (flattened when dim is null); a single count applies to all.</summary>
    public Tensor RepeatInterleave(int[] repeats, int? dim = null)
    {
        ThrowIfDisposed();
        if (dim is not int d0)
        {
            using var flat = Reshape(-1);
            return flat.RepeatInterleave(repeats, 0);
        }
        int d = Shape.WrapDim(d0, Rank, "RepeatInterleave");
        if (Rank == 0)
        {
            using var one = Reshape(1);
            return one.RepeatInterleave(repeats, 0);
        }
        int n = _shape[d];
        if (repeats.Length == 1) return RepeatInterleave(repeats[0], d);
        if (repeats.Length != n || repeats.Any(r => r < 0))
            throw new ArgumentException($"RepeatInterleave: expected {n} non-negative repeat counts for dimension {d} (shape {Shape}), got ({string.Join(", ", repeats)}).", nameof(repeats));
        var map = new List<int>();
        for (int i = 0; i < n; i++) map.AddRange(Enumerable.Repeat(i, repeats[i]));
        return IndexAlong(d, map.ToArray());
    }

    // A reshape of an expanded view that always yields a new tensor (like PyTorch's repeat), even when no
    // dimension was actually repeated and a view would do.
    private Tensor FreshReshape(Tensor expanded, int[] shape)
    {
        var y = expanded.Reshape(shape);
        if (y.Storage != Storage) return y;
        using (y) return y.Clone();
    }

    /// <summary>The lower triangle of the last two dimensions: elements with column &lt;= row + diagonal, others zero.</summary>
    public Tensor Tril(int diagonal = 0) => Triangle(lower: true, diagonal, "Tril");

    /// <summary>The upper triangle of the last two dimensions: elements with column &gt;= row + diagonal, others zero.</summary>
    public Tensor Triu(int diagonal = 0) => Triangle(lower: false, diagonal, "Triu");

    private Tensor Triangle(bool lower, int diagonal, string op)
    {
        ThrowIfDisposed();
        if (Rank < 2) throw new ArgumentException($"{op}: input must have at least 2 dimensions, got shape {Shape}.");
        var y = ContiguousCopy();
        ShapeKernels.For(Device).MaskTriangle(y, lower, diagonal);
        return Graph.Needs(this) ? Graph.Record(y, op, [this], g => [g.Triangle(lower, diagonal, op)]) : y;
    }

    /// <summary>
    /// Coordinate grids from 1-d tensors (like torch.meshgrid): output i has tensors[i] laid along dimension i
    /// (indexing "ij") or, with "xy", the first two dimensions swapped. The outputs are broadcast views.
    /// </summary>
    public static Tensor[] Meshgrid(IReadOnlyList<Tensor> tensors, string indexing = "ij")
    {
        if (indexing is not ("ij" or "xy")) throw new ArgumentException($"Meshgrid: indexing must be \"ij\" or \"xy\", got \"{indexing}\".", nameof(indexing));
        if (tensors.Count == 0) throw new ArgumentException("Meshgrid: expected at least one tensor.", nameof(tensors));
        for (int i = 0; i < tensors.Count; i++)
        {
            if (tensors[i].Rank > 1) throw new ArgumentException($"Meshgrid: expected 0-d or 1-d tensors, tensor {i} has shape {tensors[i].Shape}.", nameof(tensors));
            if (tensors[i].DType != tensors[0].DType) throw new ArgumentException($"Meshgrid: all tensors must have the same dtype, tensor {i} is {DTypes.Name(tensors[i].DType)} and tensor 0 is {DTypes.Name(tensors[0].DType)}.", nameof(tensors));
        }
        bool swap = indexing == "xy" && tensors.Count >= 2;
        int Position(int i) => swap && i < 2 ? 1 - i : i;
        var outShape = new int[tensors.Count];
        for (int i = 0; i < tensors.Count; i++) outShape[Position(i)] = tensors[i].NumElements;
        var r = new Tensor[tensors.Count];
        for (int i = 0; i < tensors.Count; i++)
        {
            var viewShape = Enumerable.Repeat(1, tensors.Count).ToArray();
            viewShape[Position(i)] = tensors[i].NumElements;
            using var v = tensors[i].Reshape(viewShape);
            r[i] = v.Expand(outShape);
        }
        return r;
    }

    // ---------------------------------------------------------------- index maps along one dimension

    /// <summary>y[..., j, ...] = this[..., map[j], ...] along <paramref name="dim"/>; map entries must lie in 0..size-1.</summary>
    internal Tensor IndexAlong(int dim, int[] map)
    {
        int size = _shape[dim];
        foreach (int m in map)
            if ((uint)m >= (uint)size) throw new IndexOutOfRangeException($"IndexAlong: index {m} is out of range for dimension {dim} of size {size} (shape {Shape}).");
        Tensor y;
        using (GradMode.NoGrad())
        {
            using var x = Contiguous();
            var shape = (int[])_shape.Clone();
            shape[dim] = map.Length;
            y = Empty(new Shape(shape), DType);
            ShapeKernels.For(Device).GatherAlong(x, dim, map, y);
        }
        return Graph.Needs(this) ? Graph.Record(y, "IndexAlong", [this], g => [g.IndexAddAlong(dim, map, size)]) : y;
    }

    /// <summary>The adjoint of <see cref="IndexAlong"/>: r (size <paramref name="size"/> along dim) with r[..., map[j], ...] += this[..., j, ...].</summary>
    internal Tensor IndexAddAlong(int dim, int[] map, int size)
    {
        if (DType is DType.BFloat16 or DType.Bool)
        {
            using var wide = To(DType == DType.Bool ? DType.Int64 : DType.Float32);
            using var sum = wide.IndexAddAlong(dim, map, size);
            return sum.To(DType);
        }
        Tensor r;
        using (GradMode.NoGrad())
        {
            using var g = Contiguous();
            var shape = (int[])_shape.Clone();
            shape[dim] = size;
            r = Zeros(shape, DType);
            ShapeKernels.For(Device).ScatterAddAlong(g, dim, map, r);
        }
        return Graph.Needs(this) ? Graph.Record(r, "IndexAddAlong", [this], gg => [gg.IndexAlong(dim, map)]) : r;
    }
}
