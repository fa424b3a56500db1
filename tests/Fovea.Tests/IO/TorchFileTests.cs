// Loading torch.save files: values equal PyTorch's, views and shared storages are handled, and a pickle that
// would run os.system is refused before anything runs.
using Fovea.IO;
using Fovea.IO.PyTorch;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.IO;

public class TorchFileTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "torchfile");

    [Fact]
    public void StateDictMatchesPyTorchExactly()
    {
        var sd = TorchFile.LoadStateDict(Path.Combine(Dir, "state_dict.pth"));
        var want = Npy.LoadArchive(Path.Combine(Dir, "state_dict.npz"));
        Assert.Equal(want.Keys.Select(k => k.Replace("__", ".")).Order(), sd.Keys.Order());
        Assert.Equal(new[] { "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias" }, sd.Keys);
        foreach (var (k, v) in want) Fixture.AssertClose(v, sd[k.Replace("__", ".")], 0, 0, k);
        Assert.Equal(DType.Int64, sd["1.num_batches_tracked"].DType);
    }

    [Fact]
    public void CheckpointDictsViewsAndDTypes()
    {
        var obj = (Dictionary<object, object?>)TorchFile.Load(Path.Combine(Dir, "checkpoint.pth"))!;
        Assert.Equal(7L, obj["epoch"]);
        Assert.Equal(0.1, obj["lr"]);
        Assert.Equal(new object?[] { "a", "b" }, ((List<object?>)obj["names"]!).ToArray());
        var sd = TorchFile.LoadStateDict(Path.Combine(Dir, "checkpoint.pth")); // found under "model"
        var want = Npy.LoadArchive(Path.Combine(Dir, "checkpoint.npz"));
        foreach (var (k, v) in want) Fixture.AssertClose(v, sd[k], 0, 0, k);
        Assert.Equal(DType.Float16, sd["half"].DType);
        Assert.Equal(new Shape(4, 3), sd["w_t"].Shape);
    }

    [Fact]
    public void MaliciousPickleIsRefusedWithoutRunningIt()
    {
        File.Delete("/tmp/fovea-pwned");
        var ex = Assert.Throws<UnsafePickleException>(() => TorchFile.Load(Path.Combine(Dir, "malicious.pth")));
        Assert.Contains("refusing to load global", ex.Message);
        Assert.Contains("system", ex.Message);
        Assert.False(File.Exists("/tmp/fovea-pwned"));
    }

    [Fact]
    public void TruncatedAndForeignFilesAreClearErrors()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Dir, "state_dict.pth"));
        var path = Path.GetTempFileName();
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.Contains(path, Assert.ThrowsAny<InvalidDataException>(() => TorchFile.Load(path)).Message);
        File.WriteAllText(path, "not a zip");
        Assert.Contains("not a PyTorch zip checkpoint", Assert.Throws<InvalidDataException>(() => TorchFile.Load(path)).Message);
    }
}
