// Ops that reinterpret a tensor's geometry without copying (reshape, permute, expand, slice ...), plus the
// copying ops that make a tensor contiguous, clone it or change its dtype. Each backward maps the view's
// gradient back onto the original's shape.
using Fovea.Autograd;
using Fovea.Kernels;
using Fovea.Kernels.Cpu;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>A tensor with the same data and a new shape; one dimension may be -1 (inferred). Copies only when no view is possible.</summary>
    public Tensor Reshape(params int[] shape)
    {
        ThrowIfDisposed();
        var target = InferShape(shape, "Reshape");
        var strides = ViewStrides(_shape, _strides, target);
        Tensor y;
        if (strides != null)
        {
            y = View(target, strides, Offset);
        }
        else
        {
            using var c = ContiguousCopy();
            y = c.View(target, new Shape(target).ContiguousStrides(), 0);
        }
        var inShape = _shape;
        return Graph.Needs(this) ? Graph.Record(y, "Reshape", [this], g => [g.Reshape(inShape)]) : y;
    }

    /// <summary>Like <see cref="Reshape"/>, but throws instead of copying when the strides do not allow a view.</summary>
    public Tensor ViewAs(params int[] shape)
    {
        var target = InferShape(shape, "View");
        if (ViewStrides(_shape, _strides, target) == null)
            throw new InvalidOperationException($"View: shape {new Shape(target)} is not compatible with the strides of a tensor of shape {Shape} (strides ({string.Join(", ", _strides)})); use Reshape() or Contiguous() first.");
        return Reshape(target);
    }

    /// <summary>Reorders the dimensions: <c>x.Permute(0, 2, 3, 1)</c> turns NCHW into NHWC (a view).</summary>
    public Tensor Permute(params int[] dims)
    {
        ThrowIfDisposed();
        if (dims.Length != Rank) throw new ArgumentException($"Permute: got {dims.Length} dims ({string.Join(", ", dims)}) for a tensor of rank {Rank}, shape {Shape}.", nameof(dims));
        var seen = new bool[Rank];
        var shape = new int[Rank];
        var strides = new int[Rank];
        var inverse = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = Shape.WrapDim(dims[i], Rank, "Permute");
            if (seen[d]) throw new ArgumentException($"Permute: dimension {d} appears twice in ({string.Join(", ", dims)}).", nameof(dims));
            seen[d] = true;
            shape[i] = _shape[d];
            strides[i] = _strides[d];
            inverse[d] = i;
        }
        var y = View(shape, strides, Offset);
        return Graph.Needs(this) ? Graph.Record(y, "Permute", [this], g => [g.Permute(inverse)]) : y;
    }

    /// <summary>Swaps two dimensions (a view).</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        int a = Shape.WrapDim(dim0, Rank, "Transpose"), b = Shape.WrapDim(dim1, Rank, "Transpose");
        var perm = Enumerable.Range(0, Rank).ToArray();
        (perm[a], perm[b]) = (perm[b], perm[a]);
        return Permute(perm);
    }

    /// <summary>The transpose of a matrix (rank 2) or the tensor itself for rank &lt; 2.</summary>
    public Tensor T => Rank < 2 ? Alias() : Rank == 2 ? Transpose(0, 1) : throw new InvalidOperationException($"T: expected a tensor of rank <= 2, got shape {Shape}; use Transpose or MT.");

    /// <summary>Transposes the last two dimensions (batched matrix transpose).</summary>
    public Tensor MT => Transpose(-2, -1);

    /// <summary>Broadcasts size-1 dimensions to <paramref name="shape"/> without copying; -1 keeps a size.</summary>
    public Tensor Expand(params int[] shape)
    {
        ThrowIfDisposed();
        if (shape.Length < Rank) throw new ArgumentException($"Expand: target shape ({string.Join(", ", shape)}) has fewer dimensions than the tensor's {Shape}.", nameof(shape));
        int lead = shape.Length - Rank;
        var newShape = new int[shape.Length];
        var strides = new int[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            int src = i - lead;
            int have = src >= 0 ? _shape[src] : 1;
            int want = shape[i] == -1 ? (src >= 0 ? have : throw new ArgumentException($"Expand: -1 is not allowed in the new leading dimension {i}.", nameof(shape))) : shape[i];
            if (have != want && have != 1)
                throw new ArgumentException($"Expand: cannot expand shape {Shape} to ({string.Join(", ", shape)}): dimension {i} has size {have}, expected 1 or {want}.", nameof(shape));
            newShape[i] = want;
            strides[i] = src >= 0 && have == want ? _strides[src] : 0;
        }
        var y = View(newShape, strides, Offset);
        var inShape = Shape;
        return Graph.Needs(this) ? Graph.Record(y, "Expand", [this], g => [g.SumTo(inShape)]) : y;
    }

    public Tensor BroadcastTo(Shape shape) => Expand(shape.ToArray());

    /// <summary>The elements start..start+length-1 of dimension <paramref name="dim"/> (a view).</summary>
    public Tensor Narrow(int dim, int start, int length) => Slice(dim, start, start + length, 1);

    /// <summary>
    /// Elements start, start+step, ... below end of dimension <paramref name="dim"/> (a view), like
    /// <c>x[:, start:end:step]</c>. Negative start/end count from the end; they are clamped to the size.
    /// </summary>
    public Tensor Slice(int dim, int start, int end, int step = 1)
    {
        ThrowIfDisposed();
        int d = Shape.WrapDim(dim, Rank, "Slice");
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), $"Slice: step must be positive, got {step}.");
        int size = _shape[d];
        if (start < 0) start += size;
        if (end < 0) end += size;
        start = Math.Clamp(start, 0, size);
        end = Math.Clamp(end, start, size);
        int len = (end - start + step - 1) / step;
        var shape = (int[])_shape.Clone();
        var strides = (int[])_strides.Clone();
        shape[d] = len;
        strides[d] = _strides[d] * step;
        var y = View(shape, strides, Offset + start * _strides[d]);
        var inShape = Shape;
        int s0 = start;
        return Graph.Needs(this) ? Graph.Record(y, "Slice", [this], g => [g.SliceBackward(inShape, d, s0, step)]) : y;
    }

    /// <summary>Scatters a slice's gradient into zeros of the original shape; differentiable (its gradient is the slice again).</summary>
    internal Tensor SliceBackward(Shape inShape, int dim, int start, int step)
    {
        var r = Zeros(inShape.ToArray(), DType);
        using (GradMode.NoGrad())
        {
            using var view = r.Slice(dim, start, start + (Size(dim) - 1) * step + 1, step);
            ElementwiseKernels.For(Device).Copy(this, view);
        }
        return Graph.Needs(this) ? Graph.Record(r, "SliceBackward", [this], g => [g.Slice(dim, start, start + (Size(dim) - 1) * step + 1, step)]) : r;
    }

    /// <summary>Removes dimension <paramref name="dim"/> by taking index <paramref name="index"/> of it (a view).</summary>
    public Tensor Select(int dim, int index)
    {
        int d = Shape.WrapDim(dim, Rank, "Select");
        int size = _shape[d];
        if (index < -size || index >= size)
            throw new IndexOutOfRangeException($"Select: index {index} is out of range for dimension {d} of size {size} (shape {Shape}).");
        if (index < 0) index += size;
        using var s = Slice(d, index, index + 1);
        return s.Squeeze(d);
    }

    /// <summary>Indexer shorthand for <see cref="Select"/> along the first dimension: <c>x[0]</c>.</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public Tensor this[int index] => Select(0, index);

    /// <summary>Removes all size-1 dimensions, or only <paramref name="dim"/> if given and of size 1.</summary>
    public Tensor Squeeze(int? dim = null)
    {
        if (dim is int d0)
        {
            int d = Shape.WrapDim(d0, Rank, "Squeeze");
            if (_shape[d] != 1) return Alias();
            return Reshape(_shape.Where((_, i) => i != d).ToArray());
        }
        return Reshape(_shape.Where(s => s != 1).ToArray());
    }

    /// <summary>Inserts a size-1 dimension at <paramref name="dim"/> (a view).</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = Shape.WrapDim(dim, Rank + 1, "Unsqueeze");
        var shape = _shape.ToList();
        shape.Insert(d, 1);
        return Reshape(shape.ToArray());
    }

    /// <summary>Merges dimensions startDim..endDim into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0) return Reshape(1);
        int a = Shape.WrapDim(startDim, Rank, "Flatten"), b = Shape.WrapDim(endDim, Rank, "Flatten");
        if (a > b) throw new ArgumentException($"Flatten: startDim {startDim} comes after endDim {endDim} for shape {Shape}.");
        var shape = new List<int>();
        for (int i = 0; i < a; i++) shape.Add(_shape[i]);
        int merged = 1;
        for (int i = a; i <= b; i++) merged *= _shape[i];
        shape.Add(merged);
        for (int i = b + 1; i < Rank; i++) shape.Add(_shape[i]);
        return Reshape(shape.ToArray());
    }

    /// <summary>
    /// Sliding windows of <paramref name="size"/> elements every <paramref name="step"/> along
    /// <paramref name="dim"/>, as a new last dimension (a view, like torch.Tensor.unfold).
    /// </summary>
    public Tensor Unfold(int dim, int size, int step)
    {
        ThrowIfDisposed();
        int d = Shape.WrapDim(dim, Rank, "Unfold");
        if (size <= 0 || step <= 0) throw new ArgumentOutOfRangeException(nameof(size), $"Unfold: size and step must be positive, got size {size}, step {step}.");
        int len = Rank == 0 ? 1 : _shape[d];
        if (size > len) throw new ArgumentException($"Unfold: window size {size} exceeds dimension {d} of size {len} (shape {Shape}).");
        int windows = (len - size) / step + 1;
        var shape = _shape.Append(size).ToArray();
        var strides = _strides.Append(Rank == 0 ? 1 : _strides[d]).ToArray();
        shape[d] = windows;
        strides[d] = _strides[d] * step;
        var y = View(shape, strides, Offset);
        var inShape = Shape;
        return Graph.Needs(this) ? Graph.Record(y, "Unfold", [this], g =>
        {
            // Window i, element k reads x[i*step + k]: for each k, the windows' k-th elements form a strided slice.
            var r = Zeros(inShape.ToArray(), g.DType);
            for (int k = 0; k < size; k++)
            {
                using var gk = g.Select(-1, k);
                using var part = gk.SliceBackward(inShape, d, k, step);
                r = r + part;
            }
            return [r];
        }) : y;
    }

    /// <summary>A contiguous tensor with the same values (a new view object over the same storage if already contiguous).</summary>
    public Tensor Contiguous() => IsContiguous ? Alias() : Clone();

    /// <summary>A copy with its own storage.</summary>
    public Tensor Clone()
    {
        var y = ContiguousCopy();
        return Graph.Needs(this) ? Graph.Record(y, "Clone", [this], g => [g]) : y;
    }

    /// <summary>A new tensor object over the same data (same shape and strides), joined to the graph.</summary>
    internal Tensor Alias()
    {
        var y = View(_shape, _strides, Offset);
        return Graph.Needs(this) ? Graph.Record(y, "Alias", [this], g => [g]) : y;
    }

    private Tensor ContiguousCopy()
    {
        ThrowIfDisposed();
        var y = Empty(Shape, DType);
        ElementwiseKernels.For(Device).Copy(this, y);
        return y;
    }

    /// <summary>A copy converted to <paramref name="dtype"/> (or an alias if already of that dtype).</summary>
    public Tensor To(DType dtype)
    {
        ThrowIfDisposed();
        if (dtype == DType) return Alias();
        var y = Empty(Shape, dtype);
        ElementwiseKernels.For(Device).Copy(this, y);
        var from = DType;
        if (Graph.Needs(this) && DTypes.IsFloatingPoint(dtype))
            return Graph.Record(y, "To", [this], g => [g.To(from)]);
        return y;
    }

    /// <summary>Copies <paramref name="src"/> (broadcast and converted) into this tensor in place.</summary>
    public Tensor CopyFrom(Tensor src)
    {
        ThrowIfDisposed();
        src.ThrowIfDisposed();
        CheckSameDevice("CopyFrom", this, src);
        Shape.Broadcast(src.Shape, Shape, "CopyFrom");
        for (int i = 0; i < Math.Min(src.Rank, Rank); i++)
            if (src.ShapeArray[src.Rank - 1 - i] != 1 && src.ShapeArray[src.Rank - 1 - i] != _shape[Rank - 1 - i])
                throw new ArgumentException($"CopyFrom: source of shape {src.Shape} does not broadcast to destination {Shape}.");
        CheckInPlace("CopyFrom");
        ElementwiseKernels.For(Device).Copy(src, this);
        MarkModified();
        if (Graph.Needs(src))
        {
            var inShape = src.Shape;
            Graph.AttachNode(this, new LambdaNode("CopyFrom", [src], [], g => [g.SumTo(inShape)]) { Output = this });
        }
        return this;
    }

    /// <summary>Sums a broadcast gradient back down to <paramref name="shape"/> (the adjoint of broadcasting).</summary>
    public Tensor SumTo(Shape shape)
    {
        if (Shape == shape) return Alias();
        int lead = Rank - shape.Rank;
        if (lead < 0) throw new ArgumentException($"SumTo: cannot reduce shape {Shape} to the larger rank of {shape}.");
        var axes = new List<int>();
        for (int i = 0; i < Rank; i++)
            if (i < lead || (shape[i - lead] == 1 && _shape[i] != 1)) axes.Add(i);
        using var s = Sum(axes.ToArray(), keepDim: true);
        return s.Reshape(shape.ToArray());
    }

    /// <summary>Throws if an in-place write would corrupt autograd (a leaf that requires gradients).</summary>
    internal void CheckInPlace(string op)
    {
        if (GradMode.IsEnabled && RequiresGrad && IsLeaf)
            throw new InvalidOperationException($"{op}: a leaf tensor that requires gradients (shape {Shape}) cannot be modified in place; wrap the update in GradMode.NoGrad().");
    }

    // Shape with one -1 resolved, validated against the element count.
    private int[] InferShape(int[] shape, string op)
    {
        int known = 1, infer = -1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"{op}: only one dimension can be -1, got ({string.Join(", ", shape)}).");
                infer = i;
            }
            else if (shape[i] < 0) throw new ArgumentException($"{op}: invalid size {shape[i]} in ({string.Join(", ", shape)}).");
            else known *= shape[i];
        }
        int n = NumElements;
        var r = (int[])shape.Clone();
        if (infer >= 0)
        {
            if (known == 0 || n % known != 0) throw new ArgumentException($"{op}: shape ({string.Join(", ", shape)}) is invalid for a tensor of {n} elements, shape {Shape}.");
            r[infer] = n / known;
        }
        else if (known != n)
        {
            throw new ArgumentException($"{op}: shape ({string.Join(", ", shape)}) is invalid for a tensor of {n} elements, shape {Shape}.");
        }
        return r;
    }

    // Strides that let `target` view data laid out as (shape, strides), or null if a copy is needed
    // (the same chunking rule as PyTorch's computeStride).
    private static int[]? ViewStrides(int[] shape, int[] strides, int[] target)
    {
        int n = 1;
        foreach (int s in shape) n *= s;
        if (n == 0 || shape.Length == 0) return new Shape(target).ContiguousStrides();
        var result = new int[target.Length];
        int viewD = target.Length - 1;
        int chunkBase = strides[^1];
        int tensorNumel = 1, viewNumel = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            tensorNumel *= shape[d];
            if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase))
            {
                while (viewD >= 0 && (viewNumel < tensorNumel || target[viewD] == 1))
                {
                    result[viewD] = viewNumel * chunkBase;
                    viewNumel *= target[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0)
                {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? result : null;
    }
}
