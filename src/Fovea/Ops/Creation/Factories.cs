// Tensor factories: filled tensors, ranges, identity, and tensors from .NET arrays.
using Fovea.Kernels;
using Fovea.Kernels.Cpu;

namespace Fovea;

public sealed partial class Tensor
{
    /// <summary>An uninitialised tensor (contents undefined).</summary>
    public static Tensor Empty(int[] shape, DType dtype = DType.Float32) => Empty(new Shape(shape), dtype);

    /// <summary>A tensor of zeros: <c>Tensor.Zeros([2, 3])</c>.</summary>
    public static Tensor Zeros(int[] shape, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        var s = new Shape(shape);
        var t = new Tensor(Storage.Allocate(dtype, s.NumElements, zero: true), s.ToArray(), s.ContiguousStrides(), 0);
        if (requiresGrad) t.RequiresGrad = true;
        return t;
    }

    public static Tensor Ones(int[] shape, DType dtype = DType.Float32, bool requiresGrad = false) => Full(shape, 1.0, dtype, requiresGrad);

    /// <summary>A tensor with every element equal to <paramref name="value"/>.</summary>
    public static Tensor Full(int[] shape, double value, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        var t = Empty(new Shape(shape), dtype);
        t.FillInPlace(value);
        if (requiresGrad) t.RequiresGrad = true;
        return t;
    }

    public static Tensor ZerosLike(Tensor t) => Zeros(t.ShapeArray, t.DType);
    public static Tensor OnesLike(Tensor t) => Ones(t.ShapeArray, t.DType);
    public static Tensor FullLike(Tensor t, double value) => Full(t.ShapeArray, value, t.DType);
    public static Tensor EmptyLike(Tensor t) => Empty(t.Shape, t.DType);

    /// <summary>A zero-dimensional tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full([], value, dtype);

    /// <summary>Values start, start+step, ... below end (like torch.arange).</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Int64)
    {
        if (step == 0) throw new ArgumentException("Arange: step must be nonzero.", nameof(step));
        int n = (int)Math.Max(0, Math.Ceiling((end - start) / step));
        var t = Empty(new Shape(n), dtype);
        var tmp = new double[n];
        for (int i = 0; i < n; i++) tmp[i] = start + i * step;
        using var src = FromArray(tmp, n);
        ElementwiseKernels.For(t.Device).Copy(src, t);
        return t;
    }

    /// <summary>Values 0, 1, ..., end-1.</summary>
    public static Tensor Arange(int end, DType dtype = DType.Int64) => Arange(0, end, 1, dtype);

    /// <summary><paramref name="steps"/> evenly spaced values from start to end inclusive.</summary>
    public static Tensor Linspace(double start, double end, int steps, DType dtype = DType.Float32)
    {
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), $"Linspace: steps must be >= 0, got {steps}.");
        var tmp = new double[steps];
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        // Like PyTorch, the second half counts back from the end so both endpoints are exact.
        for (int i = 0; i < steps; i++) tmp[i] = i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step;
        using var src = FromArray(tmp, steps);
        return src.To(dtype);
    }

    /// <summary>An n x m matrix with ones on the diagonal.</summary>
    public static Tensor Eye(int n, int? m = null, DType dtype = DType.Float32)
    {
        int cols = m ?? n;
        var t = Zeros([n, cols], dtype);
        using var one = Scalar(1, dtype);
        for (int i = 0; i < Math.Min(n, cols); i++) ElementwiseKernels.For(t.Device).Copy(one, t.View([], [], i * cols + i));
        return t;
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape (default: 1-D).</summary>
    public static Tensor FromArray<T>(T[] data, params int[] shape) where T : unmanaged
    {
        var s = shape.Length == 0 && data.Length != 1 ? new Shape(data.Length) : new Shape(shape);
        if (s.NumElements != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} elements do not fill shape {s} ({s.NumElements} elements).", nameof(shape));
        var t = Empty(s, DTypes.Of<T>());
        data.CopyTo(t.AsSpan<T>());
        return t;
    }

    /// <summary>A 1-D float32 tensor from values: <c>Tensor.From(1f, 2f, 3f)</c>.</summary>
    public static Tensor From(params float[] data) => FromArray(data, data.Length);

    /// <summary>A 2-D tensor from a rectangular array.</summary>
    public static Tensor FromArray<T>(T[,] data) where T : unmanaged
    {
        int r = data.GetLength(0), c = data.GetLength(1);
        var flat = new T[r * c];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < c; j++) flat[i * c + j] = data[i, j];
        return FromArray(flat, r, c);
    }

    /// <summary>Wraps <paramref name="data"/> without copying: the tensor and the array share memory.</summary>
    public static Tensor Wrap<T>(T[] data, params int[] shape) where T : unmanaged
    {
        var s = shape.Length == 0 && data.Length != 1 ? new Shape(data.Length) : new Shape(shape);
        if (s.NumElements != data.Length)
            throw new ArgumentException($"Wrap: {data.Length} elements do not fill shape {s}.", nameof(shape));
        return new Tensor(new Storage<T>(data), s.ToArray(), s.ContiguousStrides(), 0);
    }

    /// <summary>Sets every element to <paramref name="value"/> (in place, not recorded by autograd).</summary>
    public Tensor FillInPlace(double value)
    {
        ThrowIfDisposed();
        var src = new Tensor(ScalarStorage(value, DType), [], [], 0);
        TensorScopeUntrack(src);
        ElementwiseKernels.For(Device).Copy(src, this);
        MarkModified();
        return this;
    }

    private static Storage ScalarStorage(double value, DType dtype) => dtype switch
    {
        DType.Float32 => new Storage<float>([(float)value]),
        DType.Float64 => new Storage<double>([value]),
        DType.Int32 => new Storage<int>([CopyKernels.FromDouble<int>(value)]),
        DType.Int64 => new Storage<long>([CopyKernels.FromDouble<long>(value)]),
        DType.UInt8 => new Storage<byte>([CopyKernels.FromDouble<byte>(value)]),
        DType.Int8 => new Storage<sbyte>([CopyKernels.FromDouble<sbyte>(value)]),
        DType.Bool => new Storage<bool>([value != 0]),
        DType.Float16 => new Storage<Half>([(Half)value]),
        DType.BFloat16 => new Storage<BFloat16>([(BFloat16)(float)value]),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    private static void TensorScopeUntrack(Tensor t) => Memory.TensorScope.Untrack(t);
}
