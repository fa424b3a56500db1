// A trained classifier loaded back from its run folder (config.json + best.safetensors) or from a weights file with the
// model named explicitly: what `fovea eval` and `fovea predict` use.
using System.Text.Json;
using Fovea.IO;
using Fovea.Models;
using Fovea.NN;

namespace Fovea.Training;

/// <summary>A model in evaluation mode with what is needed to feed it: class names, input size and normalisation.</summary>
public sealed record TrainedModel(Module Model, string Name, IReadOnlyList<string> Classes, int InChannels, int Height, int Width, double[] Mean, double[] Std)
{
    /// <summary>
    /// Loads a run folder written by `fovea train` (best.safetensors, else last.safetensors) or a .safetensors file whose
    /// metadata holds the run's config.
    /// </summary>
    public static TrainedModel Load(string path)
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
        var model = ModelZoo.Create(name, classes.Length, inChannels);
        model.LoadStateDict(state);
        model.Eval();
        return new TrainedModel(model, name, classes, inChannels, size[0], size[1], Doubles("mean"), Doubles("std"));
    }
}
