// The base of every optimizer: parameter groups with their own hyper-parameters, per-parameter state tensors,
// and a state dict (hyper-parameters + state, keyed by parameter index as in PyTorch) for checkpoints.
using Fovea.Autograd;
using Fovea.Memory;

namespace Fovea.Optim;

/// <summary>A set of parameters sharing hyper-parameters (learning rate, weight decay ...).</summary>
public sealed class ParamGroup
{
    public ParamGroup(IEnumerable<Tensor> parameters, double? learningRate = null, double? weightDecay = null)
    {
        Parameters = parameters.ToList();
        if (learningRate is double lr) Options["lr"] = lr;
        if (weightDecay is double wd) Options["weight_decay"] = wd;
    }

    public List<Tensor> Parameters { get; }

    /// <summary>Hyper-parameters by PyTorch's names ("lr", "momentum", "betas0" ...).</summary>
    public Dictionary<string, double> Options { get; } = [];

    public double LearningRate { get => Options["lr"]; set => Options["lr"] = value; }

    /// <summary>The learning rate this group started with (schedulers scale from it).</summary>
    public double InitialLearningRate { get; internal set; }

    /// <summary>
    /// A factor on the rate of schedules with an absolute peak (<see cref="OneCycleLr"/>), e.g. 0.1 for a pretrained
    /// backbone fine-tuned under a head's schedule; proportional schedules already follow the group's own rate.
    /// </summary>
    public double LearningRateScale { get; set; } = 1;
}

/// <summary>Updates parameters from their gradients, like torch.optim.Optimizer.</summary>
public abstract class Optimizer
{
    private readonly Dictionary<Tensor, Dictionary<string, Tensor>> _state = new(ReferenceEqualityComparer.Instance);

    protected Optimizer(IEnumerable<ParamGroup> groups, Dictionary<string, double> defaults)
    {
        ParamGroups = groups.ToList();
        if (ParamGroups.Count == 0 || ParamGroups.All(g => g.Parameters.Count == 0))
            throw new ArgumentException($"{GetType().Name}: got an empty parameter list.");
        foreach (var g in ParamGroups)
        {
            foreach (var (k, v) in defaults) g.Options.TryAdd(k, v);
            g.InitialLearningRate = g.LearningRate;
        }
    }

    protected static IEnumerable<ParamGroup> OneGroup(IEnumerable<Tensor> parameters) => [new ParamGroup(parameters)];

    public IReadOnlyList<ParamGroup> ParamGroups { get; }

    /// <summary>Number of completed steps.</summary>
    public long StepCount { get; private set; }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        using var _ = GradMode.NoGrad();
        using var __ = TensorScope.Suspend();
        StepCount++;
        foreach (var group in ParamGroups)
            foreach (var p in group.Parameters)
                if (p.Grad != null) Update(p, p.Grad, group, StateOf(p));
    }

    /// <summary>Updates one parameter in place; <paramref name="state"/> persists between steps.</summary>
    protected abstract void Update(Tensor param, Tensor grad, ParamGroup group, Dictionary<string, Tensor> state);

    /// <summary>
    /// Clears the gradients (sets them to null, like set_to_none=True) and releases their buffers to the pool, so the
    /// next backward reuses them instead of allocating (a gradient to keep past this call must be cloned first).
    /// </summary>
    public void ZeroGrad()
    {
        foreach (var g in ParamGroups)
            foreach (var p in g.Parameters)
            {
                p.Grad?.Dispose();
                p.Grad = null;
            }
    }

    private Dictionary<string, Tensor> StateOf(Tensor p)
    {
        if (!_state.TryGetValue(p, out var s)) _state[p] = s = [];
        return s;
    }

    /// <summary>A zero tensor shaped like <paramref name="p"/> stored as state[<paramref name="name"/>] on first use.</summary>
    protected static Tensor Buffer(Dictionary<string, Tensor> state, string name, Tensor p)
    {
        if (!state.TryGetValue(name, out var t)) state[name] = t = Tensor.Zeros(p.Shape.ToArray(), p.DType);
        return t;
    }

    // ------------------------------------------------------------------ checkpoints

    /// <summary>
    /// The optimizer's state: "state.{index}.{name}" tensors (index = position of the parameter across groups),
    /// "group.{g}.{option}" hyper-parameters and "step", all as tensors so one file format holds everything.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor> { ["step"] = Tensor.Scalar(StepCount, DType.Int64) };
        int index = 0;
        for (int gi = 0; gi < ParamGroups.Count; gi++)
        {
            var g = ParamGroups[gi];
            foreach (var (k, v) in g.Options) d[$"group.{gi}.{k}"] = Tensor.Scalar(v, DType.Float64);
            d[$"group.{gi}.initial_lr"] = Tensor.Scalar(g.InitialLearningRate, DType.Float64);
            foreach (var p in g.Parameters)
            {
                if (_state.TryGetValue(p, out var s))
                    foreach (var (name, t) in s) d[$"state.{index}.{name}"] = t;
                index++;
            }
        }
        return d;
    }

    /// <summary>Restores what <see cref="StateDict"/> saved (state tensors are copied).</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> d)
    {
        if (!d.TryGetValue("step", out var step)) throw new InvalidDataException($"{GetType().Name}.LoadStateDict: no 'step' entry; not an optimizer state dict.");
        var all = ParamGroups.SelectMany(g => g.Parameters).ToList();
        foreach (var key in d.Keys.Where(k => k.StartsWith("state.", StringComparison.Ordinal)))
        {
            var parts = key.Split('.', 3);
            int i = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            if (i >= all.Count) throw new InvalidDataException($"{GetType().Name}.LoadStateDict: state for parameter {i}, but the optimizer has {all.Count} parameters.");
            if (d[key].Rank > 0 && d[key].Shape != all[i].Shape) throw new InvalidDataException($"{GetType().Name}.LoadStateDict: {key} has shape {d[key].Shape}, parameter {i} has {all[i].Shape}.");
        }
        using var _ = TensorScope.Suspend();
        StepCount = (long)step.ToDouble();
        _state.Clear();
        for (int gi = 0; gi < ParamGroups.Count; gi++)
        {
            foreach (var key in d.Keys.Where(k => k.StartsWith($"group.{gi}.", StringComparison.Ordinal)))
            {
                string option = key[$"group.{gi}.".Length..];
                if (option == "initial_lr") ParamGroups[gi].InitialLearningRate = d[key].ToDouble();
                else ParamGroups[gi].Options[option] = d[key].ToDouble();
            }
        }
        foreach (var (key, t) in d)
        {
            if (!key.StartsWith("state.", StringComparison.Ordinal)) continue;
            var parts = key.Split('.', 3);
            var p = all[int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)];
            StateOf(p)[parts[2]] = t.Clone().Detach();
        }
    }
}
