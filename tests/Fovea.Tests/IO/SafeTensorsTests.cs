// safetensors: reading a file written by an independent (numpy) writer, round trips, and corrupt files.
using Fovea.IO;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.IO;

public class SafeTensorsTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "safetensors");

    [Fact]
    public void ReadsAFileWrittenFromTheSpec()
    {
        var t = SafeTensors.Load(Path.Combine(Dir, "sample.safetensors"), out var meta);
        var want = Npy.LoadArchive(Path.Combine(Dir, "sample.npz"));
        Assert.Equal("numpy", meta["source"]);
        foreach (var (k, v) in want)
        {
            var got = t[k.Replace("conv_", "conv.").Replace("bn_", "bn.")];
            Assert.Equal(v.DType, got.DType);
            Fixture.AssertClose(v, got, 0, 0, k);
        }
    }

    [Fact]
    public void RoundTripsEveryDType()
    {
        var path = Path.GetTempFileName();
        var tensors = new Dictionary<string, Tensor>
        {
            ["a"] = Tensor.Randn([3, 4]),
            ["b"] = Tensor.Arange(5).To(DType.Int32),
            ["c"] = Tensor.Randn([2]).To(DType.BFloat16),
            ["d"] = Tensor.Randn([2, 2], DType.Float64).T, // non-contiguous is written in logical order
            ["e"] = Tensor.Zeros([0, 3]),
        };
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["k"] = "v" });
        var back = SafeTensors.Load(path, out var meta);
        Assert.Equal("v", meta["k"]);
        foreach (var (k, v) in tensors)
        {
            Assert.Equal(v.DType, back[k].DType);
            Fixture.AssertClose(v, back[k], 0, 0, k);
        }
        Assert.Equal(0L, BitConverter.ToInt64(File.ReadAllBytes(path), 0) % 8); // data section stays 8-byte aligned
    }

    [Fact]
    public void CorruptFilesGiveClearErrors()
    {
        var good = File.ReadAllBytes(Path.Combine(Dir, "sample.safetensors"));
        var path = Path.GetTempFileName();

        File.WriteAllBytes(path, good[..(good.Length - 3)]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path)).Message);

        var huge = (byte[])good.Clone();
        BitConverter.GetBytes(long.MaxValue).CopyTo(huge, 0);
        File.WriteAllBytes(path, huge);
        Assert.Contains("header length", Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path)).Message);

        var text = System.Text.Encoding.Latin1.GetString(good);
        var lying = System.Text.Encoding.Latin1.GetBytes(text.Replace("[2, 3, 2, 2]", "[2, 3, 2, 3]"));
        File.WriteAllBytes(path, lying);
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains("conv.weight", ex.Message);
        Assert.Contains("needs 144 bytes", ex.Message);

        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
    }
}
