// NumPy/PyTorch advanced indexing (x[idx0, :, mask]) and its adjoint index_put, plus the mask ops built on
// them: masked_fill, masked_select and nonzero. An index list is resolved once into per-dimension int64
// coordinates broadcast to a common shape; reading or writing then lowers to the Take/Put kernels.
using Fovea.Autograd;
using Fovea.Kernels;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>
    /// Advanced indexing, like <c>x[i0, i1, ...]</c> in PyTorch: each entry indexes the next dimension(s);
    /// null is a full slice (<c>:</c>), an int64/int32 tensor picks coordinates (negative counts from the end)
    /// and a bool tensor is a mask over as many dimensions as it has. The index tensors broadcast together; the
    /// broadcast dimensions replace the indexed ones in place when those are adjacent, else they come first.
    /// <example><code>
    /// var rows = x.Index(Tensor.FromArray(new long[] { 2, 0 }));   // x[[2, 0]]
    /// var cols = x.Index(null, Tensor.FromArray(new long[] { 1 })); // x[:, [1]]
    /// var pos  = x.Index(x.Gt(0));                                   // x[x > 0], 1-d
    /// </code></example>
    /// </summary>
    public Tensor Index(params Tensor?[] indices)
    {
        ThrowIfDisposed();
        return IndexResolved(ResolvedIndex.Resolve(_shape, indices, "Index"));
    }

    /// <summary>
    /// A copy of this tensor with <paramref name="values"/> (broadcast to the shape <c>Index(indices)</c>
    /// would have) written at the indexed positions, or added there when <paramref name="accumulate"/>
    /// (torch.index_put). Without accumulate, repeated positions keep the last value in row-major order.
    /// </summary>
    public Tensor IndexPut(Tensor?[] indices, Tensor values, bool accumulate = false)
    {
        ThrowIfDisposed();
        values.ThrowIfDisposed();
        return IndexPutResolved(ResolvedIndex.Resolve(_shape, indices, "IndexPut"), values, accumulate);
    }

    /// <summary>A copy with <paramref name="value"/> wherever the bool <paramref name="mask"/> (broadcast to this shape) is true.</summary>
    public Tensor MaskedFill(Tensor mask, double value)
    {
        ThrowIfDisposed();
        CheckMask("MaskedFill", mask);
        if (Shape.Broadcast(Shape, mask.Shape, "MaskedFill") != Shape)
            throw new ArgumentException($"MaskedFill: mask of shape {mask.Shape} does not broadcast to the input's shape {Shape}.", nameof(mask));
        return Where(mask, value, this);
    }

    /// <summary>The elements where the bool <paramref name="mask"/> is true, as a 1-d tensor (input and mask broadcast together).</summary>
    public Tensor MaskedSelect(Tensor mask)
    {
        ThrowIfDisposed();
        CheckMask("MaskedSelect", mask);
        var shape = Shape.Broadcast(Shape, mask.Shape, "MaskedSelect");
        using var x = BroadcastTo(shape);
        using var m = mask.BroadcastTo(shape);
        return x.Index(m);
    }

    /// <summary>The coordinates of the nonzero elements as an (count, rank) int64 tensor, in row-major order.</summary>
    public Tensor Nonzero()
    {
        ThrowIfDisposed();
        if (DType == DType.Bool) return IndexingKernels.For(Device).Nonzero(this);
        using var b = Ne(0);
        return IndexingKernels.For(Device).Nonzero(b);
    }

    private static void CheckMask(string op, Tensor mask)
    {
        mask.ThrowIfDisposed();
        if (mask.DType != DType.Bool) throw new ArgumentException($"{op}: mask must be a bool tensor, got {DTypes.Name(mask.DType)}.", nameof(mask));
    }

    private Tensor IndexResolved(ResolvedIndex ix)
    {
        var y = Empty(new Shape(ix.ResultShape), DType);
        using (var offsets = ix.Offsets(this))
            IndexingKernels.For(Device).Take(this, ix.BaseStrides(this), offsets, 1, y);
        if (!Graph.Needs(this)) return y;
        var inShape = _shape;
        return Graph.Record(y, "Index", [this], g =>
        {
            using var zeros = Zeros(inShape, g.DType);
            return [zeros.IndexPutResolved(ix, g, accumulate: true)];
        });
    }

    private Tensor IndexPutResolved(ResolvedIndex ix, Tensor values, bool accumulate)
    {
        if (Shape.Broadcast(values.Shape, new Shape(ix.ResultShape), "IndexPut") != new Shape(ix.ResultShape))
            throw new ArgumentException($"IndexPut: values of shape {values.Shape} do not broadcast to the indexed shape {new Shape(ix.ResultShape)}.", nameof(values));
        Tensor y;
        using (GradMode.NoGrad())
        {
            y = ContiguousCopy();
            using var v = values.View(ix.ResultShape, Kernels.Cpu.StridedRows.BroadcastStrides(values, ix.ResultShape), values.Offset);
            using var offsets = ix.Offsets(y);
            PutWithStrides(y, ix.BaseStrides(y), offsets, 1, v, accumulate ? IndexPutOp.Add : IndexPutOp.Assign);
        }
        if (!Graph.Needs(this, values)) return y;
        var valueShape = values.Shape;
        var valueType = values.DType;
        return Graph.Record(y, "IndexPut", [this, values], g =>
        {
            Tensor? gSelf = null;
            if (RequiresGrad)
            {
                using var zero = Scalar(0, g.DType);
                gSelf = accumulate ? g : g.IndexPutResolved(ix, zero, accumulate: false);
            }
            return [gSelf, values.RequiresGrad ? g.IndexResolved(ix).SumTo(valueShape).To(valueType) : null];
        });
    }

    /// <summary>An advanced index resolved against a shape: which dimensions it indexes, and with which coordinates.</summary>
    private sealed class ResolvedIndex
    {
        private int[] _dims = [];          // indexed source dimensions, ascending
        private long[][] _coords = [];     // per indexed dimension, coordinates over the broadcast shape (row-major)
        private int[] _broadcast = [];     // the common shape of the index tensors
        private int _broadcastAt;          // where the broadcast dimensions sit in the result
        private int[] _resultPos = [];     // per source dimension, its position in the result (-1 when indexed)

        public int[] ResultShape { get; private set; } = [];

        public static ResolvedIndex Resolve(int[] shape, Tensor?[] indices, string op)
        {
            var dims = new List<int>();
            var coords = new List<Tensor>();
            try
            {
                CollectIndexTensors(shape, indices, op, dims, coords);
                var broadcast = Shape.Wrap([]);
                foreach (var c in coords) broadcast = Shape.Broadcast(broadcast, c.Shape, $"{op} (broadcasting the index tensors)");
                var r = new ResolvedIndex { _dims = dims.ToArray(), _broadcast = broadcast.ToArray() };
                r._coords = new long[dims.Count][];
                for (int k = 0; k < dims.Count; k++) r._coords[k] = WrappedCoordinates(coords[k], broadcast, shape[dims[k]], op, dims[k]);
                r.Layout(shape);
                return r;
            }
            finally
            {
                foreach (var c in coords) c.Dispose();
            }
        }

        // Turns the index list into one int64 tensor per indexed dimension (masks become their nonzero columns).
        private static void CollectIndexTensors(int[] shape, Tensor?[] indices, string op, List<int> dims, List<Tensor> coords)
        {
            int pos = 0;
            foreach (var ix in indices)
            {
                if (ix == null) { pos++; continue; }
                ix.ThrowIfDisposed();
                if (ix.DType == DType.Bool)
                {
                    if (ix.Rank == 0) throw new ArgumentException($"{op}: 0-dimensional bool indices are not supported.", nameof(indices));
                    for (int j = 0; j < ix.Rank; j++)
                        if (pos + j >= shape.Length || shape[pos + j] != ix.ShapeArray[j])
                            throw new ArgumentException($"{op}: bool mask of shape {ix.Shape} does not match the indexed tensor {new Shape(shape)} at dimension {pos + j}.", nameof(indices));
                    using var nz = ix.Nonzero();
                    for (int j = 0; j < ix.Rank; j++)
                    {
                        using var column = nz.Select(1, j);
                        dims.Add(pos + j);
                        coords.Add(column.Contiguous());
                    }
                    pos += ix.Rank;
                    continue;
                }
                if (pos >= shape.Length) throw new ArgumentException($"{op}: too many indices ({indices.Length}) for a tensor of rank {shape.Length}.", nameof(indices));
                dims.Add(pos++);
                coords.Add(IndexAsInt64(ix, op, nameof(indices)));
            }
            if (pos > shape.Length) throw new ArgumentException($"{op}: too many indices for a tensor of rank {shape.Length}.", nameof(indices));
        }

        // Coordinates of one index tensor broadcast to the common shape, negatives wrapped, checked against size.
        private static long[] WrappedCoordinates(Tensor index, Shape broadcast, int size, string op, int dim)
        {
            using var e = index.Expand(broadcast.ToArray());
            var v = e.ToArray<long>();
            for (int i = 0; i < v.Length; i++)
            {
                if (v[i] < -size || v[i] >= size)
                    throw new ArgumentOutOfRangeException(nameof(index), $"{op}: index {v[i]} is out of range for dimension {dim} with size {size}.");
                if (v[i] < 0) v[i] += size;
            }
            return v;
        }

        // The result shape: broadcast dims at the first indexed dimension when the indexed ones are adjacent, else first.
        private void Layout(int[] shape)
        {
            bool adjacent = _dims.Length == 0 || _dims[^1] - _dims[0] + 1 == _dims.Length;
            _broadcastAt = adjacent && _dims.Length > 0 ? _dims[0] : 0;
            _resultPos = new int[shape.Length];
            var result = new List<int>();
            for (int d = 0; d < shape.Length; d++)
            {
                if (d == _broadcastAt) result.AddRange(_broadcast);
                if (Array.IndexOf(_dims, d) >= 0) { _resultPos[d] = -1; continue; }
                _resultPos[d] = result.Count;
                result.Add(shape[d]);
            }
            if (shape.Length == 0) result.AddRange(_broadcast);
            ResultShape = result.ToArray();
        }

        /// <summary>Strides of <paramref name="t"/>'s non-indexed dimensions placed over the result shape (0 on the broadcast dims).</summary>
        public int[] BaseStrides(Tensor t)
        {
            var s = new int[ResultShape.Length];
            for (int d = 0; d < t.Rank; d++)
                if (_resultPos[d] >= 0) s[_resultPos[d]] = t.StrideArray[d];
            return s;
        }

        /// <summary>The element offset of each indexed position in <paramref name="t"/>, seen over the result shape.</summary>
        public Tensor Offsets(Tensor t)
        {
            var bShape = new Shape(_broadcast);
            var lin = new long[bShape.NumElements];
            for (int k = 0; k < _dims.Length; k++)
            {
                long stride = t.StrideArray[_dims[k]];
                var c = _coords[k];
                for (int i = 0; i < lin.Length; i++) lin[i] += c[i] * stride;
            }
            using var flat = Wrap(lin, _broadcast);
            var strides = new int[ResultShape.Length];
            var bStrides = bShape.ContiguousStrides();
            for (int j = 0; j < _broadcast.Length; j++) strides[_broadcastAt + j] = _broadcast[j] == 1 ? 0 : bStrides[j];
            return flat.View(ResultShape, strides, 0);
        }
    }
}
