// What Fovea runs on: the public view of the hardware path the kernels chose (for `fovea info`, logs, benchmarks).
using Fovea.Kernels.Cpu;

namespace Fovea.Runtime;

public static class SystemInfo
{
    /// <summary>The SIMD instruction set the CPU kernels use, e.g. "AVX-512 (Vector512)".</summary>
    public static string SimdPath => CpuFeatures.Describe();

    /// <summary>The Fovea library version.</summary>
    public static string Version => typeof(Tensor).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}
