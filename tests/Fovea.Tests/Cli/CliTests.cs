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
    internal static (int Code, string Out, string Err) Run(Command command, params string[] args)
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

            (code, output, err) = Run(EvalCommand.Create(), "eval", dir, Path.Combine(dir, "last.ckpt"), "--tta", "--json");
            Assert.True(code == 0, err + output);
            using (var doc = JsonDocument.Parse(output)) Assert.InRange(doc.RootElement.GetProperty("accuracy").GetDouble(), 0.3, 1.0);

            // Two test images as PNG and JPEG files, then as a .npy batch.
            var test = Fovea.Data.FashionMnist.Load(Fovea.Data.DatasetSplit.Test);
            string png = Path.Combine(dir, "a.png"), jpg = Path.Combine(dir, "b.jpg"), npy = Path.Combine(dir, "x.npy"), probs = Path.Combine(dir, "p.npy");
            Fovea.Imaging.ImageIO.Write(new Fovea.Imaging.Image(28, 28, Fovea.Imaging.ColorSpace.Gray, test.Pixels(0).ToArray()), png);
            Fovea.Imaging.ImageIO.Write(new Fovea.Imaging.Image(28, 28, Fovea.Imaging.ColorSpace.Gray, test.Pixels(1).ToArray()), jpg, 95);
            (code, output, err) = Run(PredictCommand.Create(), "predict", png, jpg, "--model", dir, "--top-k", "2", "--json");
            Assert.True(code == 0, err + output);
            var lines = output.Trim().Split('\n');
            Assert.Equal(2, lines.Length);
            using (var doc = JsonDocument.Parse(lines[0])) Assert.Equal(2, doc.RootElement.GetProperty("top").GetArrayLength());
            Fovea.IO.Npy.Save(npy, Tensor.Randn([3, 1, 28, 28]));
            (code, output, err) = Run(PredictCommand.Create(), "predict", "--model", dir, "--input", npy, "--output", probs);
            Assert.True(code == 0, err + output);
            var p = Fovea.IO.Npy.Load(probs);
            Assert.Equal(new[] { 3, 10 }, p.ShapeArray);
            Assert.All(p.Sum(1).ToArray<float>(), v => Assert.Equal(1f, v, 1e-4f));

            // Export to ONNX, inspect it, and predict the same .npy batch with the ONNX graph.
            string onnx = Path.Combine(dir, "model.onnx"), probsOnnx = Path.Combine(dir, "q.npy");
            (code, output, err) = Run(ExportCommand.Create(), "export", dir, "--output", onnx, "--json");
            Assert.True(code == 0, err + output);
            using (var doc = JsonDocument.Parse(output)) Assert.True(doc.RootElement.GetProperty("max_abs_diff_reimported").GetDouble() < 1e-5);
            (code, output, err) = Run(InspectCommand.Create(), "inspect", dir, "--json");
            Assert.True(code == 0, err + output);
            using (var doc = JsonDocument.Parse(output)) Assert.True(doc.RootElement.GetProperty("gflops").GetDouble() > 0);
            (code, output, err) = Run(PredictCommand.Create(), "predict", "--model", onnx, "--input", npy, "--output", probsOnnx);
            Assert.True(code == 0, err + output);
            Fovea.Tests.Oracle.Fixture.AssertClose(p, Fovea.IO.Npy.Load(probsOnnx), 1e-5, 1e-4, "ONNX predictions");
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void TrainsOnAFolderOfClassFolders()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fovea-cli-folder-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Two classes of 20 PNG and JPEG files: a bright disc at the top or at the bottom of a 40x30 image (flips keep the class).
            var rng = new System.Random(3);
            foreach (var (cls, cy) in new[] { ("top", 8), ("bottom", 22) })
            {
                Directory.CreateDirectory(Path.Combine(dir, "data", cls));
                for (int n = 0; n < 20; n++)
                {
                    var px = new byte[40 * 30 * 3];
                    for (int y = 0; y < 30; y++)
                        for (int x = 0; x < 40; x++)
                            for (int c = 0; c < 3; c++)
                                px[(y * 40 + x) * 3 + c] = (byte)((x - 20) * (x - 20) + (y - cy) * (y - cy) < 40 ? 230 : rng.Next(0, 60));
                    Fovea.Imaging.ImageIO.Write(new Fovea.Imaging.Image(40, 30, Fovea.Imaging.ColorSpace.Rgb, px), Path.Combine(dir, "data", cls, $"{n}{(n % 2 == 0 ? ".png" : ".jpg")}"));
                }
            }
            string run = Path.Combine(dir, "run");
            var (code, output, err) = Run(TrainCommand.Create(), "train", "--dataset", Path.Combine(dir, "data"), "--image-size", "28", "--epochs", "3",
                "--batch-size", "8", "--output", run, "--json");
            Assert.True(code == 0, err + output);
            var done = output.Split('\n').Single(l => l.Contains("\"event\":\"done\""));
            using var doc = JsonDocument.Parse(done);
            Assert.Equal(1.0, doc.RootElement.GetProperty("test_acc").GetDouble());
            (code, output, err) = Run(EvalCommand.Create(), "eval", run, "--json");
            Assert.True(code == 0, err + output);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void ImageConvertAndAugmentPreview()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fovea-cli-img-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var pixels = new byte[40 * 30 * 3];
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7 % 251);
            string png = Path.Combine(dir, "in.png"), bmp = Path.Combine(dir, "out.bmp"), grid = Path.Combine(dir, "grid.png");
            Fovea.Imaging.ImageIO.Write(new Fovea.Imaging.Image(40, 30, Fovea.Imaging.ColorSpace.Rgb, pixels), png);
            var (code, output, err) = Run(ImageCommand.Create(), "image", "convert", png, bmp);
            Assert.True(code == 0, err + output);
            Assert.Equal(pixels, Fovea.Imaging.ImageIO.Read(bmp).Pixels);
            (code, output, err) = Run(AugmentCommand.Create(), "augment", png, "--pipeline", "rrc:24,hflip,jitter:0.3", "--preview", grid, "--rows", "2", "--cols", "3");
            Assert.True(code == 0, err + output);
            Assert.True(Fovea.Imaging.ImageIO.Read(grid).Width > 3 * 24);
            (code, _, err) = Run(AugmentCommand.Create(), "augment", png, "--pipeline", "spin:3", "--preview", grid);
            Assert.Equal(1, code);
            Assert.Contains("Unknown augmentation step 'spin'", err);
        }
        finally { Directory.Delete(dir, true); }
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
