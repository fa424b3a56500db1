// Per-thread scratch arrays of the CPU kernels: each kernel keeps its buffers in [ThreadStatic] fields and grows them
// here, so steady-state calls allocate nothing.
namespace Fovea.Kernels.Cpu;

internal static class ThreadBuffer
{
    /// <summary><paramref name="buf"/> (a [ThreadStatic] field), replaced by a larger uninitialised array when it holds fewer than <paramref name="n"/> elements.</summary>
    public static T[] Grow<T>(ref T[]? buf, long n) => buf is { } b && b.Length >= n ? b : buf = GC.AllocateUninitializedArray<T>(checked((int)n));
}
