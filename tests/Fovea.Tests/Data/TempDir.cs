// A scratch folder for one test, deleted with everything in it when disposed.
namespace Fovea.Tests.Data;

internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fovea-test-" + Guid.NewGuid().ToString("N"));

    /// <summary>The path of <paramref name="parts"/> inside the folder, creating its parent folders.</summary>
    public string File(params string[] parts)
    {
        string p = System.IO.Path.Combine([Path, .. parts]);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        return p;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
