// A resumable training checkpoint in one .safetensors file: "model.*" weights and buffers, "optim.*" optimizer
// state, and metadata for the epoch, step, scheduler position, random-generator states and the model's
// configuration. Written atomically (temp file + rename), so an interrupted save never corrupts the last one.
using System.Globalization;
using Fovea.IO;
using Fovea.NN;
using Fovea.Optim;
using Fovea.Random;

namespace Fovea.Training;

/// <summary>Everything needed to continue a training run exactly where it stopped.</summary>
public sealed class Checkpoint
{
    public required IReadOnlyDictionary<string, Tensor> Model { get; init; }
    public IReadOnlyDictionary<string, Tensor> Optimizer { get; init; } = new Dictionary<string, Tensor>();
    public int Epoch { get; init; }
    public long Step { get; init; }
    public int? SchedulerEpoch { get; init; }
    /// <summary>Free-form configuration (e.g. the JSON of the run's options) to rebuild the model.</summary>
    public string Config { get; init; } = "";
    /// <summary>Generator states by name; "default" is this thread's <see cref="Generator.Default"/>.</summary>
    public IReadOnlyDictionary<string, (ulong Seed, ulong Counter)> Generators { get; init; } = new Dictionary<string, (ulong, ulong)>();
    /// <summary>Other tensors a trainer keeps (e.g. "ema.*" weight averages), saved as "extra.*".</summary>
    public IReadOnlyDictionary<string, Tensor> Extra { get; init; } = new Dictionary<string, Tensor>();
    /// <summary>Other scalar state (best metric, early-stopping counters ...), saved as "meta.*" strings.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Captures the state of a run.</summary>
    public static Checkpoint Capture(Module model, Optimizer? optimizer = null, LrScheduler? scheduler = null, int epoch = 0, long step = 0,
        string config = "", IReadOnlyDictionary<string, Generator>? generators = null, IReadOnlyDictionary<string, Tensor>? extra = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var gens = new Dictionary<string, (ulong, ulong)> { ["default"] = (Generator.Default.Seed, Generator.Default.Counter) };
        if (generators != null) foreach (var (k, g) in generators) gens[k] = (g.Seed, g.Counter);
        return new Checkpoint
        {
            Model = model.StateDict(),
            Optimizer = optimizer?.StateDict() ?? new Dictionary<string, Tensor>(),
            Epoch = epoch,
            Step = step,
            SchedulerEpoch = scheduler?.LastEpoch,
            Config = config,
            Generators = gens,
            Extra = extra ?? new Dictionary<string, Tensor>(),
            Metadata = metadata ?? new Dictionary<string, string>(),
        };
    }

    /// <summary>Writes the checkpoint atomically.</summary>
    public void Save(string path)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (k, t) in Model) tensors["model." + k] = t;
        foreach (var (k, t) in Optimizer) tensors["optim." + k] = t;
        foreach (var (k, t) in Extra) tensors["extra." + k] = t;
        var meta = new Dictionary<string, string>
        {
            ["format"] = "fovea.checkpoint.v1",
            ["epoch"] = Epoch.ToString(CultureInfo.InvariantCulture),
            ["step"] = Step.ToString(CultureInfo.InvariantCulture),
            ["config"] = Config,
        };
        if (SchedulerEpoch is int se) meta["scheduler_epoch"] = se.ToString(CultureInfo.InvariantCulture);
        foreach (var (k, v) in Metadata) meta["meta." + k] = v;
        foreach (var (name, (seed, counter)) in Generators)
            meta["rng." + name] = string.Create(CultureInfo.InvariantCulture, $"{seed}:{counter}");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        SafeTensors.Save(path, tensors, meta);
    }

    /// <summary>Reads a checkpoint written by <see cref="Save"/>.</summary>
    public static Checkpoint Load(string path)
    {
        var tensors = SafeTensors.Load(path, out var meta);
        if (!meta.TryGetValue("format", out var fmt) || fmt != "fovea.checkpoint.v1")
            throw new InvalidDataException($"{path}: not a Fovea training checkpoint (metadata 'format' is '{fmt ?? "missing"}'); to load bare weights use SafeTensors.Load.");
        var gens = new Dictionary<string, (ulong, ulong)>();
        foreach (var (k, v) in meta.Where(m => m.Key.StartsWith("rng.", StringComparison.Ordinal)))
        {
            var parts = v.Split(':');
            gens[k[4..]] = (ulong.Parse(parts[0], CultureInfo.InvariantCulture), ulong.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        return new Checkpoint
        {
            Model = tensors.Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[6..], kv => kv.Value),
            Optimizer = tensors.Where(kv => kv.Key.StartsWith("optim.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[6..], kv => kv.Value),
            Epoch = int.Parse(meta["epoch"], CultureInfo.InvariantCulture),
            Step = long.Parse(meta["step"], CultureInfo.InvariantCulture),
            SchedulerEpoch = meta.TryGetValue("scheduler_epoch", out var se) ? int.Parse(se, CultureInfo.InvariantCulture) : null,
            Config = meta.GetValueOrDefault("config", ""),
            Generators = gens,
            Extra = tensors.Where(kv => kv.Key.StartsWith("extra.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[6..], kv => kv.Value),
            Metadata = meta.Where(kv => kv.Key.StartsWith("meta.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[5..], kv => kv.Value),
        };
    }

    /// <summary>
    /// Puts the saved state back into a freshly built model, optimizer and scheduler, and restores the default
    /// generator and any named <paramref name="generators"/>.
    /// </summary>
    public void Restore(Module model, Optimizer? optimizer = null, LrScheduler? scheduler = null, IReadOnlyDictionary<string, Generator>? generators = null)
    {
        model.LoadStateDict(Model);
        if (optimizer != null && Optimizer.Count > 0) optimizer.LoadStateDict(Optimizer);
        if (scheduler != null && SchedulerEpoch is int se) scheduler.Load(se);
        if (Generators.TryGetValue("default", out var d)) { Generator.Default.Seed = d.Seed; Generator.Default.Counter = d.Counter; }
        if (generators != null)
            foreach (var (k, g) in generators)
                if (Generators.TryGetValue(k, out var s)) { g.Seed = s.Seed; g.Counter = s.Counter; }
    }
}
