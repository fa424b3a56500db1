// Lane masks for AVX-512 masked loads and stores (a lane takes part when its sign bit is set), as the kernels' edge
// chunks use them: the first n lanes of a row's last vector, or a run of lanes inside one.
using System.Runtime.Intrinsics;

namespace Fovea.Kernels.Cpu;

internal static class LaneMask
{
    /// <summary>Lanes 0 .. n - 1 (none for n &lt;= 0, all for n &gt;= 16).</summary>
    public static Vector512<float> First(int n) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n)).AsSingle();

    /// <summary>Lanes from .. to - 1.</summary>
    public static Vector512<float> Range(int from, int to) =>
        (Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(from)) & Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(to))).AsSingle();
}
