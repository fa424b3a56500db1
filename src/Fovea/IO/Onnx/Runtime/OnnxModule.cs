// An ONNX model as a Fovea Module: initializers become registered parameters and buffers, and the graph runs node
// by node in topological order with Fovea tensor ops, so imported models can be fine-tuned with autograd. Shapes
// are taken from the actual inputs on every run (dynamic batch size works wherever the graph allows it).
using Fovea.Memory;
using Fovea.NN;

namespace Fovea.IO.Onnx;

/// <summary>
/// Runs an ONNX model (opsets 7 to 19; see <see cref="SupportedOperators"/>) as a <see cref="Module"/>.
/// <para>
/// Floating-point initializers become trainable parameters, except those that only feed statistics or settings
/// (BatchNormalization's mean and variance, Resize scales, Clip bounds, Pad values), which become buffers along
/// with all integer initializers. Module member names may not contain '.', so each initializer is registered under
/// its name with '.' replaced by '_' (made unique with a suffix when needed): <see cref="Module.StateDict"/> and
/// <see cref="Module.NamedParameters"/> use those member names, <see cref="MemberNames"/> maps original names to
/// them and <see cref="Initializers"/> gives the tensors by original name.
/// </para>
/// <para>Operators always run in inference form (BatchNormalization uses the running statistics, Dropout is the
/// identity unless the graph sets training_mode), whatever <see cref="Module.Training"/> says.</para>
/// <example><code>
/// var model = OnnxModule.Load("resnet18.onnx");
/// var logits = model.Forward(images);                               // single-input models
/// var outs = model.Run(new Dictionary&lt;string, Tensor&gt; { ["input"] = images });   // any model
/// </code></example>
/// </summary>
public sealed class OnnxModule : Module
{
    // (op type, input slot) pairs whose float initializers are statistics or settings rather than weights.
    private static readonly HashSet<(string, int)> FrozenSlots =
    [
        ("BatchNormalization", 3), ("BatchNormalization", 4), ("Resize", 1), ("Resize", 2), ("Upsample", 1),
        ("Clip", 1), ("Clip", 2), ("Pad", 2), ("Dropout", 1), ("Range", 0), ("Range", 1), ("Range", 2),
    ];

    private readonly long _opset;
    private readonly List<OnnxNode> _order;
    private readonly Dictionary<string, Tensor> _initializers = [];
    private readonly Dictionary<string, string> _memberNames = [];
    private readonly Dictionary<string, string> _originalNames = [];
    private readonly Dictionary<OnnxNode, Tensor> _constants = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, int> _uses = [];
    private readonly Dictionary<string, OnnxValueInfo> _inputInfo;

    private OnnxModule(OnnxModel model, string source)
    {
        using var _ = TensorScope.Suspend();
        Model = model;
        var g = model.Graph;
        _opset = model.DefaultOpset;
        if (_opset < 7) throw new NotSupportedException($"{source}: opset {_opset} is not supported (7 or later).");
        CheckOperators(g, source);
        RegisterInitializers(g, source);
        var initializerNames = g.Initializers.Select(t => t.Name).ToHashSet();
        _inputInfo = g.Inputs.Where(i => !initializerNames.Contains(i.Name)).ToDictionary(i => i.Name);
        InputNames = [.. _inputInfo.Keys];
        OutputNames = [.. g.Outputs.Select(o => o.Name)];
        _order = TopologicalOrder(g, source);
        foreach (var node in _order.Where(n => n.OpType == "Constant")) _constants[node] = OnnxOps.ConstantValue(node, _opset);
        foreach (var name in _order.SelectMany(n => n.Inputs).Where(n => n.Length > 0).Concat(OutputNames))
            _uses[name] = _uses.GetValueOrDefault(name) + 1;
    }

    /// <summary>Loads and checks an .onnx file; corrupt files throw InvalidDataException, unsupported operators NotSupportedException.</summary>
    public static OnnxModule Load(string path)
    {
        var model = OnnxSerializer.Load(path);
        try { return new OnnxModule(model, path); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    /// <summary>Builds the module from a parsed model.</summary>
    public static OnnxModule FromModel(OnnxModel model) => new(model, model.Graph.Name.Length > 0 ? $"ONNX model '{model.Graph.Name}'" : "ONNX model");

    /// <summary>The parsed model this module runs.</summary>
    public OnnxModel Model { get; }

    /// <summary>The default-domain opset the graph was exported with.</summary>
    public long Opset => _opset;

    /// <summary>Names of the graph inputs to feed (initializers listed as inputs by old exporters excluded).</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>Names of the graph outputs, in order.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Original initializer name to the member name it is registered under (its state-dict key).</summary>
    public IReadOnlyDictionary<string, string> MemberNames => _memberNames;

    /// <summary>The current initializer tensors by original ONNX name.</summary>
    public IReadOnlyDictionary<string, Tensor> Initializers => _initializers;

    /// <summary>The ONNX operator types the importer can run.</summary>
    public static IReadOnlyCollection<string> SupportedOperators => [.. OnnxOps.Supported.Order()];

    /// <summary>The original ONNX name of an initializer registered under <paramref name="memberName"/>.</summary>
    public string OriginalName(string memberName) =>
        _originalNames.TryGetValue(memberName, out var n) ? n : throw new KeyNotFoundException($"OnnxModule: no initializer registered as '{memberName}'.");

    /// <summary>Runs a single-input model and returns its first output.</summary>
    public override Tensor Forward(Tensor input)
    {
        if (InputNames.Count != 1)
            throw new InvalidOperationException($"OnnxModule.Forward: the model has {InputNames.Count} inputs ({string.Join(", ", InputNames)}); use Run.");
        var outputs = Run(new Dictionary<string, Tensor> { [InputNames[0]] = input });
        foreach (var extra in OutputNames.Skip(1)) outputs[extra].Dispose();
        return outputs[OutputNames[0]];
    }

    /// <summary>Runs the graph on named inputs; returns every graph output by name.</summary>
    public Dictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var values = new Dictionary<string, Tensor>(_initializers);
        foreach (var name in InputNames)
        {
            if (!inputs.TryGetValue(name, out var x))
                throw new ArgumentException($"OnnxModule.Run: input '{name}' is missing; the model takes {string.Join(", ", InputNames)}.", nameof(inputs));
            CheckInput(_inputInfo[name], x);
            values[name] = x;
        }
        foreach (var name in inputs.Keys.Where(k => !_inputInfo.ContainsKey(k)))
            throw new ArgumentException($"OnnxModule.Run: the model has no input '{name}'; it takes {string.Join(", ", InputNames)}.", nameof(inputs));

        var live = new HashSet<Tensor>(values.Values, ReferenceEqualityComparer.Instance);
        var made = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var remaining = new Dictionary<string, int>(_uses);
        foreach (var node in _order)
        {
            var results = Execute(node, values);
            for (int i = 0; i < results.Length; i++)
            {
                var r = results[i];
                if (r == null) continue;
                if (i >= node.Outputs.Count || node.Outputs[i].Length == 0 || !remaining.ContainsKey(node.Outputs[i])) { r.Dispose(); continue; }
                if (live.Contains(r)) r = r.Alias();
                values[node.Outputs[i]] = r;
                live.Add(r);
                made.Add(r);
            }
            foreach (var name in node.Inputs.Where(n => n.Length > 0))
                if (--remaining[name] == 0 && made.Contains(values[name])) values[name].Dispose();
        }
        return OutputNames.ToDictionary(n => n, n => made.Contains(values[n]) ? values[n] : values[n].Alias());
    }

    private Tensor?[] Execute(OnnxNode node, Dictionary<string, Tensor> values)
    {
        if (_constants.TryGetValue(node, out var constant)) return [constant.Alias()];
        var args = node.Inputs.Select(n => n.Length == 0 ? null : values[n]).ToArray();
        Tensor?[] results;
        try { results = OnnxOps.Run(new OnnxNodeContext(node, args, _opset)); }
        catch (ArgumentException e)
        {
            var shapes = string.Join(", ", args.Select(a => a == null ? "-" : $"{a.Shape} {DTypes.Name(a.DType)}"));
            throw new ArgumentException($"{node.OpType} node '{node.Name}' (opset {_opset}) with inputs {shapes}: {e.Message}", e);
        }
        for (int i = 0; i < node.Outputs.Count; i++)
            if (node.Outputs[i].Length > 0 && (i >= results.Length || results[i] == null))
                throw new NotSupportedException($"{node.OpType} node '{node.Name}' (opset {_opset}): output {i} ('{node.Outputs[i]}') is not produced by Fovea's implementation.");
        return results;
    }

    private static void CheckInput(OnnxValueInfo info, Tensor x)
    {
        if (info.ElemType != OnnxDataType.Undefined && OnnxTensors.ToDType(info.ElemType, $"input '{info.Name}'") != x.DType)
            throw new ArgumentException($"OnnxModule: input '{info.Name}' must be {DTypes.Name(OnnxTensors.ToDType(info.ElemType, info.Name))}, got {DTypes.Name(x.DType)}.");
        if (info.Shape == null) return;
        bool fits = info.Shape.Count == x.Rank && info.Shape.Select((d, i) => d.Value is not long v || v <= 0 || v == x.Size(i)).All(b => b);
        if (!fits)
            throw new ArgumentException($"OnnxModule: input '{info.Name}' must have shape ({string.Join(", ", info.Shape.Select(d => d.Value is long v && v > 0 ? v.ToString() : d.Param ?? "?"))}), got {x.Shape}.");
    }

    // ------------------------------------------------------------------ loading

    private void CheckOperators(OnnxGraph g, string source)
    {
        foreach (var node in g.Nodes)
        {
            if (node.Domain is not ("" or "ai.onnx"))
                throw new NotSupportedException($"{source}: operator '{node.OpType}' of domain '{node.Domain}' (node '{node.Name}') is not supported; only the default ONNX domain is.");
            if (!OnnxOps.Supports(node.OpType))
                throw new NotSupportedException($"{source}: ONNX operator '{node.OpType}' (node '{node.Name}', opset {_opset}) is not supported by Fovea's importer.");
        }
    }

    private void RegisterInitializers(OnnxGraph g, string source)
    {
        var trainable = g.Nodes.SelectMany(n => n.Inputs.Select((name, slot) => (name, frozen: FrozenSlots.Contains((n.OpType, slot)))))
            .Where(u => !u.frozen).Select(u => u.name).ToHashSet();
        foreach (var init in g.Initializers)
        {
            if (_initializers.ContainsKey(init.Name)) throw new InvalidDataException($"{source}: initializer '{init.Name}' appears twice.");
            var t = OnnxTensors.ToTensor(init, $"initializer '{init.Name}'");
            string member = MemberName(init.Name);
            _memberNames[init.Name] = member;
            _originalNames[member] = init.Name;
            _initializers[init.Name] = DTypes.IsFloatingPoint(t.DType) && trainable.Contains(init.Name)
                ? RegisterParameter(member, t)
                : RegisterBuffer(member, t);
        }
    }

    // '.' is not allowed in member names; other characters are kept so names stay recognisable.
    private string MemberName(string original)
    {
        string baseName = original.Length == 0 ? "initializer" : original.Replace('.', '_');
        string name = baseName;
        for (int k = 2; _originalNames.ContainsKey(name); k++) name = $"{baseName}_{k}";
        return name;
    }

    // Kahn's algorithm, keeping file order among ready nodes; missing producers and cycles are errors.
    private List<OnnxNode> TopologicalOrder(OnnxGraph g, string source)
    {
        var available = new HashSet<string>(_initializers.Keys.Concat(InputNames));
        var producer = new Dictionary<string, int>();
        for (int i = 0; i < g.Nodes.Count; i++)
            foreach (var o in g.Nodes[i].Outputs.Where(o => o.Length > 0))
                if (available.Contains(o) || !producer.TryAdd(o, i))
                    throw new InvalidDataException($"{source}: value '{o}' is produced more than once (again by {g.Nodes[i]}).");
        var waiting = new int[g.Nodes.Count];
        var consumers = new Dictionary<int, List<int>>();
        for (int i = 0; i < g.Nodes.Count; i++)
            foreach (var input in g.Nodes[i].Inputs.Where(n => n.Length > 0 && !available.Contains(n)).Distinct())
            {
                if (!producer.TryGetValue(input, out int p))
                    throw new InvalidDataException($"{source}: input '{input}' of {g.Nodes[i]} is not a graph input, an initializer or any node's output.");
                waiting[i]++;
                (consumers.TryGetValue(p, out var list) ? list : consumers[p] = []).Add(i);
            }
        var ready = new SortedSet<int>(Enumerable.Range(0, g.Nodes.Count).Where(i => waiting[i] == 0));
        var order = new List<OnnxNode>();
        while (ready.Count > 0)
        {
            int i = ready.Min;
            ready.Remove(i);
            order.Add(g.Nodes[i]);
            foreach (int j in consumers.GetValueOrDefault(i) ?? [])
                if (--waiting[j] == 0) ready.Add(j);
        }
        if (order.Count != g.Nodes.Count)
            throw new InvalidDataException($"{source}: the graph has a cycle through {g.Nodes[Enumerable.Range(0, g.Nodes.Count).First(i => waiting[i] > 0)]}.");
        foreach (var o in g.Outputs.Where(o => !available.Contains(o.Name) && !producer.ContainsKey(o.Name)))
            throw new InvalidDataException($"{source}: graph output '{o.Name}' is produced by no node.");
        return order;
    }

    protected override void OnParameterReplaced(string name, Tensor tensor) => _initializers[_originalNames[name]] = tensor;

    protected override void OnBufferReplaced(string name, Tensor tensor) => _initializers[_originalNames[name]] = tensor;

    protected override string ExtraRepr() =>
        $"opset={_opset}, nodes={_order.Count}, inputs=[{string.Join(", ", InputNames)}], outputs=[{string.Join(", ", OutputNames)}]";
}
