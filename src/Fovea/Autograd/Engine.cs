// Reverse-mode differentiation: orders the graph behind a tensor topologically and runs each node's backward
// once all gradients flowing into it have been summed.
using Fovea.Memory;

namespace Fovea.Autograd;

/// <summary>Runs backward passes.</summary>
public static class Engine
{
    /// <summary>
    /// Accumulates d<paramref name="root"/>/d(leaf) into every leaf's <see cref="Tensor.Grad"/>.
    /// <paramref name="gradient"/> defaults to 1 for a one-element root. With <paramref name="createGraph"/>
    /// the backward pass is itself recorded (for higher-order gradients).
    /// </summary>
    public static void Backward(Tensor root, Tensor? gradient = null, bool retainGraph = false, bool createGraph = false)
    {
        root.ThrowIfDisposed();
        if (!root.RequiresGrad) throw new InvalidOperationException($"Backward: the tensor of shape {root.Shape} does not require gradients and has no GradFn.");
        if (gradient == null)
        {
            if (root.NumElements != 1) throw new InvalidOperationException($"Backward: a gradient must be given for a non-scalar output of shape {root.Shape}.");
            gradient = Tensor.OnesLike(root);
        }
        else if (gradient.Shape != root.Shape)
        {
            throw new ArgumentException($"Backward: gradient has shape {gradient.Shape}, expected {root.Shape}.", nameof(gradient));
        }

        retainGraph |= createGraph; // as in PyTorch: a recorded backward pass may be differentiated again
        using var mode = createGraph ? GradMode.EnableGrad() : GradMode.NoGrad();
        if (root.GradFn == null)
        {
            AccumulateLeaf(root, gradient, createGraph);
            return;
        }

        var order = TopologicalOrder(root.GradFn);
        var pending = new Dictionary<Node, Tensor>(ReferenceEqualityComparer.Instance) { [root.GradFn] = gradient };
        foreach (var node in order)
        {
            if (!pending.Remove(node, out var grad)) continue; // no gradient reached this node
            node.CheckSaved();
            if (node.Output is { } output)
            {
                grad = RunHooks(output, grad);
                if (output.RetainsGrad) output.Grad = Accumulate(output.Grad, grad, createGraph);
            }
            var inputGrads = node.Backward(grad);
            if (inputGrads.Length != node.Inputs.Count)
                throw new InvalidOperationException($"Backward: {node.Name} returned {inputGrads.Length} gradients for {node.Inputs.Count} inputs.");
            for (int i = 0; i < inputGrads.Length; i++)
            {
                var input = node.Inputs[i];
                var g = inputGrads[i];
                if (input == null || g == null) continue;
                if (g.Shape != input.Shape)
                    throw new InvalidOperationException($"Backward: {node.Name} returned a gradient of shape {g.Shape} for input {i} of shape {input.Shape}.");
                if (input.GradFn is { } next)
                    pending[next] = pending.TryGetValue(next, out var sum) ? sum + g : g;
                else
                    AccumulateLeaf(input, g, createGraph);
            }
            if (!retainGraph) node.Release();
        }
    }

    private static void AccumulateLeaf(Tensor leaf, Tensor grad, bool createGraph)
    {
        grad = RunHooks(leaf, grad);
        leaf.Grad = Accumulate(leaf.Grad, grad, createGraph);
    }

    private static Tensor RunHooks(Tensor t, Tensor grad)
    {
        if (t.GradHooks == null) return grad;
        foreach (var hook in t.GradHooks) grad = hook(grad) ?? grad;
        return grad;
    }

    // Gradients that are stored on tensors outlive the step's TensorScope, so they are made outside it.
    private static Tensor Accumulate(Tensor? existing, Tensor grad, bool createGraph)
    {
        using var _ = TensorScope.Suspend();
        if (existing == null || existing.IsDisposed) return createGraph ? grad : grad.Clone();
        if (createGraph) return existing + grad;
        existing.AddInPlace(grad);
        return existing;
    }

    private static List<Node> TopologicalOrder(Node root)
    {
        // Iterative DFS post-order, reversed: every node comes before the nodes it feeds gradients to.
        var order = new List<Node>();
        var visited = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Node Node, int Next)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node.Inputs.Count)
            {
                stack.Push((node, next + 1));
                if (node.Inputs[next]?.GradFn is { } child && visited.Add(child)) stack.Push((child, 0));
            }
            else
            {
                order.Add(node);
            }
        }
        order.Reverse();
        return order;
    }
}
