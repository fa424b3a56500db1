// `fovea train`: trains a zoo model on an image-classification dataset (Fashion-MNIST by default), evaluates it on the
// test split and leaves runs/NAME/ with weights, checkpoints, metrics, plots and the exact configuration. A manifest with
// several labels per row trains a multi-label model (sigmoid + BCE, per-label thresholds tuned on the validation split).
using System.CommandLine;
using System.Text.Json;
using Fovea.Cli.Output;
using Fovea.Data;
using Fovea.IO;
using Fovea.Models;
using Fovea.NN;
using Fovea.Training;

namespace Fovea.Cli.Commands;

public static class TrainCommand
{
    /// <summary>The defaults of the main job, chosen to reach 92.5 % on Fashion-MNIST within 5 minutes on 2 cores.</summary>
    internal const string DefaultModel = "compact-cnn";
    internal const int DefaultEpochs = 6;

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model name (see `fovea info --models`).", DefaultValueFactory = _ => DefaultModel };
        var dataset = new Option<string>("--dataset") { Description = "fashion-mnist, mnist, cifar-10, a folder of class folders (ImageFolder layout), or a manifest (.csv/.tsv/.json/.jsonl: path and label(s) per row; several labels = multi-label).", DefaultValueFactory = _ => "fashion-mnist" };
        var valDataset = new Option<string?>("--val-dataset") { Description = "Manifests: the validation manifest (default: every fifth row of --dataset is held out)." };
        var multiLabel = new Option<bool>("--multi-label") { Description = "Train a manifest as multi-label even if every row has one label." };
        var labelStrategy = new Option<string>("--label-strategy") { Description = "Multi-label: binary-relevance (one sigmoid per label) or chain (classifier chain).", DefaultValueFactory = _ => "binary-relevance" };
        var chain = new Option<bool>("--chain") { Description = "Multi-label: same as --label-strategy chain." };
        var posWeight = new Option<string?>("--pos-weight") { Description = "Multi-label: 'auto' weighs each label's positives by negatives/positives in the training data." };
        var labelSeparator = new Option<char>("--label-separator") { Description = "CSV manifests: the character between several labels in the label cell.", DefaultValueFactory = _ => ';' };
        var imageSize = new Option<int>("--image-size") { Description = "Side images from a folder are resized to.", DefaultValueFactory = _ => 64 };
        var dataPath = new Option<string?>("--data") { Description = "Folder holding the dataset's files (otherwise FOVEA_DATA, ~/.fovea/datasets, /usr/share/datasets, the bundled sample)." };
        var epochs = new Option<int>("--epochs") { Description = "Epochs to train.", DefaultValueFactory = _ => DefaultEpochs };
        var batch = new Option<int>("--batch-size") { Description = "Images per batch.", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 3e-3 };
        var optimizer = new Option<string>("--optimizer") { Description = "adamw, adam, sgd, rmsprop or lamb.", DefaultValueFactory = _ => "adamw" };
        var scheduler = new Option<string>("--scheduler") { Description = "onecycle, cosine, step or constant.", DefaultValueFactory = _ => "onecycle" };
        var weightDecay = new Option<double>("--weight-decay") { Description = "Weight decay.", DefaultValueFactory = _ => 5e-4 };
        var smoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing for cross-entropy." };
        var ema = new Option<double?>("--ema") { Description = "Evaluate with an exponential moving average of the weights (decay, e.g. 0.999)." };
        var patience = new Option<int?>("--early-stopping") { Description = "Stop after N epochs without validation improvement." };
        var accumulate = new Option<int>("--grad-accum") { Description = "Batches per optimizer step.", DefaultValueFactory = _ => 1 };
        var clip = new Option<double?>("--clip-grad") { Description = "Clip the gradient norm to this value." };
        var loss = new Option<string>("--loss") { Description = "ce or focal.", DefaultValueFactory = _ => "ce" };
        var classWeights = new Option<string?>("--class-weights") { Description = "'auto' weights classes by inverse frequency." };
        var sampler = new Option<string?>("--sampler") { Description = "'balanced' draws every class equally often." };
        var pretrained = new Option<string?>("--pretrained") { Description = "Start from these weights (.safetensors or .pth); a head of another size is re-initialised." };
        var freeze = new Option<string?>("--freeze") { Description = "'backbone' trains only the classifier head." };
        var backboneLr = new Option<double?>("--backbone-lr-scale") { Description = "Fine-tuning: the backbone's learning rate as a fraction of the head's (e.g. 0.1)." };
        var unfreezeAt = new Option<int?>("--unfreeze-at") { Description = "Progressive unfreezing: train everything from this epoch (1-based) on." };
        var maxTrain = new Option<int?>("--max-train") { Description = "Use only the first N training images (quick runs)." };
        var maxTest = new Option<int?>("--max-test") { Description = "Evaluate on only the first N test images (quick runs)." };
        var cropPadding = new Option<int>("--crop-padding") { Description = "Random crops: pad images by N black pixels and cut a window of the original size (RandomCrop(size, padding=N)); 0 = off." };
        var workers = new Option<int>("--workers") { Description = "Data-loading threads.", DefaultValueFactory = _ => 1 };
        var seed = new Option<ulong>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--output") { Description = "Run folder (default runs/<model>-<dataset>-<time>)." };
        var resume = new Option<string?>("--resume") { Description = "Continue from a run folder's last.ckpt (or a checkpoint file)." };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON lines." };
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces on errors." };
        var cmd = new Command("train", "Train a classification model (default: the compact CNN on Fashion-MNIST).")
        {
            model, dataset, valDataset, multiLabel, labelStrategy, chain, posWeight, labelSeparator, imageSize, dataPath, epochs, batch, lr, optimizer, scheduler, weightDecay, smoothing, ema, patience, accumulate, clip,
            loss, classWeights, sampler, pretrained, freeze, backboneLr, unfreezeAt, maxTrain, maxTest, cropPadding, workers, seed, output, resume, json, verbose,
        };
        cmd.SetAction(r => CliErrors.Run(r.GetValue(verbose), r.GetValue(json), () =>
        {
            bool asJson = r.GetValue(json);
            string datasetArg = r.GetValue(dataset)!;
            char separator = r.GetValue(labelSeparator);
            var multi = MultiLabelData.IsManifest(datasetArg) && (r.GetValue(multiLabel) || MultiLabelData.ReadManifest(datasetArg, separator).IsMultiLabel)
                ? MultiLabelData.Load(datasetArg, r.GetValue(valDataset), r.GetValue(imageSize), r.GetValue(maxTrain), r.GetValue(maxTest), separator)
                : null;
            if (multi == null && r.GetValue(multiLabel)) throw new ArgumentException($"--multi-label: '{datasetArg}' is not a manifest file (.csv, .tsv, .json, .jsonl).");
            if (multi == null && r.GetValue(valDataset) != null) throw new ArgumentException("--val-dataset is for multi-label manifests (several labels per row, or --multi-label).");
            string strategy = r.GetValue(chain) ? "chain" : r.GetValue(labelStrategy)!;
            if (strategy is not ("binary-relevance" or "chain")) throw new ArgumentException($"--label-strategy: expected binary-relevance or chain, got '{strategy}'.");
            var data = multi != null ? new ClassificationData(multi.Name, multi.Train, multi.Val, multi.Mean, multi.Std, multi.Flip)
                : ClassificationDatasets.Load(datasetArg, r.GetValue(dataPath), r.GetValue(maxTrain), r.GetValue(maxTest), r.GetValue(imageSize));
            Report(asJson, "data", multi?.Description ?? data.Description, new() { ["dataset"] = data.Name, ["source"] = data.Train.Source.Kind.ToString(), ["path"] = data.Train.Source.Path,
                ["train"] = data.Train.Count, ["test"] = data.Test.Count });
            if (data.Train.Source.Kind == DatasetSourceKind.BundledSample && !asJson)
                Console.WriteLine("  (the bundled sample; for the full set: apt-get install dataset-fashion-mnist, or set FOVEA_DATA)");

            string modelName = r.GetValue(model)!;
            var net = ModelZoo.Create(modelName, data.Classes.Count, data.Train.Channels);
            if (r.GetValue(pretrained) is { } weights) Transfer.LoadPretrained(net, weights, asJson);
            if (multi != null && strategy == "chain") ClassifierChainHead.Attach(net);
            if (r.GetValue(freeze) is { } what) Transfer.Freeze(net, what);

            string? resumeFrom = r.GetValue(resume);
            string runDir = r.GetValue(output) ?? (resumeFrom != null && Directory.Exists(resumeFrom) ? resumeFrom
                : Path.Combine("runs", $"{modelName}-{data.Name}-{DateTime.Now:yyyyMMdd-HHmmss}"));
            if (multi != null && (r.GetValue(classWeights) ?? r.GetValue(sampler)) != null) throw new ArgumentException("--class-weights and --sampler are for single-label data; multi-label runs take --pos-weight auto.");
            double[]? weightsPerClass = r.GetValue(classWeights) switch
            {
                null => null,
                "auto" => ClassificationDatasets.InverseFrequency(data.Train.Labels, data.Classes.Count),
                var other => throw new ArgumentException($"--class-weights: expected 'auto', got '{other}'."),
            };
            var options = new TrainerOptions
            {
                Epochs = r.GetValue(epochs), LearningRate = r.GetValue(lr), Optimizer = r.GetValue(optimizer)!, Scheduler = r.GetValue(scheduler)!,
                WeightDecay = r.GetValue(weightDecay), LabelSmoothing = r.GetValue(smoothing), EmaDecay = r.GetValue(ema),
                EarlyStoppingPatience = r.GetValue(patience), GradientAccumulation = r.GetValue(accumulate), ClipGradNorm = r.GetValue(clip),
                Loss = r.GetValue(loss)!, ClassWeights = weightsPerClass, OutputDir = runDir, Seed = r.GetValue(seed),
                BackboneLrScale = r.GetValue(backboneLr), UnfreezeAtEpoch = r.GetValue(unfreezeAt) is { } u ? u - 1 : null,
                Monitor = multi != null ? "val_map" : "val_acc",
                PosWeight = r.GetValue(posWeight) switch
                {
                    null => null,
                    "auto" when multi != null => multi.PositiveWeights(),
                    "auto" => throw new ArgumentException("--pos-weight is for multi-label data (a manifest with several labels per row, or --multi-label)."),
                    var other => throw new ArgumentException($"--pos-weight: expected 'auto', got '{other}'."),
                },
            };
            Fovea.Random.Generator.ManualSeed(options.Seed);
            ISampler? trainSampler = r.GetValue(sampler) switch
            {
                null => null,
                "balanced" => new ClassBalancedSampler(data.Train.Labels.ToArray(), seed: options.Seed),
                var other => throw new ArgumentException($"--sampler: expected 'balanced', got '{other}'."),
            };
            var train = ImageClassificationData.Loader(data.Train, r.GetValue(batch), train: true, data.Mean, data.Std, options.Seed, r.GetValue(workers), data.Flip, trainSampler,
                multi?.TrainTargets, r.GetValue(cropPadding));
            var test = ImageClassificationData.Loader(data.Test, 500, train: false, data.Mean, data.Std, multiHot: multi?.ValTargets);

            // Everything `fovea eval/predict/export` need to rebuild and feed the model (TrainedModel reads it back).
            string datasetName = Directory.Exists(datasetArg) || File.Exists(datasetArg) ? Path.GetFullPath(datasetArg) : data.Name;
            var config = new Dictionary<string, object?>
            {
                ["model"] = modelName, ["dataset"] = datasetName, ["classes"] = data.Classes, ["in_channels"] = data.Train.Channels,
                ["image_size"] = new[] { data.Train.Height, data.Train.Width }, ["mean"] = data.Mean, ["std"] = data.Std,
                ["batch_size"] = r.GetValue(batch), ["crop_padding"] = r.GetValue(cropPadding), ["options"] = options,
            };
            if (multi != null)
            {
                config["multi_label"] = true;
                config["label_strategy"] = strategy;
                config["val_dataset"] = r.GetValue(valDataset) is { } v ? Path.GetFullPath(v) : null;
                config["label_separator"] = separator.ToString();
            }
            var trainer = new Trainer(net, options) { Config = JsonSerializer.Serialize(config) };
            var folder = new RunFolder(runDir, config) { Append = resumeFrom != null, ExtraColumns = multi != null ? MultiLabelReport.Names.Select(n => "val_" + n).ToArray() : [] };
            var progress = new TrainingProgress(asJson);
            trainer.Callbacks.Add(folder);
            trainer.Callbacks.Add(progress);
            if (resumeFrom != null) trainer.Resume(Directory.Exists(resumeFrom) ? Path.Combine(resumeFrom, "last.ckpt") : resumeFrom);

            using var cts = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
            Console.CancelKeyPress += onCancel;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var history = progress.Run(() => trainer.Fit(train, test, cts.Token));
            Console.CancelKeyPress -= onCancel;
            if (history.StopReason == "interrupted")
            {
                Report(asJson, "interrupted", $"Interrupted; resume with: fovea train --resume {runDir}", new() { ["run"] = runDir });
                return 130;
            }
            if (multi != null) return FinishMultiLabel(asJson, runDir, folder, history, test, data.Classes, clock.Elapsed.TotalSeconds, new() { ["model"] = modelName,
                ["dataset"] = data.Name, ["train_images"] = data.Train.Count, ["label_strategy"] = strategy });
            var result = trainer.LastValidation ?? trainer.Evaluate(test);
            folder.WriteSummary(history, result, data.Classes, new() { ["model"] = modelName, ["dataset"] = data.Name, ["train_images"] = data.Train.Count,
                ["wall_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1) });
            folder.WritePredictionGrid(result, data.Classes, i => data.Test.ToImage(i));
            Report(asJson, "done", $"test accuracy {result.Accuracy:P2} after {history.Epochs.Count} epochs ({history.StopReason}) in {clock.Elapsed.TotalSeconds:F0} s\n" +
                $"run folder: {runDir} (last.safetensors, best.safetensors, last.ckpt, metrics.csv, summary.json, loss.svg, accuracy.svg, confusion_matrix.svg, roc.svg, precision_recall.svg, predictions.svg)",
                new() { ["test_acc"] = result.Accuracy, ["test_loss"] = result.Loss, ["epochs"] = history.Epochs.Count, ["stop_reason"] = history.StopReason,
                    ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1), ["run"] = runDir });
            return 0;
        }));
        return cmd;
    }

    // Multi-label: the saved (best) weights' validation scores give the per-label thresholds (thresholds.json) and the summary.
    private static int FinishMultiLabel(bool asJson, string runDir, RunFolder folder, TrainingHistory history, IBatchSource<(Tensor Input, Tensor Target)> val,
        IReadOnlyList<string> labels, double seconds, Dictionary<string, object?> extra)
    {
        var best = TrainedModel.Load(runDir);
        var result = new Trainer(best.Model).Evaluate(val);
        MultiLabelThresholds.Save(Path.Combine(runDir, "thresholds.json"), labels, result.Thresholds!);
        extra["wall_seconds"] = Math.Round(seconds, 1);
        folder.WriteSummary(history, result, labels, extra);
        var m = MultiLabelReport.Compute(result.LabelSets!, result.Probabilities, result.Thresholds!);
        var fields = new Dictionary<string, object?>();
        foreach (var (k, v) in m.ToDictionary()) fields[k] = double.IsFinite(v) ? v : null;
        fields["thresholds"] = result.Thresholds;
        fields["label_acc"] = result.Accuracy;
        fields["val_loss"] = result.Loss;
        fields["epochs"] = history.Epochs.Count;
        fields["stop_reason"] = history.StopReason;
        fields["seconds"] = Math.Round(seconds, 1);
        fields["run"] = runDir;
        Report(asJson, "done", string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"validation mAP {m.MeanAveragePrecision:F4}, LRAP {m.LabelRankingAveragePrecision:F4}; at the tuned thresholds micro F1 {m.MicroF1:F4}, macro F1 {m.MacroF1:F4}, ") +
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"subset accuracy {m.SubsetAccuracy:P1}, Hamming loss {m.HammingLoss:F4} after {history.Epochs.Count} epochs ({history.StopReason}) in {seconds:F0} s\n") +
            $"thresholds: {string.Join(", ", labels.Select((l, i) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{l} {result.Thresholds![i]:F3}")))}\n" +
            $"run folder: {runDir} (last.safetensors, best.safetensors, thresholds.json, metrics.csv, summary.json, loss.svg, map.svg, precision_recall.svg)", fields);
        return 0;
    }

    private static void Report(bool json, string evt, string text, Dictionary<string, object?> fields)
    {
        if (!json)
        {
            Console.WriteLine(text);
            return;
        }
        fields["event"] = evt;
        Console.WriteLine(JsonSerializer.Serialize(fields));
    }
}
