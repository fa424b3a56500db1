// `infer [--model resnet18] [--batch B] [--peer]`: inference latency of a zoo model at 224x224 (Inference.Optimize: batch
// norm folded, activations and residual adds fused, weights packed), next
// to PyTorch (torch_infer.py) and ONNX Runtime (ort_infer.js on the ONNX file Fovea exports from the same weights).
using Fovea.Autograd;
using Fovea.IO.Onnx;
using Fovea.Memory;
using Fovea.Models;

namespace Fovea.Bench;

internal static class InferBench
{
    public static int Run(string[] args)
    {
        string name = Value(args, "--model") ?? "resnet18";
        int batch = int.Parse(Value(args, "--batch") ?? "1");
        var model = ModelZoo.Create(name, 1000, 3);
        model.Eval();
        var x = Tensor.Randn([batch, 3, 224, 224]);
        string onnx = Path.Combine(Path.GetTempPath(), $"fovea-bench-{name}.onnx");
        using (GradMode.NoGrad()) OnnxExporter.Export(model, x, onnx);
        var prepared = Inference.Optimize(model);
        double s;
        using (GradMode.NoGrad()) s = Measure.Median(() => { using var scope = TensorScope.Begin(); model.Call(x); }, 2.0, 5);
        var row = new Dictionary<string, object?>
        {
            ["bench"] = "infer", ["model"] = name, ["batch"] = batch, ["folded_bn"] = prepared.FoldedNorms, ["fused"] = prepared.FusedActivations + prepared.FusedBlocks, ["ms"] = Math.Round(s * 1e3, 2), ["img_s"] = Math.Round(batch / s, 1),
        };
        if (args.Contains("--peer") && Measure.PeersDir() is { } dir)
        {
            var torch = Measure.Peer("/usr/bin/python3", $"{Path.Combine(dir, "torch_infer.py")} {name} --batch {batch}");
            if (torch is { Count: > 0 } && torch[0].TryGetProperty("ms_median", out var t))
            {
                row["pytorch_ms"] = t.GetDouble();
                row["ratio_vs_pytorch"] = Math.Round(s * 1e3 / t.GetDouble(), 2);   // Fovea time / peer time (< 1 is faster)
            }
            var ort = Measure.Peer("node", $"{Path.Combine(dir, "ort_infer.js")} {onnx} --batch {batch}");
            var ms = ort is { Count: > 0 } ? ort[0].EnumerateObject().FirstOrDefault(p => p.Name.StartsWith("ms", StringComparison.Ordinal)) : default;
            if (ms.Value.ValueKind == System.Text.Json.JsonValueKind.Number)
            {
                row["onnxruntime_ms"] = ms.Value.GetDouble();
                row["ratio_vs_onnxruntime"] = Math.Round(s * 1e3 / ms.Value.GetDouble(), 2);
            }
        }
        Measure.Print(row);
        return 0;
    }

    private static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
