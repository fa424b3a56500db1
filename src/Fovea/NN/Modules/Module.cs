// The base of every layer and model: named parameters, buffers and sub-modules, registered explicitly with
// PyTorch's names (so state dicts map one to one onto torchvision's), train/eval mode, freezing, hooks,
// and a readable tree with parameter counts.
using System.Text;
using Fovea.Autograd;
using Fovea.Memory;

namespace Fovea.NN;

/// <summary>
/// A neural-network building block, like torch.nn.Module.
/// <example><code>
/// public sealed class TwoLayer : Module
/// {
///     private readonly Linear _fc1, _fc2;
///     public TwoLayer() { _fc1 = RegisterModule("fc1", new Linear(784, 128)); _fc2 = RegisterModule("fc2", new Linear(128, 10)); }
///     public override Tensor Forward(Tensor x) => _fc2.Forward(_fc1.Forward(x).Relu());
/// }
/// </code></example>
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Tensor? Tensor)> _parameters = [];
    private readonly List<(string Name, Tensor? Tensor, bool Persistent)> _buffers = [];
    private readonly List<(string Name, Module Module)> _modules = [];
    private List<Func<Module, Tensor, Tensor, Tensor?>>? _forwardHooks;

    /// <summary>True in training mode (dropout active, batch norm uses batch statistics).</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Computes the module's output.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Runs <see cref="Forward"/> and then any forward hooks (a hook may replace the output).</summary>
    public Tensor Call(Tensor input)
    {
        var output = Forward(input);
        if (_forwardHooks != null)
            foreach (var hook in _forwardHooks) output = hook(this, input, output) ?? output;
        return output;
    }

    // ------------------------------------------------------------------ registration

    /// <summary>Registers a trainable tensor under <paramref name="name"/>; it is made a leaf that requires gradients.</summary>
    protected Tensor RegisterParameter(string name, Tensor tensor)
    {
        CheckName(name);
        TensorScope.Untrack(tensor);
        if (!tensor.IsLeaf) tensor = tensor.Detach();
        tensor.RequiresGrad = true;
        _parameters.Add((name, tensor));
        return tensor;
    }

    /// <summary>Registers an optional parameter slot that is empty (e.g. a layer built with bias: false).</summary>
    protected void RegisterNullParameter(string name)
    {
        CheckName(name);
        _parameters.Add((name, null));
    }

    /// <summary>Registers state that is saved in the state dict but not trained (running statistics ...).</summary>
    protected Tensor RegisterBuffer(string name, Tensor tensor, bool persistent = true)
    {
        CheckName(name);
        TensorScope.Untrack(tensor);
        _buffers.Add((name, tensor, persistent));
        return tensor;
    }

    /// <summary>Registers a child module; its parameters appear as "<paramref name="name"/>.param".</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        _modules.Add((name, module));
        return module;
    }

    /// <summary>Replaces a registered parameter's tensor (used by loading and dtype casts).</summary>
    protected internal void ReplaceParameter(string name, Tensor tensor)
    {
        int i = _parameters.FindIndex(p => p.Name == name);
        if (i < 0) throw new KeyNotFoundException($"{GetType().Name}: no parameter named '{name}'.");
        _parameters[i] = (name, tensor);
        OnParameterReplaced(name, tensor);
    }

    /// <summary>Replaces a registered child module (e.g. swapping a classifier head for transfer learning).</summary>
    public void ReplaceModule(string name, Module module)
    {
        int i = _modules.FindIndex(m => m.Name == name);
        if (i < 0) throw new KeyNotFoundException($"{GetType().Name}: no sub-module named '{name}'. Sub-modules: {string.Join(", ", _modules.Select(m => m.Name))}.");
        _modules[i] = (name, module);
        OnModuleReplaced(name, module);
    }

    /// <summary>The direct child module registered under <paramref name="name"/>.</summary>
    public Module Child(string name)
    {
        foreach (var (n, m) in _modules) if (n == name) return m;
        throw new KeyNotFoundException($"{GetType().Name}: no sub-module named '{name}'. Sub-modules: {string.Join(", ", _modules.Select(m => m.Name))}.");
    }

    /// <summary>The parameter registered under <paramref name="name"/> (null for an empty slot), for layer properties.</summary>
    protected Tensor? Param(string name)
    {
        foreach (var (n, p) in _parameters) if (n == name) return p;
        throw new KeyNotFoundException($"{GetType().Name}: no parameter named '{name}'.");
    }

    /// <summary>The buffer registered under <paramref name="name"/>, for layer properties.</summary>
    protected Tensor? Buffer(string name)
    {
        foreach (var (n, b, _) in _buffers) if (n == name) return b;
        throw new KeyNotFoundException($"{GetType().Name}: no buffer named '{name}'.");
    }

    /// <summary>Lets a subclass refresh fields that cache a parameter after it is replaced.</summary>
    protected virtual void OnParameterReplaced(string name, Tensor tensor) { }

    /// <summary>Lets a subclass refresh fields that cache a sub-module after it is replaced.</summary>
    protected virtual void OnModuleReplaced(string name, Module module) { }

    internal void ReplaceBuffer(string name, Tensor tensor)
    {
        int i = _buffers.FindIndex(b => b.Name == name);
        var persistent = _buffers[i].Persistent;
        _buffers[i] = (name, tensor, persistent);
        OnBufferReplaced(name, tensor);
    }

    /// <summary>Lets a subclass refresh fields that cache a buffer after it is replaced.</summary>
    protected virtual void OnBufferReplaced(string name, Tensor tensor) { }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{GetType().Name}: invalid member name '{name}' (non-empty, no dots).");
        if (_parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name) || _modules.Any(m => m.Name == name))
            throw new ArgumentException($"{GetType().Name}: a member named '{name}' is already registered.");
    }

    // ------------------------------------------------------------------ traversal

    /// <summary>Direct children with their names.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _modules;

    /// <summary>This module and all descendants with dotted names ("" for this one), depth first.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, m) in _modules)
            foreach (var item in m.NamedModules(prefix.Length == 0 ? name : prefix + "." + name)) yield return item;
    }

    public IEnumerable<Module> Modules() => NamedModules().Select(m => m.Module);

    /// <summary>All parameters with dotted names like "layer1.0.conv1.weight".</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters()
    {
        foreach (var (prefix, m) in NamedModules())
            foreach (var (name, p) in m._parameters)
                if (p != null) yield return (Join(prefix, name), p);
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>All buffers with dotted names.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        foreach (var (prefix, m) in NamedModules())
            foreach (var (name, b, _) in m._buffers)
                if (b != null) yield return (Join(prefix, name), b);
    }

    internal static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>The child module with the dotted <paramref name="path"/> ("layer1.0").</summary>
    public Module GetSubmodule(string path)
    {
        Module m = this;
        if (path.Length == 0) return m;
        foreach (var part in path.Split('.'))
        {
            var next = m._modules.FirstOrDefault(c => c.Name == part).Module;
            m = next ?? throw new KeyNotFoundException($"{GetType().Name}: no sub-module '{path}' (no '{part}' in {m.GetType().Name}; it has {string.Join(", ", m._modules.Select(c => c.Name))}).");
        }
        return m;
    }

    // ------------------------------------------------------------------ modes, freezing, casting

    /// <summary>Sets training mode on this module and all descendants; returns this.</summary>
    public Module Train(bool on = true)
    {
        foreach (var m in Modules()) m.Training = on;
        return this;
    }

    /// <summary>Sets evaluation mode (Train(false)); returns this.</summary>
    public Module Eval() => Train(false);

    /// <summary>Calls <paramref name="fn"/> on every module (children first, like torch's apply); returns this.</summary>
    public Module Apply(Action<Module> fn)
    {
        foreach (var (_, m) in _modules) m.Apply(fn);
        fn(this);
        return this;
    }

    /// <summary>
    /// Stops gradients for the parameters whose dotted names start with any of <paramref name="prefixes"/>
    /// (all parameters when none are given) — the feature-extractor half of transfer learning.
    /// </summary>
    public Module Freeze(params string[] prefixes) => SetRequiresGrad(false, prefixes);

    /// <summary>Re-enables gradients for the matching parameters (progressive unfreezing).</summary>
    public Module Unfreeze(params string[] prefixes) => SetRequiresGrad(true, prefixes);

    private Module SetRequiresGrad(bool value, string[] prefixes)
    {
        int matched = 0;
        foreach (var (name, p) in NamedParameters())
        {
            if (prefixes.Length > 0 && !prefixes.Any(pre => name == pre || name.StartsWith(pre + ".", StringComparison.Ordinal))) continue;
            p.RequiresGrad = value;
            if (!value) p.Grad = null;
            matched++;
        }
        if (prefixes.Length > 0 && matched == 0)
            throw new ArgumentException($"{(value ? "Unfreeze" : "Freeze")}: no parameter matches {string.Join(", ", prefixes)}; parameters start with: {string.Join(", ", NamedParameters().Select(p => p.Name.Split('.')[0]).Distinct())}.");
        return this;
    }

    /// <summary>Converts every floating-point parameter and buffer to <paramref name="dtype"/>; returns this.</summary>
    public Module To(DType dtype)
    {
        using var _ = GradMode.NoGrad();
        using var __ = TensorScope.Suspend();
        foreach (var m in Modules())
        {
            for (int i = 0; i < m._parameters.Count; i++)
            {
                var (name, p) = m._parameters[i];
                if (p == null || !DTypes.IsFloatingPoint(p.DType) || p.DType == dtype) continue;
                var q = p.To(dtype);
                q.RequiresGrad = p.RequiresGrad;
                m.ReplaceParameter(name, q);
            }
            for (int i = 0; i < m._buffers.Count; i++)
            {
                var (name, b, _) = m._buffers[i];
                if (b != null && DTypes.IsFloatingPoint(b.DType) && b.DType != dtype) m.ReplaceBuffer(name, b.To(dtype));
            }
        }
        return this;
    }

    /// <summary>Clears the gradients of all parameters.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }

    // ------------------------------------------------------------------ hooks

    /// <summary>
    /// Registers hook(module, input, output) to run after every <see cref="Call"/>; returning a tensor replaces the
    /// output. Dispose the result to remove the hook.
    /// </summary>
    public IDisposable RegisterForwardHook(Func<Module, Tensor, Tensor, Tensor?> hook)
    {
        (_forwardHooks ??= []).Add(hook);
        return new HookHandle(() => _forwardHooks.Remove(hook));
    }

    private sealed class HookHandle(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }

    // ------------------------------------------------------------------ state dict

    /// <summary>Parameters and persistent buffers by dotted name, like torch's state_dict().</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (prefix, m) in NamedModules())
        {
            foreach (var (name, p) in m._parameters) if (p != null) d[Join(prefix, name)] = p;
            foreach (var (name, b, persistent) in m._buffers) if (b != null && persistent) d[Join(prefix, name)] = b;
        }
        return d;
    }

    /// <summary>
    /// Copies values from <paramref name="state"/> into the parameters and buffers. Every key and shape is checked
    /// before anything is written, so a failed load leaves the model untouched. With <paramref name="strict"/>,
    /// missing or unexpected keys are errors; otherwise they are reported in the result.
    /// </summary>
    public LoadResult LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var own = StateDict();
        var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var mismatched = own.Where(kv => state.TryGetValue(kv.Key, out var src) && src.Shape != kv.Value.Shape)
            .Select(kv => $"{kv.Key}: checkpoint {state[kv.Key].Shape}, model {kv.Value.Shape}").ToList();
        var errors = new List<string>();
        if (mismatched.Count > 0) errors.Add("size mismatch for " + string.Join("; ", mismatched));
        if (strict && missing.Count > 0) errors.Add("missing keys: " + string.Join(", ", missing));
        if (strict && unexpected.Count > 0) errors.Add("unexpected keys: " + string.Join(", ", unexpected));
        if (errors.Count > 0) throw new InvalidDataException($"LoadStateDict into {GetType().Name}: " + string.Join(". ", errors) + ".");

        using var _ = GradMode.NoGrad();
        foreach (var (key, dst) in own)
            if (state.TryGetValue(key, out var src)) dst.CopyFrom(src);
        return new LoadResult(missing, unexpected);
    }

    /// <summary>The keys a non-strict <see cref="LoadStateDict"/> could not match.</summary>
    public sealed record LoadResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

    // ------------------------------------------------------------------ printing

    /// <summary>Number of parameter elements (trainable only if <paramref name="trainableOnly"/>).</summary>
    public long ParameterCount(bool trainableOnly = false) =>
        Parameters().Where(p => !trainableOnly || p.RequiresGrad).Sum(p => (long)p.NumElements);

    /// <summary>A one-line description of this module's own configuration, e.g. "in_features=784, out_features=10".</summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>A tree of the module like PyTorch prints, followed by parameter counts.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Print(sb, 0);
        long total = ParameterCount(), trainable = ParameterCount(trainableOnly: true);
        sb.Append('\n').Append($"Parameters: {total:N0} ({trainable:N0} trainable)");
        return sb.ToString();
    }

    private void Print(StringBuilder sb, int indent)
    {
        sb.Append(GetType().Name).Append('(').Append(ExtraRepr());
        if (_modules.Count > 0)
        {
            sb.Append('\n');
            foreach (var (name, m) in _modules)
            {
                sb.Append(new string(' ', indent + 2)).Append('(').Append(name).Append("): ");
                m.Print(sb, indent + 2);
                sb.Append('\n');
            }
            sb.Append(new string(' ', indent));
        }
        sb.Append(')');
    }
}
