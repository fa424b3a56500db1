// A convolution's weights in the form a device's kernels multiply fastest, prepared once for inference and reused
// while the weights stay the same (same storage, same version, same SIMD level). On the CPU: one packed GEMM A per
// group (Kernels/Cpu/Gemm/SgemmPrepacked.cs), and for 3x3 stride-1 layers the 36 Winograd-transformed matrices
// (Kernels/Cpu/Convolution/Winograd.cs); a layer may use both when its input size changes. A layer keeps its packs;
// any in-place write to the weights (an optimizer step, a loaded state dict) bumps the storage version and the next
// call packs again.
using Fovea.Kernels.Cpu;

namespace Fovea.Kernels;

internal sealed class ConvWeightPack : IDisposable
{
    private readonly Cached<PackedA?[]> _gemm = new(packs => { foreach (var p in packs) p?.Dispose(); });
    private readonly Cached<WinogradWeights> _winograd = new(u => u.Dispose());

    /// <summary>The packed A of each group for weights <paramref name="w"/> (float32, contiguous), packing them if they changed.</summary>
    public PackedA?[] For(Tensor w, ConvGeometry g)
    {
        lock (this)
            return _gemm.Get(w, g.Groups, () =>
            {
                var data = w.RawArray<float>();
                int og = g.OPerGroup, rows = g.ColRows;
                var groups = new PackedA?[g.Groups];
                for (int gi = 0; gi < g.Groups; gi++)
                    groups[gi] = PackedA.Create(false, og, rows, data.AsSpan(w.Offset + gi * og * rows, og * rows), rows);
                return groups;
            });
    }

    /// <summary>The Winograd-transformed weights of a 3x3 single-group convolution (Kernels/Cpu/Convolution/Winograd.cs).</summary>
    public WinogradWeights Winograd(Tensor w, ConvGeometry g)
    {
        lock (this)
            return _winograd.Get(w, -1, () => Cpu.Winograd.Pack(w.RawArray<float>().AsSpan(w.Offset, g.O * g.C * 9), g.O, g.C));
    }

    public void Dispose()
    {
        _gemm.Dispose();
        _winograd.Dispose();
    }

    // One pack and the weights it was made from (key: what else it depends on, the group count for GEMM packs).
    private sealed class Cached<T>(Action<T> free) : IDisposable where T : class
    {
        private Storage? _storage;
        private int _version, _offset, _key;
        private SimdLevel _level;
        private T? _pack;

        public T Get(Tensor w, int key, Func<T> pack)
        {
            if (_pack != null && _storage == w.Storage && _version == w.Storage.Version && _offset == w.Offset && _level == Sgemm.Level && _key == key)
                return _pack;
            Dispose();
            var made = pack();
            (_storage, _version, _offset, _level, _key, _pack) = (w.Storage, w.Storage.Version, w.Offset, Sgemm.Level, key, made);
            return made;
        }

        public void Dispose()
        {
            if (_pack != null) free(_pack);
            _pack = null;
            _storage = null;
        }
    }
}
