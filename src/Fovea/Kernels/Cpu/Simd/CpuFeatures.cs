// The one place that decides which SIMD width the kernels use. DOTNET_EnableAVX512F=0 / DOTNET_EnableAVX2=0
// make the runtime report less, so every path can be tested on one machine.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Fovea.Kernels.Cpu;

internal enum SimdLevel { Scalar, Avx2, Avx512 }

internal static class CpuFeatures
{
    /// <summary>The widest level with hardware FMA support.</summary>
    public static SimdLevel Best { get; } =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? SimdLevel.Avx512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? SimdLevel.Avx2
        : SimdLevel.Scalar;

    public static string Describe() => Best switch
    {
        SimdLevel.Avx512 => "AVX-512 (Vector512)",
        SimdLevel.Avx2 => "AVX2 + FMA (Vector256)",
        _ => "scalar / Vector128",
    };
}
