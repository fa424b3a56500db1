// `fovea export MODEL --format onnx|safetensors --output FILE`: a trained run (or .pth with --arch) to ONNX (checked by
// re-importing it) or to bare safetensors weights.
using System.CommandLine;
using System.Text.Json;
using Fovea.Autograd;
using Fovea.IO;
using Fovea.IO.Onnx;
using Fovea.Training;

namespace Fovea.Cli.Commands;

public static class ExportCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Run folder, .safetensors from fovea train, or .pth/.pt with --arch." };
        var arch = new Option<string?>("--arch") { Description = "The zoo architecture of a bare PyTorch state dict." };
        var format = new Option<string>("--format") { Description = "onnx or safetensors.", DefaultValueFactory = _ => "onnx" };
        var output = new Option<string>("--output") { Description = "The file to write.", Required = true };
        var opset = new Option<int>("--opset") { Description = "ONNX opset (11-18).", DefaultValueFactory = _ => 17 };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON." };
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces on errors." };
        var cmd = new Command("export", "Export a model to ONNX or safetensors.") { model, arch, format, output, opset, json, verbose };
        cmd.SetAction(r => CliErrors.Run(r.GetValue(verbose), r.GetValue(json), () =>
        {
            var m = TrainedModel.Load(r.GetValue(model)!, r.GetValue(arch));
            string path = r.GetValue(output)!;
            double? check = null;
            switch (r.GetValue(format))
            {
                case "onnx" when m.LabelStrategy == "chain":
                    throw new ArgumentException("export: a classifier chain feeds its own thresholded predictions in order, which an ONNX trace would freeze; export binary-relevance runs to ONNX, or use --format safetensors.");
                case "onnx":
                    using (GradMode.NoGrad())
                    {
                        var x = Tensor.Randn([2, m.InChannels, m.Height, m.Width]);
                        OnnxExporter.Export(m.Model, x, path, r.GetValue(opset));
                        var back = OnnxModule.Load(path);
                        check = (back.Forward(x) - m.Model.Call(x)).Abs().Max().ToDouble();
                    }
                    break;
                case "safetensors":
                    SafeTensors.Save(path, m.Model.StateDict(), new Dictionary<string, string> { ["model"] = m.Name });
                    break;
                default:
                    throw new ArgumentException($"--format: expected onnx or safetensors, got '{r.GetValue(format)}'.");
            }
            if (r.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(new { output = path, format = r.GetValue(format), max_abs_diff_reimported = check }));
            else Console.WriteLine($"wrote {path}" + (check is { } d ? $" (re-imported: max abs diff {d:G3})" : ""));
            return 0;
        }));
        return cmd;
    }
}
