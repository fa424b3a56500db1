// The `fovea` command end to end, in process: train a few hundred images, evaluate the run, and get one clear line
// for bad input.
using System.CommandLine;
using System.Text.Json;
using Fovea.Cli.Commands;
using Xunit;

namespace Fovea.Tests.Cli;

[Collection(Fovea.Tests.Memory.SerialCollection.Name)]
public class CliTests
{
    private static (int Code, string Out, string Err) Run(Command command, params string[] args)
    {
        var root = new RootCommand { command };
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var o = new StringWriter();
        using var e = new StringWriter();
        Console.SetOut(o);
        Console.SetError(e);
        try { return (root.Parse(args).Invoke(), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    [Fact]
    public void TrainThenEvaluate()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fovea-cli-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output, err) = Run(TrainCommand.Create(), "train", "--model", "lenet5", "--max-train", "1024", "--max-test", "256", "--epochs", "2", "--scheduler", "constant",
                "--output", dir, "--json");
            Assert.True(code == 0, err + output);
            var done = output.Split('\n').Where(l => l.Contains("\"event\":\"done\"")).Single();
            using (var doc = JsonDocument.Parse(done)) Assert.InRange(doc.RootElement.GetProperty("test_acc").GetDouble(), 0.3, 1.0);
            foreach (var f in new[] { "config.json", "summary.json", "best.safetensors", "metrics.csv", "confusion_matrix.svg" })
                Assert.True(File.Exists(Path.Combine(dir, f)), f);

            (code, output, err) = Run(EvalCommand.Create(), "eval", dir, dir, "--tta", "--json");
            Assert.True(code == 0, err + output);
            using (var doc = JsonDocument.Parse(output)) Assert.InRange(doc.RootElement.GetProperty("accuracy").GetDouble(), 0.3, 1.0);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void BadInputIsOneClearLine()
    {
        var (code, _, err) = Run(TrainCommand.Create(), "train", "--model", "resnet19", "--max-train", "64", "--max-test", "64");
        Assert.Equal(1, code);
        Assert.StartsWith("error: Unknown model 'resnet19'. Valid models:", err.Trim());
        Assert.Single(err.Trim().Split('\n'));
    }
}
