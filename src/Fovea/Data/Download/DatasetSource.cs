// Where a dataset was found: the record every named dataset reports, so a run can say which copy it used.
namespace Fovea.Data;

/// <summary>How a dataset was found.</summary>
public enum DatasetSourceKind
{
    /// <summary>The path the caller gave.</summary>
    Explicit,
    /// <summary>A root listed in the FOVEA_DATA environment variable.</summary>
    Environment,
    /// <summary>The user's cache, ~/.fovea/datasets.</summary>
    UserCache,
    /// <summary>A system-wide install, /usr/share/datasets (Debian's dataset-* packages).</summary>
    System,
    /// <summary>Fetched from the dataset's official address during this call.</summary>
    Downloaded,
    /// <summary>The small sample embedded in Fovea.dll (Fashion-MNIST only).</summary>
    BundledSample,
}

/// <summary>The folder (or embedded resource) a dataset was read from and how it was found.</summary>
public sealed record DatasetSource(DatasetSourceKind Kind, string Path)
{
    public override string ToString() => $"{Kind switch
    {
        DatasetSourceKind.Explicit => "explicit path",
        DatasetSourceKind.Environment => "FOVEA_DATA",
        DatasetSourceKind.UserCache => "user cache",
        DatasetSourceKind.System => "system",
        DatasetSourceKind.Downloaded => "downloaded",
        _ => "bundled sample",
    }}: {Path}";
}
