// A convolution's weights in the form a device's kernels multiply fastest, prepared once for inference and reused
// while the weights stay the same (same storage, same version, same SIMD level). On the CPU: one packed GEMM A per
// group (Kernels/Cpu/Gemm/SgemmPrepacked.cs). A layer keeps its pack; any in-place write to the weights (an optimizer
// step, a loaded state dict) bumps the storage version and the next call packs again.
using Fovea.Kernels.Cpu;

namespace Fovea.Kernels;

internal sealed class ConvWeightPack : IDisposable
{
    private Storage? _storage;
    private int _version, _offset;
    private SimdLevel _level;
    private PackedA?[] _groups = [];

    /// <summary>The packed A of each group for weights <paramref name="w"/> (float32, contiguous), packing them if they changed.</summary>
    public PackedA?[] For(Tensor w, ConvGeometry g)
    {
        lock (this)
        {
            if (_storage == w.Storage && _version == w.Storage.Version && _offset == w.Offset && _level == Sgemm.Level && _groups.Length == g.Groups)
                return _groups;
            Dispose();
            var data = w.RawArray<float>();
            int og = g.OPerGroup, rows = g.ColRows;
            var groups = new PackedA?[g.Groups];
            for (int gi = 0; gi < g.Groups; gi++)
                groups[gi] = PackedA.Create(false, og, rows, data.AsSpan(w.Offset + gi * og * rows, og * rows), rows);
            (_storage, _version, _offset, _level, _groups) = (w.Storage, w.Storage.Version, w.Offset, Sgemm.Level, groups);
            return groups;
        }
    }

    public void Dispose()
    {
        foreach (var p in _groups) p?.Dispose();
        _groups = [];
        _storage = null;
    }
}
