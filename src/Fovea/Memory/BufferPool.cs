// Recycles tensor buffers so a training step reuses last step's memory instead of asking the GC for more.
// Buffers are grouped in power-of-two size classes; the pool keeps at most RetainBytes in total (making room by
// letting idle arrays of other sizes go, largest first) and lets the rest go to the garbage collector, which is also
// the safety net for tensors that are never disposed.
using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Fovea.Memory;

/// <summary>A size-classed pool of arrays of <typeparamref name="T"/>.</summary>
internal static class BufferPool<T> where T : unmanaged
{
    private const int MinClass = 6; // 64 elements: smaller tensors are not worth pooling
    private static readonly ConcurrentStack<T[]>[] Classes = Enumerable.Range(0, 32).Select(_ => new ConcurrentStack<T[]>()).ToArray();

    /// <summary>An array of at least <paramref name="length"/> elements; its contents are undefined.</summary>
    public static T[] Rent(int length)
    {
        if (length < (1 << MinClass)) return length == 0 ? [] : GC.AllocateUninitializedArray<T>(length);
        int cls = SizeClass(length);
        if (Classes[cls].TryPop(out var a))
        {
            PoolStats.OnReuse(a.Length * Unsafe.SizeOf<T>());
            return a;
        }
        long size = 1L << cls;
        if (size > Array.MaxLength) size = length;
        return GC.AllocateUninitializedArray<T>((int)size);
    }

    /// <summary>Gives an array back for reuse. The caller must hold no other reference to it.</summary>
    public static void Return(T[] array)
    {
        if (array.Length < (1 << MinClass) || !BitOperations.IsPow2(array.Length)) return;
        long bytes = (long)array.Length * Unsafe.SizeOf<T>();
        int cls = SizeClass(array.Length);
        if (!PoolStats.TryRetain(bytes) && !(Evict(bytes, cls) && PoolStats.TryRetain(bytes))) return;
        Classes[cls].Push(array);
    }

    // Lets idle arrays of other sizes go, largest first, until `bytes` more fit under the limit. Without this, arrays
    // left over from one phase (evaluation's larger batches) would fill the pool and turn away every array the next
    // phase returns, so training would allocate afresh each step.
    private static bool Evict(long bytes, int keep)
    {
        int elementSize = Unsafe.SizeOf<T>();
        for (int c = Classes.Length - 1; c >= MinClass; c--)
        {
            if (c == keep) continue;
            while (PoolStats.RetainedBytes + bytes > PoolStats.RetainBytes && Classes[c].TryPop(out var idle))
                PoolStats.OnReuse((long)idle.Length * elementSize);
            if (PoolStats.RetainedBytes + bytes <= PoolStats.RetainBytes) return true;
        }
        return false;
    }

    private static int SizeClass(int length) => Math.Max(MinClass, 32 - BitOperations.LeadingZeroCount((uint)(length - 1)));
}

/// <summary>Bookkeeping shared by all element types' pools.</summary>
public static class PoolStats
{
    private static long _retained;

    /// <summary>Upper bound on bytes kept idle in the pool (default 2 GiB).</summary>
    public static long RetainBytes { get; set; } = 2L << 30;

    /// <summary>Bytes currently held idle by the pool.</summary>
    public static long RetainedBytes => Interlocked.Read(ref _retained);

    internal static bool TryRetain(long bytes)
    {
        if (Interlocked.Add(ref _retained, bytes) <= RetainBytes) return true;
        Interlocked.Add(ref _retained, -bytes);
        return false;
    }

    internal static void OnReuse(long bytes) => Interlocked.Add(ref _retained, -bytes);
}
