// The files a training run leaves in runs/NAME/: config.json (the exact options), metrics.csv and metrics.jsonl (one
// row per epoch, appended as epochs finish), summary.json, and plots (loss and accuracy curves, confusion matrix; for
// multi-label runs the mAP curve and per-label precision-recall curves). Every file is written atomically.
using System.Globalization;
using System.Text;
using System.Text.Json;
using Fovea.Plotting;

namespace Fovea.Training;

/// <summary>A callback that keeps a run folder up to date.</summary>
public sealed class RunFolder : ITrainerCallback
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public RunFolder(string path, object config)
    {
        Path = path;
        Directory.CreateDirectory(path);
        WriteAtomic("config.json", JsonSerializer.Serialize(config, Indented));
    }

    public string Path { get; }

    /// <summary>Starts fresh metric files unless the run is resumed (then rows are appended).</summary>
    public bool Append { get; init; }

    /// <summary>Metrics of <see cref="EpochMetrics.Extra"/> written as further columns (e.g. "val_map" for multi-label runs).</summary>
    public IReadOnlyList<string> ExtraColumns { get; init; } = [];

    public void OnTrainStart(Trainer trainer)
    {
        if (!Append || !System.IO.File.Exists(File("metrics.csv")))
        {
            WriteAtomic("metrics.csv", string.Join(',', ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds", "img_per_s", .. ExtraColumns]) + "\n");
            WriteAtomic("metrics.jsonl", "");
        }
    }

    public void OnEpochEnd(Trainer trainer, EpochMetrics m)
    {
        string Num(double v) => double.IsNaN(v) ? "" : v.ToString("G6", CultureInfo.InvariantCulture);
        AppendAtomic("metrics.csv", string.Join(',', [m.Epoch.ToString(CultureInfo.InvariantCulture), Num(m.TrainLoss), Num(m.TrainAccuracy),
            Num(m.ValLoss), Num(m.ValAccuracy), Num(m.LearningRate), Num(m.Seconds), Num(m.ImagesPerSecond),
            .. ExtraColumns.Select(c => Num(m.Extra?.GetValueOrDefault(c, double.NaN) ?? double.NaN))]) + "\n");
        var json = ToJson(m);
        foreach (var c in ExtraColumns) json[c] = Finite(m.Extra?.GetValueOrDefault(c, double.NaN));
        AppendAtomic("metrics.jsonl", JsonSerializer.Serialize(json) + "\n");
        WriteCurves();
    }

    /// <summary>Writes summary.json with the final evaluation and the run's outcome.</summary>
    public void WriteSummary(TrainingHistory history, EvaluationResult? test, IReadOnlyList<string> classNames, Dictionary<string, object?>? extra = null)
    {
        var summary = new Dictionary<string, object?>
        {
            ["stop_reason"] = history.StopReason,
            ["epochs"] = history.Epochs.Count,
            ["best_epoch"] = history.Best?.Epoch,
            ["best_val_acc"] = Finite(history.Best?.ValAccuracy),
            ["test_loss"] = Finite(test?.Loss),
            ["test_acc"] = Finite(test?.Accuracy),
        };
        foreach (var (k, v) in history.Best?.Extra ?? new Dictionary<string, double>()) summary["best_" + k] = Finite(v);
        if (test is { LabelSets: { } truth, Thresholds: { } thresholds }) WriteMultiLabelSummary(summary, truth, test.Probabilities, thresholds, classNames);
        else if (test is { Targets.Length: > 0 })
        {
            var report = Metrics.Classification.PerClass(test.Targets, test.Predictions, test.NumClasses);
            summary["macro_f1"] = Metrics.Classification.PrecisionRecallF1(test.Targets, test.Predictions, test.NumClasses, Metrics.Average.Macro).F1;
            summary["balanced_acc"] = Metrics.Classification.BalancedAccuracy(test.Targets, test.Predictions, test.NumClasses);
            summary["top5_acc"] = test.NumClasses > 5 ? Metrics.Classification.TopKAccuracy(test.Targets, test.Probabilities, test.NumClasses, 5) : null;
            summary["ece"] = Metrics.Classification.ExpectedCalibrationError(test.Targets, test.Probabilities, test.NumClasses);
            summary["per_class_f1"] = classNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => report.F1[p.i]);
            var cm = Metrics.Classification.ConfusionMatrix(test.Targets, test.Predictions, test.NumClasses);
            SvgChart.Save(File("confusion_matrix.svg"), SvgChart.ConfusionMatrix(cm, classNames));
            summary["roc_auc_ovr"] = Metrics.Ranking.RocAucOvr(test.Targets, test.Probabilities, test.NumClasses);
            summary["pr_auc_ovr"] = Metrics.Ranking.AveragePrecisionOvr(test.Targets, test.Probabilities, test.NumClasses);
            WriteOneVsRestCurves(test, classNames);
        }
        if (extra != null) foreach (var (k, v) in extra) summary[k] = v;
        WriteAtomic("summary.json", JsonSerializer.Serialize(summary, Indented));
    }

    // Multi-label: the metrics at the thresholds, per-label average precision, F1 and threshold, and the per-label PR curves.
    private void WriteMultiLabelSummary(Dictionary<string, object?> summary, bool[] truth, float[] scores, float[] thresholds, IReadOnlyList<string> labels)
    {
        var r = MultiLabelReport.Compute(truth, scores, thresholds);
        foreach (var (k, v) in r.ToDictionary()) summary[k] = Finite(v);
        summary["thresholds"] = labels.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => thresholds[p.i]);
        summary["per_label"] = labels.Select((n, i) => new Dictionary<string, object?>
        {
            ["label"] = n, ["average_precision"] = Finite(r.AveragePrecision[i]), ["f1"] = r.F1[i], ["threshold"] = thresholds[i], ["support"] = r.Support[i],
        }).ToList();
        int l = labels.Count, n = truth.Length / l;
        var pr = new List<Series>();
        var y = new bool[n];
        var s = new float[n];
        for (int j = 0; j < l; j++)
        {
            for (int i = 0; i < n; i++) { y[i] = truth[i * l + j]; s[i] = scores[i * l + j]; }
            if (!y.Contains(true)) continue;
            var c = Metrics.Ranking.PrecisionRecallCurve(y, s);
            pr.Add(new Series(labels[j], c.X, c.Y));
        }
        SvgChart.Save(File("precision_recall.svg"), SvgChart.LineChart("Precision-recall per label", "recall", "precision", pr, (0, 1), (0, 1)));
    }

    // ROC and precision-recall curves, one line per class (one-vs-rest).
    private void WriteOneVsRestCurves(EvaluationResult test, IReadOnlyList<string> classNames)
    {
        int n = test.Targets.Length, k = test.NumClasses;
        var roc = new List<Series>();
        var pr = new List<Series>();
        var scores = new float[n];
        var truth = new bool[n];
        for (int c = 0; c < k; c++)
        {
            for (int i = 0; i < n; i++)
            {
                scores[i] = test.Probabilities[i * k + c];
                truth[i] = test.Targets[i] == c;
            }
            if (!truth.Contains(true) || !truth.Contains(false)) continue;
            var r = Metrics.Ranking.RocCurve(truth, scores);
            roc.Add(new Series(classNames[c], r.X, r.Y));
            var p = Metrics.Ranking.PrecisionRecallCurve(truth, scores);
            pr.Add(new Series(classNames[c], p.X, p.Y));
        }
        SvgChart.Save(File("roc.svg"), SvgChart.LineChart("ROC (one vs rest)", "false positive rate", "true positive rate", roc, (0, 1), (0, 1), diagonal: true));
        SvgChart.Save(File("precision_recall.svg"), SvgChart.LineChart("Precision-recall (one vs rest)", "recall", "precision", pr, (0, 1), (0, 1)));
    }

    /// <summary>
    /// A grid of test images (SVG with embedded PNGs) captioned with the true and predicted labels, wrong ones in red.
    /// <paramref name="image"/>(i) gives test image i as an 8-bit image.
    /// </summary>
    public void WritePredictionGrid(EvaluationResult test, IReadOnlyList<string> classNames, Func<int, Imaging.Image> image, int count = 32, int columns = 8)
    {
        count = Math.Min(count, test.Targets.Length);
        const int Cell = 96, Caption = 30;
        int rows = (count + columns - 1) / columns;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{columns * Cell}\" height=\"{rows * (Cell + Caption)}\" font-family=\"sans-serif\" font-size=\"10\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        for (int i = 0; i < count; i++)
        {
            int x = i % columns * Cell, y = i / columns * (Cell + Caption);
            var png = Convert.ToBase64String(Imaging.ImageIO.Encode(image(i), "png"));
            bool right = test.Targets[i] == test.Predictions[i];
            string Esc(string t) => System.Net.WebUtility.HtmlEncode(t);
            svg.Append(CultureInfo.InvariantCulture, $"<image x=\"{x + 8}\" y=\"{y + 4}\" width=\"{Cell - 16}\" height=\"{Cell - 16}\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,{png}\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + Cell / 2}\" y=\"{y + Cell - 2}\" text-anchor=\"middle\">true: {Esc(classNames[test.Targets[i]])}</text>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + Cell / 2}\" y=\"{y + Cell + 12}\" text-anchor=\"middle\" fill=\"{(right ? "#2ca02c" : "#d62728")}\">pred: {Esc(classNames[test.Predictions[i]])}</text>\n");
        }
        svg.Append("</svg>\n");
        WriteAtomic("predictions.svg", svg.ToString());
    }

    private void WriteCurves()
    {
        var rows = ReadRows();
        var x = rows.Select(r => r[0]).ToList();
        SvgChart.Save(File("loss.svg"), SvgChart.LineChart("Loss", "epoch", "loss",
            [new Series("train", x, rows.Select(r => r[1]).ToList()), new Series("validation", x, rows.Select(r => r[3]).ToList())]));
        SvgChart.Save(File("accuracy.svg"), SvgChart.LineChart("Accuracy", "epoch", "accuracy",
            [new Series("train", x, rows.Select(r => r[2]).ToList()), new Series("validation", x, rows.Select(r => r[4]).ToList())]));
        int map = ExtraColumns.ToList().IndexOf("val_map");
        if (map >= 0)
            SvgChart.Save(File("map.svg"), SvgChart.LineChart("Mean average precision", "epoch", "mAP",
                [new Series("validation", x, rows.Select(r => r.Length > 8 + map ? r[8 + map] : double.NaN).ToList())]));
    }

    // The metric rows so far (also those of earlier sessions of a resumed run).
    private List<double[]> ReadRows() =>
        System.IO.File.ReadAllLines(File("metrics.csv")).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',').Select(v => v.Length == 0 ? double.NaN : double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();

    private static Dictionary<string, object?> ToJson(EpochMetrics m) => new()
    {
        ["epoch"] = m.Epoch, ["train_loss"] = Finite(m.TrainLoss), ["train_acc"] = Finite(m.TrainAccuracy), ["val_loss"] = Finite(m.ValLoss),
        ["val_acc"] = Finite(m.ValAccuracy), ["lr"] = m.LearningRate, ["seconds"] = Math.Round(m.Seconds, 2), ["img_per_s"] = Math.Round(m.ImagesPerSecond, 1),
    };

    private static double? Finite(double? v) => v is { } d && double.IsFinite(d) ? d : null;

    private string File(string name) => System.IO.Path.Combine(Path, name);

    private void WriteAtomic(string name, string text)
    {
        var tmp = File(name) + ".tmp";
        System.IO.File.WriteAllText(tmp, text, new UTF8Encoding(false));
        System.IO.File.Move(tmp, File(name), overwrite: true);
    }

    private void AppendAtomic(string name, string text) =>
        WriteAtomic(name, (System.IO.File.Exists(File(name)) ? System.IO.File.ReadAllText(File(name)) : "") + text);
}
