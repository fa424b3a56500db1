// Runs child modules one after another; children are named "0", "1", ... like torch.nn.Sequential.
namespace Fovea.NN;

/// <summary>A chain of modules: <c>new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10))</c>.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _layers = [];

    public Sequential(params Module[] layers)
    {
        foreach (var layer in layers) Add(layer);
    }

    /// <summary>Named children, for PyTorch-style keys other than indices.</summary>
    public Sequential(params (string Name, Module Module)[] layers)
    {
        foreach (var (name, m) in layers)
        {
            RegisterModule(name, m);
            _layers.Add(m);
        }
    }

    public int Count => _layers.Count;

    public Module this[int index] => _layers[index];

    public Sequential Add(Module layer)
    {
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var layer in _layers) x = layer.Call(x);
        return x;
    }

    protected override void OnModuleReplaced(string name, Module module)
    {
        int i = NamedChildren().Select((c, idx) => (c.Name, idx)).First(c => c.Name == name).idx;
        _layers[i] = module;
    }
}
