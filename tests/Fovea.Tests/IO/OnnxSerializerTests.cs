// ONNX protobuf reading and writing: a torch.onnx export parses with every field we use, survives a
// write/read round trip unchanged, and broken files are clear errors.
using Fovea.IO.Onnx;
using Xunit;

namespace Fovea.Tests.IO;

public class OnnxSerializerTests
{
    private static readonly string Model = Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx", "small_cnn.onnx");

    [Fact]
    public void ParsesATorchExport()
    {
        var m = OnnxSerializer.Load(Model);
        Assert.Equal("pytorch", m.ProducerName);
        Assert.Equal(13, m.DefaultOpset);
        Assert.Equal(new[] { "Conv", "Relu", "MaxPool", "Flatten", "Gemm" }, m.Graph.Nodes.Select(n => n.OpType));
        var conv = m.Graph.Nodes[0];
        Assert.Equal(new long[] { 3, 3 }, conv.Ints("kernel_shape", []));
        Assert.Equal(new long[] { 1, 1, 1, 1 }, conv.Ints("pads", []));
        Assert.Equal(1, m.Graph.Nodes[4].Int("transB", 0));
        var input = m.Graph.Inputs.Single(i => i.Name == "input");
        Assert.Equal(OnnxDataType.Float, input.ElemType);
        Assert.Equal("batch", input.Shape![0].Param);
        Assert.Equal(8, input.Shape[2].Value);
        var weight = m.Graph.Initializers.Single(t => t.Dims.SequenceEqual(new long[] { 4, 1, 3, 3 }));
        Assert.Equal(4 * 9 * 4, weight.RawData.Length);
    }

    [Fact]
    public void WriteThenReadKeepsEverything()
    {
        var m = OnnxSerializer.Load(Model);
        var back = OnnxSerializer.Parse(OnnxSerializer.Serialize(m));
        Assert.Equal(m.Graph.Nodes.Select(n => n.ToString()), back.Graph.Nodes.Select(n => n.ToString()));
        Assert.Equal(m.OpsetImport, back.OpsetImport);
        for (int i = 0; i < m.Graph.Initializers.Count; i++)
        {
            Assert.Equal(m.Graph.Initializers[i].Name, back.Graph.Initializers[i].Name);
            Assert.Equal(m.Graph.Initializers[i].RawData, back.Graph.Initializers[i].RawData);
            Assert.Equal(m.Graph.Initializers[i].Dims, back.Graph.Initializers[i].Dims);
        }
        foreach (var (a, b) in m.Graph.Nodes.Zip(back.Graph.Nodes))
            Assert.Equal(a.Attributes.Select(x => (x.Name, x.Type, x.I, x.F, string.Join(",", x.Ints))), b.Attributes.Select(x => (x.Name, x.Type, x.I, x.F, string.Join(",", x.Ints))));
        Assert.Equal(m.Graph.Inputs[0].Shape, back.Graph.Inputs[0].Shape);
    }

    [Fact]
    public void BrokenFilesAreClearErrors()
    {
        var bytes = File.ReadAllBytes(Model);
        var path = Path.GetTempFileName();
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var ex = Assert.Throws<InvalidDataException>(() => OnnxSerializer.Load(path));
        Assert.Contains(path, ex.Message);
        File.WriteAllBytes(path, [0x12, 0x03, 0x61]);
        Assert.Throws<InvalidDataException>(() => OnnxSerializer.Load(path));
        File.WriteAllText(path, "");
        Assert.Contains("no graph", Assert.Throws<InvalidDataException>(() => OnnxSerializer.Load(path)).Message);
    }
}
