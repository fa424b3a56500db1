// Multi-label classification end to end on real images: 2x2 mosaics of Fashion-MNIST pictures (the bundled sample, so
// no dataset needs installing) labelled with the groups present — top, trousers, footwear, bag; blank quadrants make
// some label sets empty. `fovea train` on the manifest learns it, tunes per-label thresholds, and eval and predict agree.
using System.Globalization;
using System.Text.Json;
using Fovea.Cli.Commands;
using Fovea.Data;
using Fovea.Imaging;
using Xunit;

namespace Fovea.Tests.Cli;

[Collection(Fovea.Tests.Memory.SerialCollection.Name)]
public class MultiLabelCliTests
{
    private static readonly string[] Groups = ["top", "trousers", "footwear", "bag"];

    // Fashion-MNIST class -> group (Dress is left out: it is neither a top nor trousers).
    private static int Group(int fmnistClass) => fmnistClass switch
    {
        0 or 2 or 4 or 6 => 0,
        1 => 1,
        5 or 7 or 9 => 2,
        8 => 3,
        _ => -1,
    };

    /// <summary>Writes <paramref name="count"/> 56x56 mosaics as PNG files plus manifest.csv; returns the manifest path and the label sets.</summary>
    private static (string Manifest, List<string[]> Labels) WriteMosaics(string dir, int count, int seed)
    {
        Directory.CreateDirectory(dir);
        var fm = FashionMnist.LoadSample(DatasetSplit.Train);
        var usable = Enumerable.Range(0, fm.Count).Where(i => Group(fm.Label(i)) >= 0).ToArray();
        var rng = new System.Random(seed);
        var csv = new System.Text.StringBuilder("path,labels\n");
        var labels = new List<string[]>();
        for (int n = 0; n < count; n++)
        {
            var px = new byte[56 * 56];
            var present = new SortedSet<int>();
            for (int q = 0; q < 4; q++)
            {
                if (n % 25 == 7 || rng.NextDouble() < 0.2) continue; // blank quadrant (every 25th mosaic all blank)
                int i = usable[rng.Next(usable.Length)];
                present.Add(Group(fm.Label(i)));
                var src = fm.Pixels(i);
                for (int y = 0; y < 28; y++)
                    for (int x = 0; x < 28; x++) px[(q / 2 * 28 + y) * 56 + q % 2 * 28 + x] = src[y * 28 + x];
            }
            string file = $"m{n:D4}.png";
            ImageIO.Write(new Image(56, 56, ColorSpace.Gray, px), Path.Combine(dir, file));
            var names = present.Select(g => Groups[g]).ToArray();
            labels.Add(names);
            csv.Append(CultureInfo.InvariantCulture, $"{file},{string.Join(';', names)}\n");
        }
        string manifest = Path.Combine(dir, "manifest.csv");
        File.WriteAllText(manifest, csv.ToString());
        return (manifest, labels);
    }

    private static JsonDocument Done(string output) => JsonDocument.Parse(output.Split('\n').Single(l => l.Contains("\"event\":\"done\"")));

    [Fact]
    public void TrainsEvaluatesAndPredictsFashionMnistMosaics()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fovea-ml-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (manifest, labels) = WriteMosaics(Path.Combine(dir, "data"), 500, seed: 1);
            string run = Path.Combine(dir, "run");
            var (code, output, err) = CliTests.Run(TrainCommand.Create(), "train", "--dataset", manifest, "--image-size", "28", "--epochs", "6",
                "--batch-size", "32", "--pos-weight", "auto", "--output", run, "--json");
            Assert.True(code == 0, err + output);
            double map, hamming;
            using (var done = Done(output))
            {
                map = done.RootElement.GetProperty("map").GetDouble();
                hamming = done.RootElement.GetProperty("hamming").GetDouble();
                Assert.Equal(4, done.RootElement.GetProperty("thresholds").GetArrayLength());
            }
            // Real learning: far above the mAP of uninformative scores (each label's frequency).
            var val = labels.Where((_, i) => Fovea.Training.MultiLabelData.IsHeldOut(i)).ToList();
            double baseline = Groups.Average(g => val.Count(l => l.Contains(g)) / (double)val.Count);
            Assert.True(map > 0.85 && map > baseline + 0.25, $"mAP {map:F3}, label-frequency baseline {baseline:F3}");
            foreach (var f in new[] { "thresholds.json", "summary.json", "best.safetensors", "metrics.csv", "map.svg", "precision_recall.svg" })
                Assert.True(File.Exists(Path.Combine(run, f)), f);
            Assert.False(File.Exists(Path.Combine(run, "confusion_matrix.svg")));
            Assert.Contains("val_map", File.ReadLines(Path.Combine(run, "metrics.csv")).First());
            using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))))
                Assert.Equal(map, summary.RootElement.GetProperty("map").GetDouble(), 12);

            // eval scores the same validation rows with the saved thresholds.
            (code, output, err) = CliTests.Run(EvalCommand.Create(), "eval", run, "--json");
            Assert.True(code == 0, err + output);
            using (var doc = JsonDocument.Parse(output))
            {
                Assert.Equal(val.Count, doc.RootElement.GetProperty("images").GetInt32());
                Assert.Equal(map, doc.RootElement.GetProperty("map").GetDouble(), 5);
                Assert.Equal(hamming, doc.RootElement.GetProperty("hamming").GetDouble(), 5);
            }

            // predict on the validation PNGs: its thresholded label sets give eval's Hamming loss.
            var files = Enumerable.Range(0, labels.Count).Where(Fovea.Training.MultiLabelData.IsHeldOut).Select(i => Path.Combine(dir, "data", $"m{i:D4}.png")).ToArray();
            (code, output, err) = CliTests.Run(PredictCommand.Create(), ["predict", .. files, "--model", run, "--top", "2", "--json"]);
            Assert.True(code == 0, err + output);
            var lines = output.Trim().Split('\n');
            Assert.Equal(files.Length, lines.Length);
            int wrong = 0;
            for (int i = 0; i < lines.Length; i++)
            {
                using var doc = JsonDocument.Parse(lines[i]);
                var predicted = doc.RootElement.GetProperty("labels").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
                var ranking = doc.RootElement.GetProperty("ranking").EnumerateArray().Select(e => e.GetProperty("probability").GetSingle()).ToArray();
                Assert.Equal(2, ranking.Length);
                Assert.True(ranking[0] >= ranking[1]);
                wrong += Groups.Count(g => predicted.Contains(g) != val[i].Contains(g));
            }
            Assert.Equal(hamming, wrong / (4.0 * lines.Length), 2);
            (code, output, err) = CliTests.Run(PredictCommand.Create(), "predict", files[0], "--model", run);
            Assert.True(code == 0, err + output);
            Assert.Matches(@"m\d{4}\.png: \[.*\]  ranking: \w+ \d", output);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void ClassifierChainRunsEndToEndAndBadManifestsAreOneLine()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fovea-mlc-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (manifest, _) = WriteMosaics(Path.Combine(dir, "data"), 150, seed: 2);
            string run = Path.Combine(dir, "run");
            var (code, output, err) = CliTests.Run(TrainCommand.Create(), "train", "--dataset", manifest, "--chain", "--image-size", "28", "--epochs", "2",
                "--batch-size", "32", "--output", run, "--json");
            Assert.True(code == 0, err + output);
            using (var done = Done(output)) Assert.True(done.RootElement.GetProperty("map").GetDouble() > 0.5);
            using (var cfg = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json"))))
                Assert.Equal("chain", cfg.RootElement.GetProperty("label_strategy").GetString());
            (code, output, err) = CliTests.Run(EvalCommand.Create(), "eval", run, "--dataset", manifest, "--json");
            Assert.True(code == 0, err + output);
            using (var doc = JsonDocument.Parse(output))
            {
                Assert.Equal(150, doc.RootElement.GetProperty("images").GetInt32());
                Assert.Equal("chain", doc.RootElement.GetProperty("label_strategy").GetString());
            }

            (code, _, err) = CliTests.Run(ExportCommand.Create(), "export", run, "--output", Path.Combine(dir, "chain.onnx"));
            Assert.Equal(1, code);
            Assert.Contains("classifier chain", err);

            // A manifest with one label per row is single-label data (every fifth row held out), unless --multi-label.
            string single = Path.Combine(dir, "data", "single.csv");
            File.WriteAllText(single, "path,label\n" + string.Concat(Enumerable.Range(0, 10).Select(i => $"m{i:D4}.png,{(i % 2 == 0 ? "even" : "odd")}\n")));
            var data = Fovea.Training.ClassificationDatasets.Load(single, imageSize: 28);
            Assert.Equal((8, 2, 3, 28), (data.Train.Count, data.Test.Count, data.Train.Channels, data.Train.Height));
            Assert.Equal(new[] { "even", "odd" }, data.Classes);
            Assert.Throws<InvalidDataException>(() => Fovea.Training.ClassificationDatasets.Load(manifest, imageSize: 28));

            // A validation manifest with a label the training manifest lacks.
            string bad = Path.Combine(dir, "data", "bad.csv");
            File.WriteAllText(bad, "path,labels\nm0000.png,top;hat\n");
            (code, _, err) = CliTests.Run(TrainCommand.Create(), "train", "--dataset", manifest, "--val-dataset", bad, "--epochs", "1", "--output", Path.Combine(dir, "r2"));
            Assert.Equal(1, code);
            Assert.Contains("label 'hat' is not one of the 4 classes", err);
            Assert.Single(err.Trim().Split('\n'));
            (code, _, err) = CliTests.Run(TrainCommand.Create(), "train", "--dataset", manifest, "--label-strategy", "tree", "--epochs", "1");
            Assert.Equal(1, code);
            Assert.Contains("--label-strategy: expected binary-relevance or chain", err);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
