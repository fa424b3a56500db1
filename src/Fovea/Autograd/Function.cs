// The public way to define a new differentiable operation as a forward/backward pair, like
// torch.autograd.Function.
namespace Fovea.Autograd;

/// <summary>
/// A user-defined differentiable op. Forward runs without recording; Backward receives the output's gradient
/// and returns one gradient per input (null where none).
/// <example><code>
/// sealed class Cube : Function
/// {
///     protected override Tensor Forward(FunctionContext ctx, Tensor[] x) { ctx.Save(x[0]); return x[0] * x[0] * x[0]; }
///     protected override Tensor?[] Backward(FunctionContext ctx, Tensor dy) { var x = ctx.Saved[0]; return [dy * 3 * x * x]; }
/// }
/// var y = new Cube().Apply(x);
/// </code></example>
/// </summary>
public abstract class Function
{
    protected abstract Tensor Forward(FunctionContext ctx, Tensor[] inputs);

    protected abstract Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput);

    /// <summary>Runs the op and, if any input requires gradients, records it in the graph.</summary>
    public Tensor Apply(params Tensor[] inputs)
    {
        var ctx = new FunctionContext();
        Tensor output;
        using (GradMode.NoGrad()) output = Forward(ctx, inputs);
        if (!Graph.Needs(inputs)) return output;
        output = output.Detach();
        return Graph.Record(output, GetType().Name, inputs, g =>
        {
            var grads = Backward(ctx, g);
            if (grads.Length != inputs.Length)
                throw new InvalidOperationException($"{GetType().Name}.Backward returned {grads.Length} gradients for {inputs.Length} inputs.");
            return grads;
        }, ctx.Saved.ToArray());
    }
}

/// <summary>Carries tensors from a <see cref="Function"/>'s forward to its backward.</summary>
public sealed class FunctionContext
{
    private readonly List<Tensor> _saved = [];

    public IReadOnlyList<Tensor> Saved => _saved;

    public void Save(params Tensor[] tensors) => _saved.AddRange(tensors);
}
