// File checksums (MD5 as the dataset authors publish them, SHA-256 for our own records), computed streaming.
using System.Security.Cryptography;

namespace Fovea.Data;

/// <summary>An expected file digest: an algorithm ("md5" or "sha256") and its lowercase hex value.</summary>
public sealed record Checksum(string Algorithm, string Hex)
{
    /// <summary>An expected MD5 digest.</summary>
    public static Checksum Md5(string hex) => new("md5", hex.ToLowerInvariant());

    /// <summary>An expected SHA-256 digest.</summary>
    public static Checksum Sha256(string hex) => new("sha256", hex.ToLowerInvariant());

    /// <summary>The digest of a file with this checksum's algorithm, as lowercase hex.</summary>
    public string Compute(string path)
    {
        using var f = File.OpenRead(path);
        using HashAlgorithm h = Algorithm switch
        {
            "md5" => MD5.Create(),
            "sha256" => SHA256.Create(),
            _ => throw new NotSupportedException($"Checksum: unknown algorithm '{Algorithm}' (md5 or sha256)."),
        };
        return Convert.ToHexStringLower(h.ComputeHash(f));
    }

    /// <summary>Whether the file's digest equals this one.</summary>
    public bool Matches(string path) => Compute(path) == Hex;

    public override string ToString() => $"{Algorithm} {Hex}";
}
