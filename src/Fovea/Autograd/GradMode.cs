// Whether ops record the autograd graph on this thread (PyTorch's torch.no_grad / enable_grad).
namespace Fovea.Autograd;

/// <summary>Switches graph recording off (or on) for a block: <c>using (GradMode.NoGrad()) { ... }</c>.</summary>
public static class GradMode
{
    [ThreadStatic] private static bool _disabled;

    /// <summary>True when ops record the graph on this thread.</summary>
    public static bool IsEnabled => !_disabled;

    /// <summary>Disables graph recording until the returned object is disposed.</summary>
    public static IDisposable NoGrad() => Set(enabled: false);

    /// <summary>Enables graph recording until the returned object is disposed (inside a NoGrad block).</summary>
    public static IDisposable EnableGrad() => Set(enabled: true);

    private static IDisposable Set(bool enabled)
    {
        var restore = new Restore(_disabled);
        _disabled = !enabled;
        return restore;
    }

    private sealed class Restore(bool disabled) : IDisposable
    {
        public void Dispose() => _disabled = disabled;
    }
}
