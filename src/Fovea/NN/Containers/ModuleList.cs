// Holds modules in a list so their parameters are registered ("0.weight", "1.weight" ...); has no Forward.
using System.Collections;

namespace Fovea.NN;

/// <summary>A list of modules whose parameters belong to the parent, like torch.nn.ModuleList.</summary>
public sealed class ModuleList : Module, IReadOnlyList<Module>
{
    private readonly List<Module> _items = [];

    public ModuleList(params Module[] modules)
    {
        foreach (var m in modules) Add(m);
    }

    public int Count => _items.Count;
    public Module this[int index] => _items[index];

    public ModuleList Add(Module module)
    {
        RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _items.Add(module);
        return this;
    }

    public override Tensor Forward(Tensor input) =>
        throw new InvalidOperationException("ModuleList has no Forward: iterate over its modules instead.");

    protected override void OnModuleReplaced(string name, Module module) => _items[int.Parse(name, System.Globalization.CultureInfo.InvariantCulture)] = module;

    public IEnumerator<Module> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
