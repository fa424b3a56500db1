// Holds modules by name so their parameters are registered ("head.weight" ...); has no Forward.
namespace Fovea.NN;

/// <summary>Modules keyed by name, like torch.nn.ModuleDict.</summary>
public sealed class ModuleDict : Module
{
    private readonly Dictionary<string, Module> _items = [];

    public ModuleDict(params (string Name, Module Module)[] modules)
    {
        foreach (var (name, m) in modules) Add(name, m);
    }

    public Module this[string name] => _items.TryGetValue(name, out var m) ? m
        : throw new KeyNotFoundException($"ModuleDict: no module '{name}'; keys: {string.Join(", ", _items.Keys)}.");

    public IEnumerable<string> Keys => NamedChildren().Select(c => c.Name);

    public ModuleDict Add(string name, Module module)
    {
        RegisterModule(name, module);
        _items[name] = module;
        return this;
    }

    public override Tensor Forward(Tensor input) =>
        throw new InvalidOperationException("ModuleDict has no Forward: pick a module by name instead.");

    protected override void OnModuleReplaced(string name, Module module) => _items[name] = module;
}
