// A node of the backward graph: the op that made a tensor, its inputs, the tensors it saved, and the rule that
// turns the output's gradient into the inputs' gradients.
namespace Fovea.Autograd;

/// <summary>The record of one differentiable op, reached through <see cref="Tensor.GradFn"/>.</summary>
public abstract class Node
{
    private readonly (Tensor Tensor, int Version)[] _saved;

    protected Node(string name, Tensor?[] inputs, Tensor[] saved)
    {
        Name = name;
        Inputs = inputs;
        _saved = new (Tensor, int)[saved.Length];
        for (int i = 0; i < saved.Length; i++)
        {
            _saved[i] = (saved[i], saved[i].Storage.Version);
            saved[i].Pin();
        }
    }

    /// <summary>The op's name, as shown in errors ("Exp", "MatMul" ...).</summary>
    public string Name { get; }

    /// <summary>The op's inputs, aligned with the gradients <see cref="Backward"/> returns; null where no gradient is needed.</summary>
    public IReadOnlyList<Tensor?> Inputs { get; }

    /// <summary>The tensor this node produced (for hooks and retained gradients).</summary>
    internal Tensor? Output { get; set; }

    internal bool Released { get; private set; }

    /// <summary>Gradients with respect to each input, given the gradient of the output.</summary>
    public abstract Tensor?[] Backward(Tensor gradOutput);

    /// <summary>Throws if a saved tensor was modified in place after it was saved, or the graph was freed.</summary>
    internal void CheckSaved()
    {
        if (Released)
            throw new InvalidOperationException($"Backward: the graph through {Name} was already freed by an earlier Backward(); pass retainGraph: true to the first call to backpropagate twice.");
        foreach (var (t, version) in _saved)
        {
            if (t.Storage.Version != version)
                throw new InvalidOperationException($"Backward: a tensor of shape {t.Shape} saved by {Name} was modified by an in-place operation (version {version} when saved, {t.Storage.Version} now); use an out-of-place op instead.");
            if (t.IsDisposed)
                throw new ObjectDisposedException("Tensor", $"Backward: a tensor of shape {t.Shape} saved by {Name} was disposed (its TensorScope ended before Backward ran).");
        }
    }

    internal virtual void Release()
    {
        if (Released) return;
        Released = true;
        foreach (var (t, _) in _saved) t.Unpin();
    }
}

/// <summary>A node whose backward rule is a closure over the saved tensors: how built-in ops record themselves.</summary>
internal sealed class LambdaNode(string name, Tensor?[] inputs, Tensor[] saved, Func<Tensor, Tensor?[]> backward)
    : Node(name, inputs, saved)
{
    private Func<Tensor, Tensor?[]>? _backward = backward;

    public override Tensor?[] Backward(Tensor gradOutput) => _backward!(gradOutput);

    internal override void Release()
    {
        base.Release();
        _backward = null; // drops the saved tensors
    }
}

/// <summary>Helpers op definitions use to join the graph.</summary>
internal static class Graph
{
    public static bool Needs(Tensor a) => GradMode.IsEnabled && a.RequiresGrad;
    public static bool Needs(Tensor a, Tensor b) => GradMode.IsEnabled && (a.RequiresGrad || b.RequiresGrad);
    public static bool Needs(Tensor a, Tensor b, Tensor c) => GradMode.IsEnabled && (a.RequiresGrad || b.RequiresGrad || c.RequiresGrad);
    public static bool Needs(IReadOnlyList<Tensor> ts)
    {
        if (!GradMode.IsEnabled) return false;
        foreach (var t in ts) if (t.RequiresGrad) return true;
        return false;
    }

    /// <summary>
    /// Makes <paramref name="output"/> the result of a differentiable op. <paramref name="backward"/> maps the
    /// output's gradient to one gradient per input (null where not needed); <paramref name="saved"/> lists the
    /// tensors it reads, so in-place changes to them are caught.
    /// </summary>
    public static Tensor Record(Tensor output, string name, Tensor?[] inputs, Func<Tensor, Tensor?[]> backward, params Tensor[] saved)
    {
        var needed = new Tensor?[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) needed[i] = inputs[i] is { RequiresGrad: true } t ? t : null;
        var node = new LambdaNode(name, needed, saved, backward) { Output = output };
        AttachNode(output, node);
        return output;
    }

    internal static void AttachNode(Tensor output, Node node)
    {
        output.GradFn = node;
        output.SetRequiresGradInternal();
    }
}
