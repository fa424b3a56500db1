// Exports Fovea models to ONNX by walking their module tree: containers, the standard layers and the model-zoo
// classification networks each map to ONNX nodes, while the example input flows through the same modules (in
// evaluation mode) so every intermediate shape is known. Anything else is a NotSupportedException naming it.
using Fovea.Autograd;
using Fovea.Memory;
using Fovea.Models;
using Fovea.NN;
using static Fovea.IO.Onnx.OnnxGraphBuilder;

namespace Fovea.IO.Onnx;

/// <summary>
/// Writes a model as an .onnx file (ONNX opsets 11-18) for ONNX Runtime and other tools.
/// <para>Supported: Sequential; Conv2d, ConvTranspose2d, BatchNorm1d/2d (running statistics), Linear, LayerNorm
/// (opset 17+); ReLU, ReLU6, Sigmoid, Tanh, SiLU, Hardswish, Hardsigmoid, LeakyReLU, ELU, GELU, Softmax, LogSoftmax;
/// MaxPool2d, AvgPool2d, AdaptiveAvgPool2d/AdaptiveMaxPool2d (output 1 or dividing the input), GlobalAvgPool,
/// Flatten, Identity and the dropout layers (exported as identity); and the zoo models ResNet (BasicBlock,
/// Bottleneck), MobileNetV2 (InvertedResidual), LeNet5, VggSmall, CompactCnn and ReferenceCnn.</para>
/// <example><code>OnnxExporter.Export(model, Tensor.Zeros([1, 3, 224, 224]), "model.onnx");</code></example>
/// </summary>
public static class OnnxExporter
{
    /// <summary>
    /// Traces <paramref name="model"/> on <paramref name="exampleInput"/> and writes the ONNX file atomically (a
    /// temporary file renamed into place). With <paramref name="dynamicBatch"/>, dim 0 of the input and output is
    /// the symbolic "batch". The model's train/eval modes are restored afterwards.
    /// </summary>
    public static void Export(Module model, Tensor exampleInput, string path, int opset = 17, bool dynamicBatch = true)
    {
        var onnx = ToModel(model, exampleInput, opset, dynamicBatch);
        OnnxSerializer.Save(path, onnx);
    }

    /// <summary>The ONNX model <see cref="Export"/> writes.</summary>
    public static OnnxModel ToModel(Module model, Tensor exampleInput, int opset = 17, bool dynamicBatch = true)
    {
        if (opset is < 11 or > 18) throw new ArgumentOutOfRangeException(nameof(opset), $"ONNX export: opset must be 11-18, got {opset}.");
        if (exampleInput.Rank == 0) throw new ArgumentException($"ONNX export: the example input needs a batch dimension, got shape {exampleInput.Shape}.");
        // Fused activations live inside the convolutions (their ReLU modules became Identity): the module tree no
        // longer describes the computation. Batch-norm folding alone (Inference.FoldBatchNorm) exports fine.
        if (model.NamedModules().FirstOrDefault(m => m.Module is Conv2d { FusedClamp: not null }) is { Module: not null } fused)
            throw new NotSupportedException($"ONNX export: convolution '{fused.Name}' has an activation fused by Inference.Optimize; export the model before optimizing it (ONNX Runtime fuses on its own).");
        var modes = model.NamedModules().Select(m => (m.Module, m.Module.Training)).ToList();
        try
        {
            model.Eval();
            using var _ = GradMode.NoGrad();
            using var scope = TensorScope.Begin();
            var b = new OnnxGraphBuilder(opset);
            var input = new Value("input", exampleInput);
            var output = new Tracer(b).Emit(model, "", input);
            string outName = output.Name == input.Name ? b.Node("Identity", "", [input.Name]) : output.Name;
            b.Graph.Inputs.Add(Info(input.Name, exampleInput, dynamicBatch));
            b.Graph.Outputs.Add(Info(outName, output.Data, dynamicBatch));
            var m = new OnnxModel { IrVersion = opset <= 12 ? 7 : 8, ProducerName = "fovea", ProducerVersion = "1", Graph = b.Graph };
            m.OpsetImport.Add(("", opset));
            return m;
        }
        finally
        {
            foreach (var (m, training) in modes) m.Train(training);
        }
    }

    private static OnnxValueInfo Info(string name, Tensor t, bool dynamicBatch) => new()
    {
        Name = name,
        ElemType = OnnxTensors.ToOnnx(t.DType),
        Shape = [.. t.Shape.Select((d, i) => i == 0 && dynamicBatch ? ((long?)null, (string?)"batch") : (d, null))],
    };

    /// <summary>An ONNX value name with the tensor the traced model computes for it.</summary>
    private readonly record struct Value(string Name, Tensor Data);

    private sealed class Tracer(OnnxGraphBuilder b)
    {
        private readonly int _opset = b.Opset;

        public Value Emit(Module m, string prefix, Value x) => m switch
        {
            Sequential s => s.NamedChildren().Aggregate(x, (v, c) => Emit(c.Module, Module.Join(prefix, c.Name), v)),
            Conv2d c => Conv(c, prefix, x),
            ConvTranspose2d c => ConvTranspose(c, prefix, x),
            BatchNormLayer bn => BatchNorm(bn, prefix, x),
            Linear l => LinearLayer(l, prefix, x),
            LayerNorm ln => LayerNormalization(ln, prefix, x),
            ReLU => Op("Relu", prefix, x, x.Data.Relu()),
            ReLU6 => Clip(prefix, x, 0, 6),
            Sigmoid => Op("Sigmoid", prefix, x, x.Data.Sigmoid()),
            Tanh => Op("Tanh", prefix, x, x.Data.Tanh()),
            SiLU => Mul(prefix, x, Op("Sigmoid", prefix, x, x.Data.Sigmoid())),
            Hardswish => _opset >= 14 ? Op("HardSwish", prefix, x, x.Data.Hardswish()) : Mul(prefix, x, HardSigmoid(prefix, x)),
            Hardsigmoid => HardSigmoid(prefix, x),
            LeakyReLU l => Op("LeakyRelu", prefix, x, x.Data.LeakyRelu(l.NegativeSlope), Float("alpha", l.NegativeSlope)),
            ELU e => Op("Elu", prefix, x, x.Data.Elu(e.Alpha), Float("alpha", e.Alpha)),
            GELU g => Gelu(g, prefix, x),
            NN.Softmax s => SoftmaxLike("Softmax", s.Dim, prefix, x, m),
            LogSoftmax s => SoftmaxLike("LogSoftmax", s.Dim, prefix, x, m),
            Identity or DropoutLayer => x,
            Flatten f => FlattenDims(prefix, x, f.StartDim, f.EndDim),
            NN.MaxPool2d p => MaxPool(prefix, x, p.KernelSize, p.Stride, p.Padding, p.Dilation, p.CeilMode),
            NN.AvgPool2d p => AvgPool(p, prefix, x),
            NN.AdaptiveAvgPool2d p => AdaptivePool(prefix, x, p.OutputSize, max: false),
            NN.AdaptiveMaxPool2d p => AdaptivePool(prefix, x, p.OutputSize, max: true),
            GlobalAvgPool g => GlobalAvgPool(prefix, x, g.KeepDims),
            BasicBlock or Bottleneck => ResidualBlock(m, prefix, x),
            ResNet r => ResNetModel(r, prefix, x),
            InvertedResidual ir => InvertedResidualBlock(ir, prefix, x),
            MobileNetV2 mb => PooledHead(mb, prefix, Emit(mb.Child("features"), Module.Join(prefix, "features"), x)),
            VggSmall v => PooledHead(v, prefix, Emit(v.Child("features"), Module.Join(prefix, "features"), x)),
            CompactCnn cc => Emit(cc.Child("classifier"), Module.Join(prefix, "classifier"), Emit(cc.Child("features"), Module.Join(prefix, "features"), x)),
            LeNet5 l => LeNet(l, prefix, x),
            ReferenceCnn r => ReferenceNet(r, prefix, x),
            _ => throw new NotSupportedException($"ONNX export: module {m.GetType().Name} at '{(prefix.Length == 0 ? "(root)" : prefix)}' is not supported. " +
                "Supported: Sequential, Conv2d, ConvTranspose2d, BatchNorm, Linear, LayerNorm, activations, pools, Flatten, Dropout, Identity and the ResNet, MobileNetV2, LeNet5, VggSmall, CompactCnn and ReferenceCnn models."),
        };

        // ---------------------------------------------------------------- layers

        private Value Op(string op, string prefix, Value x, Tensor data, params OnnxAttribute[] attributes) =>
            new(b.Node(op, prefix, [x.Name], attributes), data);

        private Value Conv(Conv2d c, string prefix, Value x)
        {
            var p = c.Padding;
            if (p.IsSame)
            {
                int th = c.Dilation.H * (c.KernelSize.H - 1), tw = c.Dilation.W * (c.KernelSize.W - 1);
                p = new Padding2d(th / 2, th - th / 2, tw / 2, tw - tw / 2);
            }
            return new(b.Node("Conv", prefix, Weights(c, prefix, x),
                Ints("kernel_shape", c.KernelSize.H, c.KernelSize.W), Ints("strides", c.Stride.H, c.Stride.W),
                Ints("pads", p.Top, p.Left, p.Bottom, p.Right), Ints("dilations", c.Dilation.H, c.Dilation.W), Int("group", c.Groups)),
                c.Forward(x.Data));
        }

        private Value ConvTranspose(ConvTranspose2d c, string prefix, Value x) =>
            new(b.Node("ConvTranspose", prefix, Weights(c, prefix, x),
                Ints("kernel_shape", c.KernelSize.H, c.KernelSize.W), Ints("strides", c.Stride.H, c.Stride.W),
                Ints("pads", c.Padding.H, c.Padding.W, c.Padding.H, c.Padding.W), Ints("output_padding", c.OutputPadding.H, c.OutputPadding.W),
                Ints("dilations", c.Dilation.H, c.Dilation.W), Int("group", c.Groups)),
                c.Forward(x.Data));

        private string[] Weights(ConvLayer c, string prefix, Value x) => c.Bias is { } bias
            ? [x.Name, b.Initializer(Module.Join(prefix, "weight"), c.Weight), b.Initializer(Module.Join(prefix, "bias"), bias)]
            : [x.Name, b.Initializer(Module.Join(prefix, "weight"), c.Weight)];

        private Value BatchNorm(BatchNormLayer bn, string prefix, Value x)
        {
            if (!bn.TrackRunningStats) throw new NotSupportedException($"ONNX export: {bn.GetType().Name} at '{prefix}' has no running statistics to export.");
            using var ones = Tensor.Ones([bn.NumFeatures], bn.RunningMean!.DType);
            using var zeros = Tensor.Zeros([bn.NumFeatures], bn.RunningMean!.DType);
            string[] inputs =
            [
                x.Name, b.Initializer(Module.Join(prefix, "weight"), bn.Weight ?? ones), b.Initializer(Module.Join(prefix, "bias"), bn.Bias ?? zeros),
                b.Initializer(Module.Join(prefix, "running_mean"), bn.RunningMean!), b.Initializer(Module.Join(prefix, "running_var"), bn.RunningVar!),
            ];
            return new(b.Node("BatchNormalization", prefix, inputs, Float("epsilon", bn.Eps)), bn.Forward(x.Data));
        }

        // Gemm for matrices; MatMul with the transposed weight (and Add) for higher ranks.
        private Value LinearLayer(Linear l, string prefix, Value x)
        {
            var y = l.Forward(x.Data);
            if (x.Data.Rank == 2)
            {
                string[] inputs = l.Bias is { } bias
                    ? [x.Name, b.Initializer(Module.Join(prefix, "weight"), l.Weight), b.Initializer(Module.Join(prefix, "bias"), bias)]
                    : [x.Name, b.Initializer(Module.Join(prefix, "weight"), l.Weight)];
                return new(b.Node("Gemm", prefix, inputs, Int("transB", 1)), y);
            }
            using var wt = l.Weight.T.Contiguous();
            string product = b.Node("MatMul", prefix, [x.Name, b.Initializer(Module.Join(prefix, "weight_t"), wt)]);
            return new(l.Bias is { } bb ? b.Node("Add", prefix, [product, b.Initializer(Module.Join(prefix, "bias"), bb)]) : product, y);
        }

        private Value LayerNormalization(LayerNorm ln, string prefix, Value x)
        {
            if (_opset < 17) throw new NotSupportedException($"ONNX export: LayerNorm at '{prefix}' needs opset 17 or later (LayerNormalization), got {_opset}.");
            using var ones = Tensor.Ones(ln.NormalizedShape, x.Data.DType);
            var inputs = new List<string> { x.Name, b.Initializer(Module.Join(prefix, "weight"), ln.Weight ?? ones) };
            if (ln.Bias != null) inputs.Add(b.Initializer(Module.Join(prefix, "bias"), ln.Bias));
            return new(b.Node("LayerNormalization", prefix, [.. inputs], Int("axis", -ln.NormalizedShape.Length), Float("epsilon", ln.Eps)), ln.Forward(x.Data));
        }

        private Value Clip(string prefix, Value x, double min, double max) =>
            new(b.Node("Clip", prefix, [x.Name, b.Scalar(Module.Join(prefix, "min"), min, x.Data.DType), b.Scalar(Module.Join(prefix, "max"), max, x.Data.DType)]),
                x.Data.Clamp(min, max));

        private Value HardSigmoid(string prefix, Value x) =>
            Op("HardSigmoid", prefix, x, x.Data.Hardsigmoid(), Float("alpha", 1.0 / 6), Float("beta", 0.5));

        private Value Mul(string prefix, Value a, Value c) => new(b.Node("Mul", prefix, [a.Name, c.Name]), a.Data * c.Data);

        private Value Add(string prefix, Value a, Value c) => new(b.Node("Add", prefix, [a.Name, c.Name]), a.Data + c.Data);

        // GELU from Erf (exact) or Tanh (approximate): ONNX's Gelu operator only arrived in opset 20.
        private Value Gelu(GELU g, string prefix, Value x)
        {
            var dt = x.Data.DType;
            string inner;
            if (g.ApproximateTanh)
            {
                string cube = b.Node("Pow", prefix, [x.Name, b.Scalar(Module.Join(prefix, "three"), 3, dt)]);
                string scaled = b.Node("Mul", prefix, [cube, b.Scalar(Module.Join(prefix, "k"), 0.044715, dt)]);
                string sum = b.Node("Add", prefix, [x.Name, scaled]);
                string arg = b.Node("Mul", prefix, [sum, b.Scalar(Module.Join(prefix, "sqrt_2_over_pi"), Math.Sqrt(2 / Math.PI), dt)]);
                inner = b.Node("Tanh", prefix, [arg]);
            }
            else
            {
                string arg = b.Node("Div", prefix, [x.Name, b.Scalar(Module.Join(prefix, "sqrt2"), Math.Sqrt(2), dt)]);
                inner = b.Node("Erf", prefix, [arg]);
            }
            string onePlus = b.Node("Add", prefix, [inner, b.Scalar(Module.Join(prefix, "one"), 1, dt)]);
            string half = b.Node("Mul", prefix, [x.Name, b.Scalar(Module.Join(prefix, "half"), 0.5, dt)]);
            return new(b.Node("Mul", prefix, [half, onePlus]), x.Data.Gelu(g.ApproximateTanh));
        }

        private Value SoftmaxLike(string op, int dim, string prefix, Value x, Module m)
        {
            int axis = dim < 0 ? dim + x.Data.Rank : dim;
            if (_opset < 13 && axis != x.Data.Rank - 1)
                throw new NotSupportedException($"ONNX export: {m.GetType().Name} over dim {dim} of a rank-{x.Data.Rank} input needs opset 13 or later.");
            return Op(op, prefix, x, m.Forward(x.Data), Int("axis", axis));
        }

        // Flatten(1, -1) is ONNX Flatten; other ranges are a Reshape that copies the leading dims (0) and infers the merged one (-1).
        private Value FlattenDims(string prefix, Value x, int start, int end)
        {
            int r = x.Data.Rank;
            int s = start < 0 ? start + r : start, e = end < 0 ? end + r : end;
            var y = x.Data.Flatten(start, end);
            if (s == 1 && e == r - 1) return Op("Flatten", prefix, x, y, Int("axis", 1));
            long[] shape = [.. Enumerable.Repeat(0L, s), -1, .. x.Data.ShapeArray[(e + 1)..].Select(d => (long)d)];
            return new(b.Node("Reshape", prefix, [x.Name, b.Int64s(Module.Join(prefix, "shape"), shape)]), y);
        }

        private Value MaxPool(string prefix, Value x, Size2 kernel, Size2? stride, Padding2d? padding, Size2? dilation, bool ceil)
        {
            Size2 s = stride ?? kernel, d = dilation ?? 1;
            var p = padding ?? 0;
            return Op("MaxPool", prefix, x, Tensor.MaxPool2d(x.Data, kernel, s, p, d, ceil),
                Ints("kernel_shape", kernel.H, kernel.W), Ints("strides", s.H, s.W), Ints("pads", p.Top, p.Left, p.Bottom, p.Right),
                Ints("dilations", d.H, d.W), Int("ceil_mode", ceil ? 1 : 0));
        }

        private Value AvgPool(NN.AvgPool2d pool, string prefix, Value x)
        {
            if (pool.DivisorOverride != null) throw new NotSupportedException($"ONNX export: AvgPool2d at '{prefix}' has a divisor override, which ONNX cannot express.");
            var kernel = pool.KernelSize;
            Size2 s = pool.Stride;
            var p = pool.Padding;
            return Op("AveragePool", prefix, x, pool.Forward(x.Data),
                Ints("kernel_shape", kernel.H, kernel.W), Ints("strides", s.H, s.W), Ints("pads", p.Top, p.Left, p.Bottom, p.Right),
                Int("ceil_mode", pool.CeilMode ? 1 : 0), Int("count_include_pad", pool.CountIncludePad ? 1 : 0));
        }

        // Output 1 is a global pool; an output that divides the input evenly is a fixed-window pool.
        private Value AdaptivePool(string prefix, Value x, Size2 output, bool max)
        {
            var y = max ? Tensor.AdaptiveMaxPool2d(x.Data, output) : Tensor.AdaptiveAvgPool2d(x.Data, output);
            if (output == new Size2(1, 1)) return Op(max ? "GlobalMaxPool" : "GlobalAveragePool", prefix, x, y);
            int h = x.Data.Size(-2), w = x.Data.Size(-1);
            if (h % output.H != 0 || w % output.W != 0)
                throw new NotSupportedException($"ONNX export: adaptive pooling at '{prefix}' from {h}x{w} to {output} has uneven windows, which ONNX cannot express.");
            Size2 k = (h / output.H, w / output.W);
            return Op(max ? "MaxPool" : "AveragePool", prefix, x, y, Ints("kernel_shape", k.H, k.W), Ints("strides", k.H, k.W));
        }

        private Value GlobalAvgPool(string prefix, Value x, bool keepDims)
        {
            if (x.Data.Rank != 4) throw new NotSupportedException($"ONNX export: GlobalAvgPool at '{prefix}' is exported for (N, C, H, W) inputs only, got {x.Data.Shape}.");
            var pooled = Op("GlobalAveragePool", prefix, x, x.Data.Mean([2, 3], keepDim: true));
            return keepDims ? pooled : Op("Flatten", prefix, pooled, pooled.Data.Flatten(1), Int("axis", 1));
        }

        // ---------------------------------------------------------------- zoo models (mirroring their Forward)

        private Value Child(Module m, string prefix, string name, Value x) => Emit(m.Child(name), Module.Join(prefix, name), x);

        private Value Relu(string prefix, Value x) => Op("Relu", prefix, x, x.Data.Relu());

        private Value ResidualBlock(Module block, string prefix, Value x)
        {
            var y = Relu(prefix, Child(block, prefix, "bn1", Child(block, prefix, "conv1", x)));
            y = Child(block, prefix, "bn2", Child(block, prefix, "conv2", y));
            if (block is Bottleneck)
                y = Child(block, prefix, "bn3", Child(block, prefix, "conv3", Relu(prefix, y)));
            var shortcut = block.NamedChildren().Any(c => c.Name == "downsample") ? Child(block, prefix, "downsample", x) : x;
            return Relu(prefix, Add(prefix, y, shortcut));
        }

        // The small-image stem (3x3 stride-1 conv1) has no max pool.
        private Value ResNetModel(ResNet r, string prefix, Value x)
        {
            var y = Relu(prefix, Child(r, prefix, "bn1", Child(r, prefix, "conv1", x)));
            var conv1 = (Conv2d)r.Child("conv1");
            if (!(conv1.KernelSize == new Size2(3, 3) && conv1.Stride == new Size2(1, 1))) y = MaxPool(prefix, y, 3, 2, 1, null, false);
            for (int s = 1; s <= 4; s++) y = Child(r, prefix, $"layer{s}", y);
            return PooledHead(r, prefix, y);
        }

        // AdaptiveAvgPool2d(1), Flatten(1), then the "fc" or "classifier" child.
        private Value PooledHead(Module m, string prefix, Value features)
        {
            var pooled = GlobalAvgPool(prefix, features, keepDims: false);
            return Child(m, prefix, m.NamedChildren().Any(c => c.Name == "fc") ? "fc" : "classifier", pooled);
        }

        // Residual exactly when the block keeps the shape: stride 1 throughout and as many channels out as in.
        private Value InvertedResidualBlock(InvertedResidual ir, string prefix, Value x)
        {
            var convs = ir.Modules().OfType<Conv2d>().ToList();
            bool residual = convs.All(c => c.Stride == new Size2(1, 1)) && convs[0].InChannels == convs[^1].OutChannels;
            var y = Child(ir, prefix, "conv", x);
            return residual ? Add(prefix, x, y) : y;
        }

        private Value LeNet(LeNet5 l, string prefix, Value x)
        {
            var y = MaxPool(prefix, Relu(prefix, Child(l, prefix, "conv1", x)), 2, null, null, null, false);
            y = MaxPool(prefix, Relu(prefix, Child(l, prefix, "conv2", y)), 2, null, null, null, false);
            y = FlattenDims(prefix, y, 1, -1);
            y = Relu(prefix, Child(l, prefix, "fc2", Relu(prefix, Child(l, prefix, "fc1", y))));
            return Child(l, prefix, "fc3", y);
        }

        private Value ReferenceNet(ReferenceCnn r, string prefix, Value x)
        {
            var y = MaxPool(prefix, Relu(prefix, Child(r, prefix, "b1", Child(r, prefix, "c1", x))), 2, null, null, null, false);
            y = MaxPool(prefix, Relu(prefix, Child(r, prefix, "b2", Child(r, prefix, "c2", y))), 2, null, null, null, false);
            y = Relu(prefix, Child(r, prefix, "f1", FlattenDims(prefix, y, 1, -1)));
            return Child(r, prefix, "f2", Child(r, prefix, "drop", y));
        }
    }
}
