// A trained classifier loaded back from its run folder (config.json + best.safetensors) or from a weights file with the
// model named explicitly: what `fovea eval` and `fovea predict` use. Multi-label runs also bring their per-label
// thresholds (thresholds.json) and, for classifier chains, the chain head.
using System.Text.Json;
using Fovea.IO;
using Fovea.IO.Onnx;
using Fovea.IO.PyTorch;
using Fovea.Models;
using Fovea.NN;

namespace Fovea.Training;

/// <summary>A model in evaluation mode with what is needed to feed it: class names, input size and normalisation.</summary>
public sealed record TrainedModel(Module Model, string Name, IReadOnlyList<string> Classes, int InChannels, int Height, int Width, double[] Mean, double[] Std)
{
    /// <summary>The dataset the model was trained on (from its run configuration), or null when the file does not say.</summary>
    public string? Dataset { get; init; }

    /// <summary>Whether the model is a multi-label classifier (one sigmoid per label) rather than a softmax over classes.</summary>
    public bool MultiLabel { get; init; }

    /// <summary>Multi-label: the per-label decision thresholds on the sigmoid scores (tuned on validation data; 0.5 when the run has none).</summary>
    public float[]? Thresholds { get; init; }

    /// <summary>Multi-label: "binary-relevance" (independent labels) or "chain" (a <see cref="ClassifierChainHead"/>).</summary>
    public string? LabelStrategy { get; init; }

    /// <summary>The run's configuration (config.json) as JSON text; empty for files that carry none.</summary>
    public string Config { get; init; } = "";

    /// <summary>
    /// Loads a run folder written by `fovea train` (best.safetensors, else last.safetensors) or a .safetensors file whose
    /// metadata holds the run's config.
    /// </summary>
    public static TrainedModel Load(string path) => Load(path, arch: null);

    /// <summary>
    /// Like <see cref="Load(string)"/>, and also an .onnx graph or a PyTorch .pth/.pt state dict of the zoo model
    /// <paramref name="arch"/> (class count and input channels read from the weights). Such files carry no class names
    /// or normalisation: classes are numbered, and inputs use ImageNet's statistics at 224x224 (or the ONNX input's size).
    /// </summary>
    public static TrainedModel Load(string path, string? arch)
    {
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) return FromOnnx(path);
        if (path.EndsWith(".pth", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".pt", StringComparison.OrdinalIgnoreCase)) return FromStateDict(path, arch);
        return FromRun(path);
    }

    private static readonly double[] ImageNetMean = [0.485, 0.456, 0.406], ImageNetStd = [0.229, 0.224, 0.225];

    private static TrainedModel FromOnnx(string path)
    {
        var m = OnnxModule.Load(path);
        var input = m.Model.Graph.Inputs.FirstOrDefault(i => m.InputNames.Contains(i.Name))?.Shape;
        int Dim(int d, int fallback) => input is { } s && s.Count == 4 && s[d].Value is long v ? (int)v : fallback;
        var output = m.Model.Graph.Outputs[0].Shape;
        int classes = output is { Count: 2 } && output[1].Value is long k ? (int)k : 1000;
        int c = Dim(1, 3);
        return new TrainedModel(m, Path.GetFileName(path), Numbered(classes), c, Dim(2, 224), Dim(3, 224),
            c == 3 ? ImageNetMean : [0.5], c == 3 ? ImageNetStd : [0.5]);
    }

    private static TrainedModel FromStateDict(string path, string? arch)
    {
        if (arch == null) throw new ArgumentException($"{path}: a PyTorch state dict holds no architecture; name it with --arch (one of {string.Join(", ", ModelZoo.Names.Select(n => n.Name))}).");
        var state = path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? SafeTensors.Load(path) : TorchFile.LoadStateDict(path);
        var head = state.LastOrDefault(kv => kv.Key.EndsWith("weight", StringComparison.Ordinal) && kv.Value.Rank == 2).Value
            ?? throw new InvalidDataException($"{path}: no classifier weight (a 2-d '*.weight') found.");
        var stem = state.FirstOrDefault(kv => kv.Value.Rank == 4).Value ?? throw new InvalidDataException($"{path}: no convolution weight found.");
        var model = ModelZoo.Create(arch, head.Size(0), stem.Size(1));
        model.LoadStateDict(state);
        model.Eval();
        int c = stem.Size(1);
        return new TrainedModel(model, arch, Numbered(head.Size(0)), c, 224, 224, c == 3 ? ImageNetMean : [0.5], c == 3 ? ImageNetStd : [0.5]);
    }

    private static string[] Numbered(int n) => Enumerable.Range(0, n).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static TrainedModel FromRun(string path)
    {
        string weights = path, configJson;
        if (Directory.Exists(path))
        {
            weights = new[] { "best.safetensors", "last.safetensors" }.Select(f => Path.Combine(path, f)).FirstOrDefault(File.Exists)
                ?? throw new FileNotFoundException($"{path}: no best.safetensors or last.safetensors in this run folder.");
            string cfg = Path.Combine(path, "config.json");
            configJson = File.Exists(cfg) ? File.ReadAllText(cfg) : "";
        }
        else if (!File.Exists(path)) throw new FileNotFoundException($"No such run folder or weights file: '{path}'.", path);
        else configJson = "";
        var state = SafeTensors.Load(weights, out var meta);
        if (meta.GetValueOrDefault("format") == "fovea.checkpoint.v1")
        {
            // A training checkpoint (last.ckpt): its model weights and the run configuration it carries.
            var ck = Checkpoint.Load(weights);
            state = ck.Model.ToDictionary(kv => kv.Key, kv => kv.Value);
            if (configJson.Length == 0) configJson = ck.Config;
        }
        if (configJson.Length == 0) configJson = meta.GetValueOrDefault("config", "");
        if (configJson.Length == 0)
            throw new InvalidDataException($"{weights}: no run configuration found (config.json beside it or 'config' metadata); it was not written by `fovea train`.");
        using var doc = JsonDocument.Parse(configJson);
        var c = doc.RootElement;
        string name = c.GetProperty("model").GetString()!;
        var classes = c.GetProperty("classes").EnumerateArray().Select(e => e.GetString()!).ToArray();
        int inChannels = c.GetProperty("in_channels").GetInt32();
        var size = c.TryGetProperty("image_size", out var s) ? s.EnumerateArray().Select(e => e.GetInt32()).ToArray() : [28, 28];
        double[] Doubles(string key) => c.GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        bool multiLabel = c.TryGetProperty("multi_label", out var ml) && ml.GetBoolean();
        string? strategy = c.TryGetProperty("label_strategy", out var ls) ? ls.GetString() : null;
        var model = ModelZoo.Create(name, classes.Length, inChannels);
        if (strategy == "chain") ClassifierChainHead.Attach(model);
        model.LoadStateDict(state);
        model.Eval();
        return new TrainedModel(model, name, classes, inChannels, size[0], size[1], Doubles("mean"), Doubles("std"))
        {
            Dataset = c.TryGetProperty("dataset", out var d) ? d.GetString() : null,
            MultiLabel = multiLabel,
            LabelStrategy = multiLabel ? strategy ?? "binary-relevance" : null,
            Thresholds = multiLabel ? ReadThresholds(weights, classes) : null,
            Config = configJson,
        };
    }

    // thresholds.json beside the weights (the run folder), else 0.5 for every label.
    private static float[] ReadThresholds(string weights, string[] labels)
    {
        string file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(weights))!, "thresholds.json");
        return File.Exists(file) ? MultiLabelThresholds.Load(file, labels) : Enumerable.Repeat(MultiLabelThresholds.Default, labels.Length).ToArray();
    }
}
