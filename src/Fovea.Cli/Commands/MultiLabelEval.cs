// `fovea eval` of multi-label runs: the models' per-label sigmoid scores (averaged for an ensemble) on the run's
// validation data or a given manifest, scored at the first model's tuned thresholds: mAP, LRAP, subset accuracy,
// Hamming loss, micro/macro F1 and a per-label report.
using System.Globalization;
using System.Text.Json;
using Fovea.Training;

namespace Fovea.Cli.Commands;

internal static class MultiLabelEval
{
    public static int Run(IReadOnlyList<TrainedModel> models, string[] names, string? manifest, bool tta, string? outputDir, bool json)
    {
        var first = models[0];
        if (models.Any(m => !m.MultiLabel || !m.Classes.SequenceEqual(first.Classes)))
            throw new ArgumentException("eval: an ensemble mixes multi-label models with others, or models with other labels.");
        var (images, targets) = MultiLabelData.ForEvaluation(first, manifest);
        var ensemble = new Ensemble(models.Select(m => m.Model).ToList(), flipTta: tta, multiLabel: true);
        var loader = ImageClassificationData.Loader(images, 500, train: false, first.Mean, first.Std, multiHot: targets);
        var scores = new List<float>();
        foreach (var (x, y) in loader.Epoch(0))
            using (x)
            using (y)
            using (var p = ensemble.PredictProba(x))
                scores.AddRange(p.ToArray<float>());
        var thresholds = first.Thresholds!;
        var truth = MultiLabelData.Truth(targets);
        var r = MultiLabelReport.Compute(truth, scores.ToArray(), thresholds);
        var labels = first.Classes;
        var report = new Dictionary<string, object?>
        {
            ["models"] = names, ["dataset"] = images.Source.Path, ["images"] = images.Count, ["multi_label"] = true,
            ["label_strategy"] = first.LabelStrategy, ["tta"] = tta,
        };
        foreach (var (k, v) in r.ToDictionary()) report[k] = double.IsFinite(v) ? v : null;
        report["per_label"] = labels.Select((name, i) => new Dictionary<string, object?>
        {
            ["label"] = name, ["average_precision"] = double.IsFinite(r.AveragePrecision[i]) ? r.AveragePrecision[i] : null, ["f1"] = r.F1[i],
            ["threshold"] = thresholds[i], ["support"] = r.Support[i],
        }).ToList();
        if (outputDir != null)
        {
            Directory.CreateDirectory(outputDir);
            var tmp = Path.Combine(outputDir, "report.json.tmp");
            File.WriteAllText(tmp, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            File.Move(tmp, Path.Combine(outputDir, "report.json"), overwrite: true);
        }
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(report));
            return 0;
        }
        Console.WriteLine($"{images.Source.Path}: {images.Count} images, {labels.Count} labels, {models.Count} model(s), {first.LabelStrategy}{(tta ? " with flip TTA" : "")}");
        foreach (var (k, v) in r.ToDictionary()) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {k,-12} {v:F4}"));
        for (int i = 0; i < labels.Count; i++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {labels[i],-14} AP {r.AveragePrecision[i]:F3}  f1 {r.F1[i]:F3}  threshold {thresholds[i]:F3}  n={r.Support[i]}"));
        return 0;
    }
}
