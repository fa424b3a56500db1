// The flat buffer behind one or more tensors (views share it). It counts the tensors that use it, returns its
// array to the pool when the last one is disposed, and carries the version counter autograd uses to detect
// in-place changes to saved tensors.
using Fovea.Memory;

namespace Fovea;

/// <summary>A flat, typed buffer shared by a tensor and its views.</summary>
public abstract class Storage
{
    private int _refs = 1;

    public abstract DType DType { get; }
    /// <summary>Number of elements usable in the buffer.</summary>
    public int Length { get; protected init; }
    public Device Device => Device.Cpu;

    /// <summary>Bumped by every in-place write; autograd compares it with the value it saw when saving.</summary>
    public int Version { get; internal set; }

    internal bool IsReleased => Volatile.Read(ref _refs) <= 0;

    internal void AddRef() => Interlocked.Increment(ref _refs);

    internal void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0) Free();
    }

    protected abstract void Free();

    internal static Storage Allocate(DType dtype, int length, bool zero) => dtype switch
    {
        DType.Float32 => new Storage<float>(length, zero),
        DType.Float64 => new Storage<double>(length, zero),
        DType.Int32 => new Storage<int>(length, zero),
        DType.Int64 => new Storage<long>(length, zero),
        DType.UInt8 => new Storage<byte>(length, zero),
        DType.Int8 => new Storage<sbyte>(length, zero),
        DType.Bool => new Storage<bool>(length, zero),
        DType.Float16 => new Storage<Half>(length, zero),
        DType.BFloat16 => new Storage<BFloat16>(length, zero),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };
}

/// <summary>A storage whose elements are of the .NET type <typeparamref name="T"/>.</summary>
public sealed class Storage<T> : Storage where T : unmanaged
{
    private T[] _data;
    private readonly bool _pooled;

    internal Storage(int length, bool zero)
    {
        _data = BufferPool<T>.Rent(length);
        _pooled = true;
        Length = length;
        if (zero) _data.AsSpan(0, length).Clear();
    }

    /// <summary>Wraps an existing array without copying it (the tensor then aliases the caller's array).</summary>
    internal Storage(T[] data)
    {
        _data = data;
        Length = data.Length;
    }

    public override DType DType => DTypes.Of<T>();

    /// <summary>The underlying array (may be longer than <see cref="Storage.Length"/>).</summary>
    internal T[] Array => IsReleased ? throw new ObjectDisposedException("Tensor", "The tensor's storage was released (the tensor or its scope was disposed).") : _data;

    internal Span<T> Span => Array.AsSpan(0, Length);

    protected override void Free()
    {
        if (_pooled) BufferPool<T>.Return(_data);
        _data = [];
    }
}
