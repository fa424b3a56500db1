// OnnxModule: torch.onnx exports (tools/fixtures/gen_onnx_models.py) run with PyTorch's outputs at batch 1 and 3,
// gradients reach the initializers (and match PyTorch's where names survive export), fine-tuning lowers a loss,
// single-node graphs pin down opset-dependent operator rules, and bad files and unknown operators are clear errors.
using Fovea.IO;
using Fovea.IO.Onnx;
using Fovea.Optim;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.IO;

public class OnnxImportTests
{
    private static readonly string Folder = Path.Combine(Fixture.Root, "onnx_models");

    private static string ModelPath(string name, int opset) => Path.Combine(Folder, $"{name}_opset{opset}.onnx");
    private static Tensor Npy(string name, string part) => Fovea.IO.Npy.Load(Path.Combine(Folder, $"{name}.{part}.npy"));

    public static TheoryData<string, int> Models => new()
    {
        { "mobilenet_v2", 13 }, { "small_resnet", 13 }, { "small_resnet", 17 }, { "ops_net", 13 }, { "ops_net", 17 }, { "misc_net", 13 }, { "misc_net", 17 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void MatchesPyTorchAtBatchOneAndThree(string name, int opset)
    {
        var model = OnnxModule.Load(ModelPath(name, opset));
        Assert.Equal(opset, model.Opset);
        foreach (var batch in new[] { 1, 3 })
        {
            using var y = model.Forward(Npy(name, $"in{batch}"));
            Fixture.AssertClose(Npy(name, $"out{batch}"), y, 1e-4, 1e-4, $"{name} opset {opset} batch {batch}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void BackwardGivesPyTorchsGradientsOnInitializers(string name, int opset)
    {
        var model = OnnxModule.Load(ModelPath(name, opset));
        var y = model.Forward(Npy(name, "in3"));
        (y * Npy(name, "gout3")).Sum().Backward();
        foreach (var (member, p) in model.NamedParameters())
            Assert.True(p.Grad != null, $"{name}: parameter {member} ({model.OriginalName(member)}) got no gradient");
        int compared = 0;
        foreach (var file in Directory.EnumerateFiles(Folder, $"{name}.grad_*.npy"))
        {
            string init = Path.GetFileNameWithoutExtension(file)[(name.Length + ".grad_".Length)..];
            if (!model.Initializers.TryGetValue(init, out var t)) continue;
            Fixture.AssertClose(Fovea.IO.Npy.Load(file), t.Grad!, 1e-4, 1e-3, $"{name} opset {opset} grad of {init}");
            compared++;
        }
        Assert.True(compared > 0, $"{name}: no initializer kept a PyTorch parameter name");
    }

    [Fact]
    public void InitializersAreParametersOrBuffersUnderSanitizedNames()
    {
        var model = OnnxModule.Load(ModelPath("ops_net", 17));
        Assert.Equal("bn_running_mean", model.MemberNames["bn.running_mean"]);
        Assert.Equal("up.weight", model.OriginalName("up_weight"));
        var parameters = model.NamedParameters().Select(p => p.Name).ToHashSet();
        Assert.Contains("conv_weight", parameters);
        Assert.Contains("pos", parameters);
        Assert.DoesNotContain("bn_running_mean", parameters);   // statistics feed BatchNormalization's mean slot
        Assert.DoesNotContain("bn_running_var", parameters);
        Assert.Contains("bn_running_var", model.NamedBuffers().Select(b => b.Name));
        var state = model.StateDict();
        Assert.Equal(model.Model.Graph.Initializers.Count, state.Count);
        Assert.Same(model.Initializers["conv.weight"], state["conv_weight"]);
        Assert.Contains("Conv", OnnxModule.SupportedOperators);
    }

    [Fact]
    public void FineTuningLowersTheLoss()
    {
        var model = OnnxModule.Load(ModelPath("small_resnet", 13));
        var x = Npy("small_resnet", "in3");
        using var target = Tensor.Zeros([3, 5]);
        var opt = new Sgd(model.Parameters(), lr: 0.05);
        double first = 0, last = 0;
        for (int step = 0; step < 5; step++)
        {
            opt.ZeroGrad();
            var diff = model.Forward(x) - target;
            var loss = (diff * diff).Mean();
            loss.Backward();
            opt.Step();
            if (step == 0) first = loss.ToDouble();
            last = loss.ToDouble();
        }
        Assert.True(last < first * 0.9, $"loss went from {first} to {last}");
    }

    [Fact]
    public void LoadStateDictRoundTrips()
    {
        var a = OnnxModule.Load(ModelPath("small_resnet", 13));
        var b = OnnxModule.Load(ModelPath("small_resnet", 13));
        using (Fovea.Autograd.GradMode.NoGrad()) b.Initializers["fc.weight"].MulInPlace(0);
        b.LoadStateDict(a.StateDict());
        var x = Npy("small_resnet", "in1");
        Fixture.AssertClose(a.Forward(x), b.Forward(x), 0, 0, "reloaded");
    }

    [Fact]
    public void MultipleInputsAndOutputsRunByName()
    {
        var m = Graph(13, [Node("Add", ["a", "b"], ["sum"]), Node("Mul", ["a", "b"], ["product"])], ["a", "b"], ["sum", "product"]);
        var module = OnnxModule.FromModel(m);
        var outs = module.Run(new Dictionary<string, Tensor> { ["a"] = Tensor.From(1, 2), ["b"] = Tensor.From(3, 4) });
        Assert.Equal(new float[] { 4, 6 }, outs["sum"].ToArray<float>());
        Assert.Equal(new float[] { 3, 8 }, outs["product"].ToArray<float>());
        var e = Assert.Throws<InvalidOperationException>(() => module.Forward(Tensor.From(1)));
        Assert.Contains("2 inputs", e.Message);
        Assert.Throws<ArgumentException>(() => module.Run(new Dictionary<string, Tensor> { ["a"] = Tensor.From(1) }));
    }

    // ------------------------------------------------------------------ operator rules on single-node graphs

    [Fact]
    public void SliceClampsAndStepsBackwards()
    {
        var x = Tensor.Arange(10, DType.Float32);
        Assert.Equal(new float[] { 8, 6, 4, 2, 0 }, RunOne("Slice", 13, [x, Longs(-2), Longs(long.MinValue), Longs(0), Longs(-2)]).ToArray<float>());
        Assert.Equal(new float[] { 3, 4, 5, 6, 7, 8, 9 }, RunOne("Slice", 13, [x, Longs(3), Longs(long.MaxValue)]).ToArray<float>());
        Assert.Equal(new float[] { 9, 8 }, RunOne("Slice", 13, [x, Longs(100), Longs(7), Longs(0), Longs(-1)]).ToArray<float>());
        Assert.Equal(new float[] { 1, 2 }, RunOne("Slice", 9, [x], Ints("starts", 1), Ints("ends", 3)).ToArray<float>());
    }

    [Fact]
    public void ReshapeCopiesZerosUnlessAllowZero()
    {
        var x = Tensor.Zeros([2, 3, 4]);
        Assert.Equal(new[] { 2, 12 }, RunOne("Reshape", 13, [x, Longs(0, -1)]).Shape.ToArray());
        Assert.Equal(new[] { 4, 3, 2 }, RunOne("Reshape", 13, [x, Longs(4, 0, -1)]).Shape.ToArray());
        var empty = Tensor.Zeros([0, 3]);
        Assert.Equal(new[] { 3, 0 }, RunOne("Reshape", 14, [empty, Longs(3, 0)], Int("allowzero", 1)).Shape.ToArray());
        Assert.Throws<InvalidDataException>(() => RunOne("Reshape", 13, [x, Longs(5, -1)]));
    }

    [Fact]
    public void SqueezeAndUnsqueezeTakeAxesByOpset()
    {
        var x = Tensor.Zeros([3, 1, 2]);
        Assert.Equal(new[] { 1, 3, 1, 2, 1 }, RunOne("Unsqueeze", 11, [x], Ints("axes", 0, -1)).Shape.ToArray());
        Assert.Equal(new[] { 1, 3, 1, 2, 1 }, RunOne("Unsqueeze", 13, [x, Longs(0, -1)]).Shape.ToArray());
        Assert.Equal(new[] { 3, 2 }, RunOne("Squeeze", 11, [x], Ints("axes", 1)).Shape.ToArray());
        Assert.Equal(new[] { 3, 2 }, RunOne("Squeeze", 13, [x, Longs(-2)]).Shape.ToArray());
        Assert.Equal(new[] { 3, 2 }, RunOne("Squeeze", 13, [x]).Shape.ToArray());
    }

    [Fact]
    public void SoftmaxBeforeOpset13NormalizesFlattenedRows()
    {
        var x = Tensor.FromArray(new float[] { 0, 1, 2, 3, 4, 5, 6, 7 }, 2, 2, 2);
        var old = RunOne("Softmax", 11, [x], Int("axis", 1));
        var expected = x.Reshape(2, 4).Softmax(1).Reshape(2, 2, 2);
        Fixture.AssertClose(expected, old, 1e-6, 0, "opset 11");
        Fixture.AssertClose(x.Softmax(1), RunOne("Softmax", 13, [x], Int("axis", 1)), 1e-6, 0, "opset 13");
    }

    [Fact]
    public void GemmAppliesTransposesAlphaAndBeta()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 3, 2);   // transA -> (2, 3)
        var b = Tensor.FromArray(new float[] { 1, 0, 0, 1, 1, 1 }, 3, 2);
        var c = Tensor.From(10, 20);
        var y = RunOne("Gemm", 13, [a, b, c], Int("transA", 1), Float("alpha", 2), Float("beta", 0.5f));
        var expected = Tensor.MatMul(a.T, b) * 2 + c * 0.5;
        Fixture.AssertClose(expected, y, 1e-6, 0, "gemm");
    }

    [Fact]
    public void SameUpperPaddingAndAsymmetricPools()
    {
        var x = Tensor.Arange(25, DType.Float32).Reshape(1, 1, 5, 5);
        var w = Tensor.Ones([1, 1, 2, 2]);
        var y = RunOne("Conv", 13, [x, w], Str("auto_pad", "SAME_UPPER"), Ints("strides", 2, 2));
        Fixture.AssertClose(Tensor.Conv2d(x, w, null, 2, new Padding2d(0, 1, 0, 1)), y, 0, 0, "same upper");
        var p = RunOne("MaxPool", 13, [x], Ints("kernel_shape", 2, 2), Ints("pads", 1, 1, 0, 0));
        Assert.Equal(new[] { 1, 1, 5, 5 }, p.Shape.ToArray());
        Assert.Equal(0f, p.ToArray<float>()[0]);
        var avg = RunOne("AveragePool", 13, [x], Ints("kernel_shape", 2, 2), Ints("pads", 0, 0, 1, 1));
        Assert.Equal((23 + 24) / 2f, avg.ToArray<float>()[^2], 5);   // count_include_pad = 0: the pad is not counted
    }

    [Fact]
    public void ResizeNearestModesAndCoordinates()
    {
        var x = Tensor.FromArray(new float[] { 0, 1, 2, 3 }, 1, 1, 1, 4);
        var scales = Tensor.FromArray(new float[] { 1, 1, 1, 1.5f }, 4);
        var none = Tensor.Empty([0]);
        float[] Nearest(string coordinates, string mode) => RunOne("Resize", 13, [x, none, scales],
            Str("mode", "nearest"), Str("coordinate_transformation_mode", coordinates), Str("nearest_mode", mode)).ToArray<float>();
        Assert.Equal(new float[] { 0, 0, 1, 2, 2, 3 }, Nearest("asymmetric", "floor"));
        Assert.Equal(new float[] { 0, 1, 1, 2, 3, 3 }, Nearest("half_pixel", "round_prefer_ceil"));
        Assert.Equal(new float[] { 0, 0, 1, 2, 2, 3 }, Nearest("half_pixel", "round_prefer_floor"));
        var linear = RunOne("Resize", 13, [x, none, none, Longs(1, 1, 1, 7)], Str("mode", "linear"), Str("coordinate_transformation_mode", "align_corners"));
        Fixture.AssertClose(Tensor.FromArray(new float[] { 0, 0.5f, 1, 1.5f, 2, 2.5f, 3 }, 1, 1, 1, 7), linear, 1e-6, 0, "align corners");
    }

    [Fact]
    public void ConvTransposeWithAsymmetricPadsAndOutputShape()
    {
        var x = Tensor.Randn([1, 2, 3, 3], generator: new Fovea.Random.Generator(1));
        var w = Tensor.Randn([2, 1, 3, 3], generator: new Fovea.Random.Generator(2));
        var full = Tensor.ConvTranspose2d(x, w, null, 2);   // 7 x 7
        var y = RunOne("ConvTranspose", 13, [x, w], Ints("strides", 2, 2), Ints("pads", 1, 0, 0, 2));
        Fixture.AssertClose(full.Slice(2, 1, 7).Slice(3, 0, 5), y, 1e-6, 0, "asymmetric pads");
        var z = RunOne("ConvTranspose", 13, [x, w], Ints("strides", 2, 2), Ints("output_shape", 6, 6));
        Assert.Equal(new[] { 1, 1, 6, 6 }, z.Shape.ToArray());
    }

    [Fact]
    public void ClipTakesBoundsAsAttributesOrInputs()
    {
        var x = Tensor.From(-2, 0, 3, 9);
        Assert.Equal(new float[] { 0, 0, 3, 6 }, RunOne("Clip", 13, [x, Tensor.Scalar(0), Tensor.Scalar(6)]).ToArray<float>());
        Assert.Equal(new float[] { -2, 0, 3, 4 }, RunOne("Clip", 13, [x, null, Tensor.Scalar(4)]).ToArray<float>());
        Assert.Equal(new float[] { -1, 0, 3, 9 }, RunOne("Clip", 7, [x], Float("min", -1)).ToArray<float>());
    }

    [Fact]
    public void ShapeArithmeticAndIntegerOperators()
    {
        Assert.Equal(new long[] { 1, 4, 7 }, RunOne("Range", 13, [Tensor.Scalar(1, DType.Int64), Tensor.Scalar(10, DType.Int64), Tensor.Scalar(3, DType.Int64)]).ToArray<long>());
        Assert.Equal(new long[] { 3, 4 }, RunOne("Shape", 15, [Tensor.Zeros([2, 3, 4, 5])], Int("start", 1), Int("end", -1)).ToArray<long>());
        Assert.Equal(new long[] { -3, 3 }, RunOne("Div", 13, [Longs(7, -7), Longs(-2, -2)]).ToArray<long>());
        Assert.Equal(new long[] { 2, -2 }, RunOne("Mod", 13, [Longs(-7, 7), Longs(3, -3)]).ToArray<long>());
        Assert.Equal(new float[] { -1, 1 }, RunOne("Mod", 13, [Tensor.From(-7, 7), Tensor.From(3, 3)], Int("fmod", 1)).ToArray<float>());
        Assert.Equal(new long[] { 1, -1 }, RunOne("Cast", 13, [Tensor.From(1.7f, -1.7f)], Int("to", (long)OnnxDataType.Int64)).ToArray<long>());
        Assert.Equal(new[] { true, false }, RunOne("Not", 13, [RunOne("Less", 13, [Tensor.From(3, 1), Tensor.From(2, 2)])]).ToArray<bool>());
        var filled = RunOne("ConstantOfShape", 13, [Longs(2, 3)]);
        Assert.Equal(new[] { 2, 3 }, filled.Shape.ToArray());
        Assert.Equal(DType.Float32, filled.DType);
        var huge = Assert.Throws<InvalidDataException>(() => RunOne("ConstantOfShape", 13, [Longs(1L << 20, 1L << 20)]));
        Assert.Contains("ConstantOfShape", huge.Message);
    }

    [Fact]
    public void IndexingAndLayoutOperators()
    {
        var m = Tensor.FromArray(new float[] { 1, 5, 2, 7, 0, 3 }, 2, 3);
        Assert.Equal(new long[] { 1, 0 }, RunOne("ArgMax", 13, [m], Int("axis", 1), Int("keepdims", 0)).ToArray<long>());
        var top = RunAll("TopK", 13, [m, Longs(2)], 2);
        Assert.Equal(new float[] { 5, 2, 7, 3 }, top[0].ToArray<float>());
        Assert.Equal(new long[] { 1, 2, 0, 2 }, top[1].ToArray<long>());
        Assert.Equal(new float[] { 1, 5, 2, 1, 5, 2 }, RunOne("Tile", 13, [m.Slice(0, 0, 1), Longs(2, 1)]).ToArray<float>());
        Assert.Equal(new float[] { 1, 1, 0, 7 }, RunOne("GatherElements", 13, [m, Longs(0, 0, -2, 0).Reshape(2, 2)], Int("axis", 1)).ToArray<float>());
        Assert.Equal(new float[] { 7, 0, 3 }, RunOne("Gather", 13, [m, Tensor.Scalar(-1, DType.Int64)]).ToArray<float>());
        var parts = RunAll("Split", 18, [Tensor.Arange(7, DType.Float32)], 3, Int("num_outputs", 3));
        Assert.Equal(new[] { 3, 3, 1 }, parts.Select(p => p.NumElements));
        var padded = RunOne("Pad", 18, [m, Longs(1, 2), Tensor.Scalar(9), Longs(1)]);
        Assert.Equal(new float[] { 9, 1, 5, 2, 9, 9 }, padded.Slice(0, 0, 1).ToArray<float>());
        var d2s = RunOne("DepthToSpace", 13, [Tensor.Arange(8, DType.Float32).Reshape(1, 8, 1, 1)], Int("blocksize", 2));
        Assert.Equal(new float[] { 0, 2, 4, 6, 1, 3, 5, 7 }, d2s.ToArray<float>());
        var crd = RunOne("DepthToSpace", 13, [Tensor.Arange(8, DType.Float32).Reshape(1, 8, 1, 1)], Int("blocksize", 2), Str("mode", "CRD"));
        Assert.Equal(Tensor.PixelShuffle(Tensor.Arange(8, DType.Float32).Reshape(1, 8, 1, 1), 2).ToArray<float>(), crd.ToArray<float>());
    }

    [Fact]
    public void VariadicEinsumUpsampleAndGlobalPools()
    {
        var a = Tensor.From(1, 5, 3);
        var b = Tensor.From(4, 2, 6);
        Assert.Equal(new float[] { 4, 5, 6 }, RunOne("Max", 13, [a, b, Tensor.From(0, 0, 6)]).ToArray<float>());
        Assert.Equal(new float[] { 1, 2, 3 }, RunOne("Min", 13, [a, b]).ToArray<float>());
        Assert.Equal(new float[] { 5, 7, 9 }, RunOne("Sum", 13, [a, b]).ToArray<float>());
        var x = Tensor.Randn([2, 3], generator: new Fovea.Random.Generator(1));
        var y = Tensor.Randn([3, 4], generator: new Fovea.Random.Generator(2));
        Fixture.AssertClose(Tensor.MatMul(x, y), RunOne("Einsum", 13, [x, y], Str("equation", "ij,jk->ik")), 1e-6, 0, "einsum");
        var img = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 1, 1, 2, 2);
        var up = RunOne("Upsample", 9, [img, Tensor.From(1, 1, 2, 2)]);
        Assert.Equal(new float[] { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 }, up.ToArray<float>());
        Assert.Equal(new float[] { 4 }, RunOne("GlobalMaxPool", 13, [img]).ToArray<float>());
        Assert.Equal(new float[] { 2.5f }, RunOne("GlobalAveragePool", 13, [img]).ToArray<float>());
        Assert.Equal(new float[] { 3, 7 }, RunOne("ReduceSum", 13, [img.Reshape(2, 2), Longs(1)], Int("keepdims", 0)).ToArray<float>());
        Assert.Equal(new float[] { 2, 3 }, RunOne("ReduceMean", 11, [img.Reshape(2, 2)], Ints("axes", 0), Int("keepdims", 0)).ToArray<float>());
    }

    // ------------------------------------------------------------------ errors

    [Fact]
    public void UnsupportedOperatorNamesOpNodeAndOpset()
    {
        var m = Graph(16, [Node("NonMaxSuppression", ["x"], ["y"], name: "nms_1")], ["x"], ["y"]);
        var e = Assert.Throws<NotSupportedException>(() => OnnxModule.FromModel(m));
        Assert.Contains("NonMaxSuppression", e.Message);
        Assert.Contains("nms_1", e.Message);
        Assert.Contains("opset 16", e.Message);
        var custom = Graph(13, [Node("Relu", ["x"], ["y"], domain: "com.microsoft")], ["x"], ["y"]);
        Assert.Contains("com.microsoft", Assert.Throws<NotSupportedException>(() => OnnxModule.FromModel(custom)).Message);
    }

    [Fact]
    public void CorruptFilesAreInvalidData()
    {
        var bytes = File.ReadAllBytes(ModelPath("small_resnet", 13));
        var dir = Directory.CreateTempSubdirectory("fovea_onnx_").FullName;
        try
        {
            string truncated = Path.Combine(dir, "truncated.onnx");
            File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
            Assert.Throws<InvalidDataException>(() => OnnxModule.Load(truncated));

            string wrongType = Path.Combine(dir, "wrong_type.onnx");
            File.WriteAllBytes(wrongType, [0x08, 0x07, 0x38, 0x01]);   // ir_version 7, then graph (field 7) as a varint
            Assert.Contains("wire type", Assert.Throws<InvalidDataException>(() => OnnxModule.Load(wrongType)).Message);

            var model = OnnxSerializer.Parse(bytes);
            var fc = model.Graph.Initializers.Single(t => t.Name == "fc.weight");
            fc.RawData = fc.RawData[..^4];
            string shortData = Path.Combine(dir, "short.onnx");
            OnnxSerializer.Save(shortData, model);
            var e = Assert.Throws<InvalidDataException>(() => OnnxModule.Load(shortData));
            Assert.Contains("fc.weight", e.Message);

            fc.Dims.Clear();
            fc.Dims.AddRange([1L << 20, 1L << 20, 1L << 20]);
            string huge = Path.Combine(dir, "huge.onnx");
            OnnxSerializer.Save(huge, model);
            Assert.Throws<InvalidDataException>(() => OnnxModule.Load(huge));

            var cyclic = Graph(13, [Node("Relu", ["b"], ["a"]), Node("Relu", ["a"], ["b"])], ["x"], ["a"]);
            Assert.Contains("cycle", Assert.Throws<InvalidDataException>(() => OnnxModule.FromModel(cyclic)).Message);
            var dangling = Graph(13, [Node("Relu", ["nowhere"], ["y"])], ["x"], ["y"]);
            Assert.Contains("nowhere", Assert.Throws<InvalidDataException>(() => OnnxModule.FromModel(dangling)).Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void WrongInputShapeIsAnArgumentError()
    {
        var model = OnnxModule.Load(ModelPath("small_resnet", 13));
        var e = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros([2, 3, 8, 8])));
        Assert.Contains("batch", e.Message);
    }

    // ------------------------------------------------------------------ graph building helpers

    private static OnnxNode Node(string op, string[] inputs, string[] outputs, string name = "n0", string domain = "", params OnnxAttribute[] attributes)
    {
        var n = new OnnxNode { OpType = op, Name = name, Domain = domain };
        n.Inputs.AddRange(inputs);
        n.Outputs.AddRange(outputs);
        n.Attributes.AddRange(attributes);
        return n;
    }

    private static OnnxModel Graph(long opset, OnnxNode[] nodes, string[] inputs, string[] outputs)
    {
        var m = new OnnxModel();
        m.OpsetImport.Add(("", opset));
        m.Graph.Nodes.AddRange(nodes);
        m.Graph.Inputs.AddRange(inputs.Select(i => new OnnxValueInfo { Name = i }));
        m.Graph.Outputs.AddRange(outputs.Select(o => new OnnxValueInfo { Name = o }));
        return m;
    }

    /// <summary>Runs one node whose inputs are fed as graph inputs (null: omitted); returns its first output.</summary>
    private static Tensor RunOne(string op, long opset, Tensor?[] inputs, params OnnxAttribute[] attributes) =>
        RunAll(op, opset, inputs, 1, attributes)[0];

    /// <summary>Runs one node with <paramref name="outputs"/> outputs; returns them in order.</summary>
    private static Tensor[] RunAll(string op, long opset, Tensor?[] inputs, int outputs, params OnnxAttribute[] attributes)
    {
        var names = inputs.Select((t, i) => t == null ? "" : $"in{i}").ToArray();
        string[] outNames = [.. Enumerable.Range(0, outputs).Select(i => $"out{i}")];
        var m = Graph(opset, [Node(op, names, outNames, attributes: attributes)], [.. names.Where(n => n.Length > 0)], outNames);
        var feed = inputs.Select((t, i) => (t, i)).Where(p => p.t != null).ToDictionary(p => $"in{p.i}", p => p.t!);
        var result = OnnxModule.FromModel(m).Run(feed);
        return [.. outNames.Select(n => result[n])];
    }

    private static Tensor Longs(params long[] v) => Tensor.FromArray(v, v.Length);
    private static OnnxAttribute Int(string name, long v) => new() { Name = name, Type = OnnxAttributeType.Int, I = v };
    private static OnnxAttribute Float(string name, float v) => new() { Name = name, Type = OnnxAttributeType.Float, F = v };
    private static OnnxAttribute Str(string name, string v) => new() { Name = name, Type = OnnxAttributeType.String, S = System.Text.Encoding.UTF8.GetBytes(v) };

    private static OnnxAttribute Ints(string name, params long[] v)
    {
        var a = new OnnxAttribute { Name = name, Type = OnnxAttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }
}
