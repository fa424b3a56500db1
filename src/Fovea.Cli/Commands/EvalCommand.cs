// `fovea eval RUN...`: evaluates one trained model, or an ensemble of several, on a dataset's test split: accuracy,
// top-5, macro F1, balanced accuracy, calibration error, per-class report and confusion matrix. Multi-label runs are
// scored by MultiLabelEval.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Fovea.Metrics;
using Fovea.Plotting;
using Fovea.Training;

namespace Fovea.Cli.Commands;

public static class EvalCommand
{
    public static Command Create()
    {
        var models = new Argument<string[]>("models") { Description = "Run folders (or .safetensors written by fovea train); several = an ensemble.", Arity = ArgumentArity.OneOrMore };
        var dataset = new Option<string?>("--dataset") { Description = "Dataset to evaluate on (default: the one the first model was trained on; multi-label runs: its validation data, or this manifest)." };
        var dataPath = new Option<string?>("--data") { Description = "Folder holding the dataset's files." };
        var vote = new Option<bool>("--vote") { Description = "Ensembles: majority vote instead of averaged probabilities." };
        var tta = new Option<bool>("--tta") { Description = "Test-time augmentation: average with horizontally flipped images." };
        var output = new Option<string?>("--output") { Description = "Folder for report.json and confusion_matrix.svg." };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON." };
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces on errors." };
        var cmd = new Command("eval", "Evaluate trained models (an ensemble when several) on a test set.") { models, dataset, dataPath, vote, tta, output, json, verbose };
        cmd.SetAction(r => CliErrors.Run(r.GetValue(verbose), r.GetValue(json), () =>
        {
            var loaded = r.GetValue(models)!.Select(TrainedModel.Load).ToList();
            foreach (var m in loaded) Fovea.Models.Inference.Optimize(m.Model);   // folded norms, fused activations, packed weights
            var first = loaded[0];
            if (first.MultiLabel)
            {
                if (r.GetValue(vote)) throw new ArgumentException("--vote: multi-label ensembles average the per-label probabilities.");
                return MultiLabelEval.Run(loaded, r.GetValue(models)!, r.GetValue(dataset), r.GetValue(tta), r.GetValue(output), r.GetValue(json));
            }
            string name = r.GetValue(dataset) ?? first.Dataset ?? "fashion-mnist";
            var data = ClassificationDatasets.Load(name, r.GetValue(dataPath), imageSize: first.Height);
            if (data.Classes.Count != first.Classes.Count)
                throw new ArgumentException($"{name} has {data.Classes.Count} classes but the model predicts {first.Classes.Count}.");
            var ensemble = new Ensemble(loaded.Select(m => m.Model).ToList(), r.GetValue(vote) ? EnsembleMode.Vote : EnsembleMode.Mean, r.GetValue(tta));
            var loader = ImageClassificationData.Loader(data.Test, 500, train: false, first.Mean, first.Std);
            var targets = new List<int>();
            var probabilities = new List<float>();
            foreach (var (x, y) in loader.Epoch(0))
                using (x)
                using (y)
                using (var p = ensemble.PredictProba(x))
                {
                    probabilities.AddRange(p.ToArray<float>());
                    targets.AddRange(y.ToArray<long>().Select(v => (int)v));
                }
            int k = data.Classes.Count;
            var t = targets.ToArray();
            var probs = probabilities.ToArray();
            var pred = Enumerable.Range(0, t.Length).Select(i => ArgMax(probs.AsSpan(i * k, k))).ToArray();
            var perClass = Classification.PerClass(t, pred, k);
            var report = new Dictionary<string, object?>
            {
                ["models"] = r.GetValue(models), ["dataset"] = data.Name, ["images"] = t.Length, ["ensemble"] = loaded.Count > 1 ? (r.GetValue(vote) ? "vote" : "mean") : null,
                ["tta"] = r.GetValue(tta), ["accuracy"] = Classification.Accuracy(t, pred),
                ["top5_accuracy"] = k > 5 ? Classification.TopKAccuracy(t, probs, k, 5) : null,
                ["macro_f1"] = Classification.PrecisionRecallF1(t, pred, k, Average.Macro).F1,
                ["balanced_accuracy"] = Classification.BalancedAccuracy(t, pred, k),
                ["ece"] = Classification.ExpectedCalibrationError(t, probs, k),
                ["per_class"] = data.Classes.Select((c, i) => new { name = c, precision = perClass.Precision[i], recall = perClass.Recall[i], f1 = perClass.F1[i], support = perClass.Support[i] }).ToList(),
            };
            if (r.GetValue(output) is { } dir)
            {
                Directory.CreateDirectory(dir);
                SvgChart.Save(Path.Combine(dir, "confusion_matrix.svg"), SvgChart.ConfusionMatrix(Classification.ConfusionMatrix(t, pred, k), data.Classes));
                var tmp = Path.Combine(dir, "report.json.tmp");
                File.WriteAllText(tmp, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
                File.Move(tmp, Path.Combine(dir, "report.json"), overwrite: true);
            }
            if (r.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(report));
            else
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{data.Name} test set, {t.Length} images, {loaded.Count} model(s){(r.GetValue(tta) ? " with flip TTA" : "")}"));
                foreach (var key in new[] { "accuracy", "top5_accuracy", "macro_f1", "balanced_accuracy", "ece" })
                    if (report[key] is double v) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {key,-18} {v:F4}"));
                for (int i = 0; i < k; i++)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {data.Classes[i],-14} precision {perClass.Precision[i]:F3}  recall {perClass.Recall[i]:F3}  f1 {perClass.F1[i]:F3}  n={perClass.Support[i]}"));
            }
            return 0;
        }));
        return cmd;
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
