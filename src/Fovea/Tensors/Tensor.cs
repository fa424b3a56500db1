// The n-dimensional array at the centre of Fovea: a strided view (shape, strides, offset) onto a shared
// storage, plus the autograd fields that make it a node of the define-by-run graph. Ops live in partial
// class files under Ops/, one family per folder.
using System.Runtime.CompilerServices;
using Fovea.Autograd;
using Fovea.Memory;

namespace Fovea;

/// <summary>
/// A strided n-dimensional array with reverse-mode autograd.
/// <example><code>
/// var x = Tensor.Randn([8, 3], requiresGrad: true);
/// var loss = (x * x).Sum();
/// loss.Backward();            // x.Grad == 2 * x
/// </code></example>
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly int[] _shape;   // sizes, outermost first
    private readonly int[] _strides; // in elements; 0 for broadcast dimensions
    private bool _disposed;
    private bool _requiresGrad;

    internal Tensor(Storage storage, int[] shape, int[] strides, int offset)
    {
        Storage = storage;
        _shape = shape;
        _strides = strides;
        Offset = offset;
        TensorScope.Track(this);
    }

    /// <summary>The buffer this tensor views; shared with its views.</summary>
    public Storage Storage { get; }
    public Shape Shape => Shape.Wrap(_shape);
    public ReadOnlySpan<int> Strides => _strides;
    /// <summary>Index of the first element in <see cref="Storage"/>.</summary>
    public int Offset { get; }
    public DType DType => Storage.DType;
    public Device Device => Storage.Device;
    public int Rank => _shape.Length;
    public int NumElements => Shape.NumElements;
    public bool IsDisposed => _disposed;

    internal int[] ShapeArray => _shape;
    internal int[] StrideArray => _strides;

    /// <summary>The size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public int Size(int dim) => _shape[Shape.WrapDim(dim, Rank, "Size")];

    /// <summary>True when the elements are laid out row-major without gaps, so a flat span covers them.</summary>
    public bool IsContiguous
    {
        get
        {
            int expected = 1;
            for (int i = _shape.Length - 1; i >= 0; i--)
            {
                if (_shape[i] == 1) continue;
                if (_strides[i] != expected) return false;
                expected *= _shape[i];
            }
            return true;
        }
    }

    // ---------------------------------------------------------------- autograd state

    /// <summary>Whether gradients flow to this tensor. Settable on leaves of floating-point dtype.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (GradFn != null && !value) throw new InvalidOperationException($"RequiresGrad: cannot turn off gradients of a non-leaf tensor (made by {GradFn.Name}); use Detach().");
            if (value && !DTypes.IsFloatingPoint(DType)) throw new InvalidOperationException($"RequiresGrad: only floating-point tensors can require gradients, this one is {DTypes.Name(DType)}.");
            _requiresGrad = value;
        }
    }

    /// <summary>The accumulated gradient after <see cref="Backward"/>; null until then.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The graph node that produced this tensor, or null for leaves.</summary>
    public Node? GradFn { get; internal set; }

    public bool IsLeaf => GradFn == null;

    internal void SetRequiresGradInternal() => _requiresGrad = true;

    internal List<Func<Tensor, Tensor?>>? GradHooks { get; private set; }

    internal bool RetainsGrad { get; private set; }

    /// <summary>Keeps the gradient of this non-leaf tensor in <see cref="Grad"/> after backward.</summary>
    public void RetainGrad() => RetainsGrad = true;

    /// <summary>
    /// Registers a function called with this tensor's gradient during backward; if it returns a tensor, that
    /// replaces the gradient.
    /// </summary>
    public void RegisterHook(Func<Tensor, Tensor?> hook)
    {
        if (!RequiresGrad) throw new InvalidOperationException("RegisterHook: the tensor does not require gradients.");
        (GradHooks ??= []).Add(hook);
    }

    /// <summary>Runs reverse-mode differentiation from this tensor (see <see cref="Engine.Backward"/>).</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        Engine.Backward(this, gradient, retainGraph, createGraph);

    /// <summary>A tensor sharing this one's data but cut from the graph.</summary>
    public Tensor Detach()
    {
        ThrowIfDisposed();
        Storage.AddRef();
        return new Tensor(Storage, _shape, _strides, Offset);
    }

    /// <summary>Detaches in place and sets <see cref="RequiresGrad"/>; returns this.</summary>
    public Tensor RequiresGrad_(bool value = true)
    {
        if (!IsLeaf) throw new InvalidOperationException($"RequiresGrad_: tensor was made by {GradFn!.Name}; only leaves can change RequiresGrad.");
        RequiresGrad = value;
        return this;
    }

    // ---------------------------------------------------------------- data access

    /// <summary>The elements as a flat span; the tensor must be contiguous and of element type <typeparamref name="T"/>.</summary>
    public Span<T> AsSpan<T>() where T : unmanaged
    {
        ThrowIfDisposed();
        CheckElementType<T>("AsSpan");
        if (!IsContiguous) throw new InvalidOperationException($"AsSpan: tensor of shape {Shape} with strides ({string.Join(", ", _strides)}) is not contiguous; call Contiguous() first.");
        return ((Storage<T>)Storage).Array.AsSpan(Offset, NumElements);
    }

    /// <summary>The whole backing array and this tensor's offset in it, for kernels that walk strides themselves.</summary>
    internal T[] RawArray<T>() where T : unmanaged
    {
        ThrowIfDisposed();
        return ((Storage<T>)Storage).Array;
    }

    /// <summary>Copies the elements, in row-major order, into a new array of <typeparamref name="T"/> (which must be the dtype's type).</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        CheckElementType<T>("ToArray");
        using var c = Contiguous();
        return c.AsSpan<T>().ToArray();
    }

    /// <summary>The value of a one-element tensor.</summary>
    public T Item<T>() where T : unmanaged
    {
        if (NumElements != 1) throw new InvalidOperationException($"Item: tensor of shape {Shape} has {NumElements} elements, expected 1.");
        CheckElementType<T>("Item");
        return RawArray<T>()[Offset];
    }

    /// <summary>The value of a one-element tensor as a double, whatever the dtype.</summary>
    public double ToDouble()
    {
        if (NumElements != 1) throw new InvalidOperationException($"ToDouble: tensor of shape {Shape} has {NumElements} elements, expected 1.");
        using var f = To(DType.Float64);
        return f.RawArray<double>()[f.Offset];
    }

    /// <summary>All elements converted to float, row-major.</summary>
    public float[] ToFloatArray()
    {
        using var f = To(DType.Float32);
        return f.ToArray<float>();
    }

    private void CheckElementType<T>(string op) where T : unmanaged
    {
        if (Storage is not Storage<T>) throw new InvalidOperationException($"{op}<{typeof(T).Name}>: tensor has dtype {DTypes.Name(DType)}, stored as {DTypes.ClrType(DType).Name}.");
    }

    internal void ThrowIfDisposed()
    {
        if (_disposed) throw new ObjectDisposedException("Tensor", $"Tensor of shape {Shape} was disposed (by its owner or its TensorScope).");
    }

    /// <summary>Bumps the version counter after an in-place write.</summary>
    internal void MarkModified() => Storage.Version++;

    /// <summary>
    /// Releases this tensor's hold on its storage; the buffer returns to the pool when no view uses it. A tensor that
    /// autograd saved for a pending backward stays alive until that graph is freed, so disposing an op's temporary
    /// never breaks <see cref="Backward"/>.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (_pins > 0)
        {
            _disposePending = true;
            return;
        }
        _disposed = true;
        Storage.Release();
    }

    /// <summary>Disposes now even if a graph saved this tensor (the end of a <see cref="Memory.TensorScope"/>).</summary>
    internal void ForceDispose()
    {
        _pins = 0;
        Dispose();
    }

    private int _pins;
    private bool _disposePending;

    /// <summary>Called by a graph node that saves this tensor for its backward.</summary>
    internal void Pin() => Interlocked.Increment(ref _pins);

    /// <summary>Called when that node is freed; completes a Dispose that waited for it.</summary>
    internal void Unpin()
    {
        if (Interlocked.Decrement(ref _pins) <= 0 && _disposePending) Dispose();
    }

    // ---------------------------------------------------------------- construction helpers

    /// <summary>A new, contiguous, uninitialised tensor.</summary>
    internal static Tensor Empty(Shape shape, DType dtype) =>
        new(Storage.Allocate(dtype, shape.NumElements, zero: false), shape.ToArray(), shape.ContiguousStrides(), 0);

    /// <summary>A view of the same storage with new geometry.</summary>
    internal Tensor View(int[] shape, int[] strides, int offset)
    {
        ThrowIfDisposed();
        Storage.AddRef();
        return new Tensor(Storage, shape, strides, offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CheckSameDevice(string op, Tensor a, Tensor b)
    {
        if (a.Device != b.Device) throw new ArgumentException($"{op}: tensors are on different devices ({a.Device} and {b.Device}).");
    }
}
