// Loads files written by torch.save (the zip format of PyTorch >= 1.6): "<name>/data.pkl" is a pickle whose
// persistent ids point at raw storages "<name>/data/<key>". Only tensors, OrderedDicts and plain Python values
// are rebuilt; the pickle's globals are checked against an allow-list first (see PickleReader).
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Fovea.IO.PyTorch;

/// <summary>Reads PyTorch checkpoints (.pt / .pth) safely.</summary>
public static class TorchFile
{
    private static readonly Dictionary<string, DType> StorageTypes = new()
    {
        ["FloatStorage"] = DType.Float32, ["DoubleStorage"] = DType.Float64, ["HalfStorage"] = DType.Float16,
        ["BFloat16Storage"] = DType.BFloat16, ["LongStorage"] = DType.Int64, ["IntStorage"] = DType.Int32,
        ["ShortStorage"] = DType.Int32, ["CharStorage"] = DType.Int8, ["ByteStorage"] = DType.UInt8, ["BoolStorage"] = DType.Bool,
    };

    private static readonly HashSet<string> AllowedCalls =
    [
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state", "torch.Size", "builtins.set", "builtins.frozenset", "builtins.slice",
    ];

    /// <summary>The raw bytes of one storage, typed.</summary>
    private sealed record RawStorage(DType DType, byte[] Bytes, bool Int16);

    private static bool Allow(PickleGlobal g) =>
        AllowedCalls.Contains(g.ToString()) || (g.Module == "torch" && StorageTypes.ContainsKey(g.Name));

    /// <summary>Loads the whole object saved by torch.save: dictionaries, lists, tuples, numbers, strings and tensors.</summary>
    public static object? Load(string path)
    {
        ZipArchive zip;
        try { zip = ZipFile.OpenRead(path); }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not a PyTorch zip checkpoint (torch.save since 1.6 writes a zip archive; legacy tar/pickle files are not supported): {e.Message}", e);
        }
        using (zip)
        {
            var pkl = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl")
                ?? throw new InvalidDataException($"{path}: zip archive has no data.pkl entry; not a torch.save file.");
            string prefix = pkl.FullName[..^"data.pkl".Length];
            var storages = new Dictionary<string, RawStorage>();

            object? PersistentLoad(object? pid)
            {
                if (pid is not object?[] { Length: >= 5 } t || t[0] as string != "storage" || t[1] is not PickleGlobal type || t[2] is not string key)
                    throw new InvalidDataException($"{path}: unexpected persistent id in data.pkl (expected ('storage', type, key, location, numel)).");
                if (storages.TryGetValue(key, out var s)) return s;
                var dtype = StorageTypes.TryGetValue(type.Name, out var d) ? d : throw new UnsafePickleException($"{path}: unknown storage type {type}.");
                long numel = Convert.ToInt64(t[4]);
                var entry = zip.GetEntry(prefix + "data/" + key) ?? throw new InvalidDataException($"{path}: storage '{key}' is missing from the archive.");
                int elem = type.Name == "ShortStorage" ? 2 : DTypes.SizeOf(dtype);
                if (entry.Length != numel * elem)
                    throw new InvalidDataException($"{path}: storage '{key}' declares {numel} elements of {type.Name} ({numel * elem} bytes), the archive holds {entry.Length} bytes.");
                var bytes = new byte[entry.Length];
                using (var es = entry.Open()) es.ReadExactly(bytes);
                return storages[key] = new RawStorage(dtype, bytes, type.Name == "ShortStorage");
            }

            object? Reduce(PickleCall call) => call.Callable.ToString() switch
            {
                "collections.OrderedDict" => new Dictionary<object, object?>(),
                "torch._utils._rebuild_tensor_v2" => RebuildTensor(call.Args, path),
                "torch._utils._rebuild_parameter" or "torch._utils._rebuild_parameter_with_state" => call.Args[0],
                "torch.Size" => call.Args.Length > 0 ? call.Args[0] : Array.Empty<object?>(),
                _ => call.Args.Length > 0 ? call.Args[0] : null,
            };

            byte[] data;
            using (var ps = pkl.Open())
            using (var ms = new MemoryStream())
            {
                ps.CopyTo(ms);
                data = ms.ToArray();
            }
            return new PickleReader(data, path, Allow, PersistentLoad, Reduce).Load();
        }
    }

    /// <summary>
    /// Loads a state dict: the top-level dictionary of tensors, or the one under "state_dict", "model_state_dict" or
    /// "model" when the file is a full training checkpoint. Nested dictionaries are flattened with dots.
    /// </summary>
    public static Dictionary<string, Tensor> LoadStateDict(string path)
    {
        var obj = Load(path);
        if (obj is not Dictionary<object, object?> top) throw new InvalidDataException($"{path}: expected a dictionary of tensors, found {Describe(obj)}.");
        foreach (var key in new[] { "state_dict", "model_state_dict", "model" })
            if (top.TryGetValue(key, out var inner) && inner is Dictionary<object, object?> d && !top.Values.All(v => v is Tensor))
                return Flatten(d, path);
        return Flatten(top, path);
    }

    private static Dictionary<string, Tensor> Flatten(Dictionary<object, object?> d, string path, string prefix = "", Dictionary<string, Tensor>? into = null)
    {
        into ??= [];
        foreach (var (k, v) in d)
        {
            string name = prefix + k;
            switch (v)
            {
                case Tensor t: into[name] = t; break;
                case Dictionary<object, object?> sub: Flatten(sub, path, name + ".", into); break;
                default: break; // non-tensor entries (e.g. "epoch") are not weights
            }
        }
        if (into.Count == 0) throw new InvalidDataException($"{path}: the dictionary holds no tensors.");
        return into;
    }

    private static string Describe(object? o) => o switch
    {
        null => "None",
        Tensor t => $"a tensor of shape {t.Shape}",
        List<object?> l => $"a list of {l.Count} items",
        object?[] a => $"a tuple of {a.Length} items",
        _ => o.GetType().Name,
    };

    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    private static Tensor RebuildTensor(object?[] args, string path)
    {
        if (args.Length < 4 || args[0] is not RawStorage s) throw new InvalidDataException($"{path}: malformed _rebuild_tensor_v2 call.");
        long offset = Convert.ToInt64(args[1]);
        var size = ((object?[])args[2]!).Select(Convert.ToInt64).ToArray();
        var stride = ((object?[])args[3]!).Select(Convert.ToInt64).ToArray();
        int elem = s.Int16 ? 2 : DTypes.SizeOf(s.DType);
        long numel = s.Bytes.Length / elem;
        if (size.Length != stride.Length || size.Any(v => v < 0 || v > int.MaxValue) || stride.Any(v => v < 0) || offset < 0)
            throw new InvalidDataException($"{path}: tensor with invalid size ({string.Join(", ", size)}) / stride ({string.Join(", ", stride)}) / offset {offset}.");
        long last = offset;
        bool empty = size.Any(v => v == 0);
        for (int i = 0; i < size.Length; i++) last += (size[i] - 1) * stride[i];
        if (!empty && (last >= numel || offset >= numel))
            throw new InvalidDataException($"{path}: tensor of size ({string.Join(", ", size)}) at offset {offset} reaches element {last}, beyond its storage of {numel} elements.");
        var flat = StorageTensor(s);
        using (flat)
        using (var view = flat.View(size.Select(v => (int)v).ToArray(), stride.Select(v => (int)v).ToArray(), (int)offset))
            return view.Contiguous().Detach();
    }

    private static Tensor StorageTensor(RawStorage s)
    {
        var b = s.Bytes;
        if (s.Int16) return Tensor.FromArray(MemoryMarshal.Cast<byte, short>(b).ToArray().Select(v => (int)v).ToArray());
        return s.DType switch
        {
            DType.Float32 => Tensor.Wrap(MemoryMarshal.Cast<byte, float>(b).ToArray()),
            DType.Float64 => Tensor.Wrap(MemoryMarshal.Cast<byte, double>(b).ToArray()),
            DType.Float16 => Tensor.Wrap(MemoryMarshal.Cast<byte, Half>(b).ToArray()),
            DType.BFloat16 => Tensor.Wrap(MemoryMarshal.Cast<byte, BFloat16>(b).ToArray()),
            DType.Int64 => Tensor.Wrap(MemoryMarshal.Cast<byte, long>(b).ToArray()),
            DType.Int32 => Tensor.Wrap(MemoryMarshal.Cast<byte, int>(b).ToArray()),
            DType.Int8 => Tensor.Wrap(MemoryMarshal.Cast<byte, sbyte>(b).ToArray()),
            DType.UInt8 => Tensor.Wrap((byte[])b.Clone()),
            _ => Tensor.Wrap(b.Select(x => x != 0).ToArray()),
        };
    }
}
