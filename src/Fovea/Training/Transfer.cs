// Transfer learning: start from pretrained weights (a classifier head of another size is left freshly initialised) and
// freeze the backbone so only the head trains.
using Fovea.IO;
using Fovea.IO.PyTorch;
using Fovea.NN;

namespace Fovea.Training;

public static class Transfer
{
    /// <summary>
    /// Loads .safetensors or PyTorch .pth/.pt weights into <paramref name="model"/>; keys whose shape differs (a new head)
    /// keep their fresh values. Returns the keys that were not loaded.
    /// </summary>
    public static IReadOnlyList<string> LoadPretrained(Module model, string path, bool quiet = false)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--pretrained: no such file '{path}'.", path);
        var weights = path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? SafeTensors.Load(path) : TorchFile.LoadStateDict(path);
        var own = model.StateDict();
        var usable = weights.Where(kv => own.TryGetValue(kv.Key, out var t) && t.Shape == kv.Value.Shape).ToDictionary(kv => kv.Key, kv => kv.Value);
        if (usable.Count == 0) throw new InvalidDataException($"{path}: none of its {weights.Count} tensors matches the model's names and shapes.");
        model.LoadStateDict(usable, strict: false);
        var skipped = own.Keys.Where(k => !usable.ContainsKey(k)).ToList();
        if (!quiet) Console.WriteLine($"loaded {usable.Count} of {own.Count} tensors from {path}" + (skipped.Count > 0 ? $"; kept fresh: {string.Join(", ", skipped.Take(6))}{(skipped.Count > 6 ? " ..." : "")}" : ""));
        return skipped;
    }

    /// <summary>The name of the model's classifier head: its last Linear layer's module path (or the classifier chain around it).</summary>
    public static string HeadName(Module model)
    {
        string name = model.NamedModules().LastOrDefault(m => m.Module is Linear).Name ?? throw new InvalidOperationException($"{model.GetType().Name}: no Linear classifier head found.");
        int dot = name.LastIndexOf('.');
        return dot > 0 && model.GetSubmodule(name[..dot]) is ClassifierChainHead ? name[..dot] : name;
    }

    /// <summary>"backbone" freezes everything but the head; "none" unfreezes everything.</summary>
    public static void Freeze(Module model, string what)
    {
        switch (what)
        {
            case "backbone":
                string head = HeadName(model);
                model.Freeze();
                model.Unfreeze(head);
                break;
            case "none":
                model.Unfreeze();
                break;
            default:
                throw new ArgumentException($"--freeze: expected 'backbone' or 'none', got '{what}'.");
        }
    }
}
