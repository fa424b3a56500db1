// `fovea inspect MODEL`: the layers, parameter counts, input and output shapes and multiply-add count of a model file
// (run folder, .safetensors, .onnx, or .pth with --arch).
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Fovea.Autograd;
using Fovea.IO.Onnx;
using Fovea.NN;
using Fovea.Training;

namespace Fovea.Cli.Commands;

public static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Run folder, .safetensors, .onnx, or .pth/.pt with --arch." };
        var arch = new Option<string?>("--arch") { Description = "The zoo architecture of a bare PyTorch state dict." };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON." };
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces on errors." };
        var cmd = new Command("inspect", "Show a model's layers, parameters, shapes and FLOPs.") { model, arch, json, verbose };
        cmd.SetAction(r => CliErrors.Run(r.GetValue(verbose), r.GetValue(json), () =>
        {
            var m = TrainedModel.Load(r.GetValue(model)!, r.GetValue(arch));
            var x = Tensor.Zeros([1, m.InChannels, m.Height, m.Width]);
            long macs = 0;
            var hooks = m.Model.Modules().Select(mod => mod.RegisterForwardHook((layer, input, output) =>
            {
                macs += layer switch
                {
                    ConvLayer c => output.NumElements * (long)c.Weight.NumElements / c.Weight.Size(0) * (c is ConvTranspose2d ? c.Weight.Size(0) / c.Weight.Size(1) / c.Groups : 1),
                    Linear l => output.NumElements * (long)l.InFeatures,
                    _ => 0,
                };
                return null;
            })).ToList();
            Tensor y;
            using (GradMode.NoGrad()) y = m.Model.Call(x);
            foreach (var h in hooks) h.Dispose();
            var info = new Dictionary<string, object?>
            {
                ["model"] = m.Name, ["parameters"] = m.Model.ParameterCount(), ["trainable"] = m.Model.ParameterCount(trainableOnly: true),
                ["input"] = x.Shape.ToArray(), ["output"] = y.Shape.ToArray(), ["classes"] = m.Classes.Count,
                ["gflops"] = m.Model is OnnxModule ? null : Math.Round(2.0 * macs / 1e9, 3),
            };
            if (r.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(info));
            else
            {
                Console.WriteLine(m.Model is OnnxModule onnx
                    ? string.Join("\n", onnx.Model.Graph.Nodes.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).Select(g => $"  {g.Key,-24} x{g.Count()}"))
                    : m.Model.ToString());
                foreach (var (k, v) in info)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{k,-12} {(v is int[] a ? $"({string.Join(", ", a)})" : v?.ToString() ?? "-")}"));
            }
            return 0;
        }));
        return cmd;
    }
}
