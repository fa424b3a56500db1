// Deterministic release of a step's intermediate tensors: every tensor made on this thread while a scope is
// open belongs to it and is disposed when the scope ends, unless Keep() moved it out. Tensors made outside any
// scope are left to the garbage collector (the safety net).
namespace Fovea.Memory;

/// <summary>
/// Owns the tensors created on this thread while it is the innermost open scope.
/// <example><code>
/// for (int step = 0; step &lt; 1000; step++)
/// {
///     using var scope = TensorScope.Begin();
///     var loss = model.Forward(x).CrossEntropy(y);
///     loss.Backward();
///     optimizer.Step();
///     losses.Add(loss.ToDouble());   // all intermediates are released here
/// }
/// </code></example>
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;

    private readonly TensorScope? _parent;
    private readonly HashSet<Tensor> _owned = new(ReferenceEqualityComparer.Instance);
    private bool _disposed;

    private TensorScope(TensorScope? parent) => _parent = parent;

    /// <summary>Opens a scope nested in the current one.</summary>
    public static TensorScope Begin() => _current = new TensorScope(_current);

    /// <summary>The innermost open scope on this thread, if any.</summary>
    public static TensorScope? Current => _current;

    /// <summary>Number of tensors the scope currently owns.</summary>
    public int Count => _owned.Count;

    /// <summary>
    /// Within the returned block, new tensors belong to no scope (use it for state that outlives a step:
    /// gradients, optimizer moments, running statistics).
    /// </summary>
    public static IDisposable Suspend()
    {
        var saved = _current;
        _current = null;
        return new Restore(saved);
    }

    internal static void Track(Tensor t) => _current?._owned.Add(t);

    /// <summary>Moves <paramref name="tensor"/> out of this scope into the enclosing one (or to no scope) and returns it.</summary>
    public Tensor Keep(Tensor tensor)
    {
        if (_owned.Remove(tensor)) _parent?._owned.Add(tensor);
        return tensor;
    }

    /// <summary>Stops tracking <paramref name="tensor"/> in whatever scope owns it on this thread.</summary>
    public static Tensor Untrack(Tensor tensor)
    {
        for (var s = _current; s != null; s = s._parent) s._owned.Remove(tensor);
        return tensor;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_current == this) _current = _parent;
        foreach (var t in _owned) t.ForceDispose();
        _owned.Clear();
    }

    private sealed class Restore(TensorScope? saved) : IDisposable
    {
        public void Dispose() => _current = saved;
    }
}
