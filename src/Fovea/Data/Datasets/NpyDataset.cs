// Datasets held in NumPy arrays: an .npz archive with an input array and an optional target array (keys "x"
// and "y" by default), or separate .npy files. Item i is row i of each (a copy), so the arrays' first
// dimensions must agree.
using Fovea.IO;
using Fovea.Memory;

namespace Fovea.Data;

/// <summary>A dataset whose items are the rows of NumPy arrays.</summary>
public sealed class NpyDataset : IDataset<TensorSample>
{
    private readonly Tensor _inputs;
    private readonly Tensor? _targets;

    private NpyDataset(Tensor inputs, Tensor? targets, string source)
    {
        if (inputs.Rank == 0) throw new InvalidDataException($"{source}: the input array is a scalar; expected one row per item.");
        if (targets != null && (targets.Rank == 0 || targets.Size(0) != inputs.Size(0)))
            throw new InvalidDataException($"{source}: {(targets.Rank == 0 ? 0 : targets.Size(0))} targets for {inputs.Size(0)} inputs (shapes {targets.Shape} and {inputs.Shape}).");
        _inputs = inputs;
        _targets = targets;
        Source = source;
    }

    /// <summary>Where the arrays came from.</summary>
    public string Source { get; }

    /// <summary>The whole input array.</summary>
    public Tensor Inputs => _inputs;

    /// <summary>The whole target array, when there is one.</summary>
    public Tensor? Targets => _targets;

    public int Count => _inputs.Size(0);

    /// <summary>Reads arrays <paramref name="inputKey"/> and (when present, or required if named explicitly) <paramref name="targetKey"/> of an .npz archive.</summary>
    public static NpyDataset FromNpz(string path, string inputKey = "x", string? targetKey = "y")
    {
        Dictionary<string, Tensor> arrays;
        using (TensorScope.Suspend()) arrays = Npy.LoadArchive(path);
        if (!arrays.TryGetValue(inputKey, out var x))
            throw new InvalidDataException($"{path}: no array '{inputKey}' (has {string.Join(", ", arrays.Keys)}).");
        Tensor? y = null;
        if (targetKey != null && !arrays.TryGetValue(targetKey, out y) && targetKey != "y")
            throw new InvalidDataException($"{path}: no array '{targetKey}' (has {string.Join(", ", arrays.Keys)}).");
        foreach (var (k, t) in arrays) if (k != inputKey && k != targetKey) t.Dispose();
        return new NpyDataset(x, y, path);
    }

    /// <summary>Reads inputs (and optionally targets) from .npy files.</summary>
    public static NpyDataset FromFiles(string inputsPath, string? targetsPath = null)
    {
        using (TensorScope.Suspend())
            return new NpyDataset(Npy.Load(inputsPath), targetsPath == null ? null : Npy.Load(targetsPath), targetsPath == null ? inputsPath : $"{inputsPath} + {targetsPath}");
    }

    /// <summary>Row <paramref name="index"/> of the inputs and targets, as new contiguous tensors.</summary>
    public TensorSample Get(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), $"NpyDataset: index {index} is outside 0..{Count - 1}.");
        return new TensorSample(Row(_inputs, index), _targets == null ? null : Row(_targets, index));
    }

    private static Tensor Row(Tensor t, int index)
    {
        using var view = t.Select(0, index);
        return view.Clone();
    }
}
