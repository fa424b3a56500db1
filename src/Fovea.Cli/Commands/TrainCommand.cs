// `fovea train`: trains a zoo model on an image-classification dataset (Fashion-MNIST by default), evaluates it on the
// test split and leaves runs/NAME/ with weights, checkpoints, metrics, plots and the exact configuration.
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
        var dataset = new Option<string>("--dataset") { Description = "fashion-mnist, mnist, cifar-10, or a folder of class folders (ImageFolder layout).", DefaultValueFactory = _ => "fashion-mnist" };
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
        var workers = new Option<int>("--workers") { Description = "Data-loading threads.", DefaultValueFactory = _ => 1 };
        var seed = new Option<ulong>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--output") { Description = "Run folder (default runs/<model>-<dataset>-<time>)." };
        var resume = new Option<string?>("--resume") { Description = "Continue from a run folder's last.ckpt (or a checkpoint file)." };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON lines." };
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces on errors." };
        var cmd = new Command("train", "Train a classification model (default: the compact CNN on Fashion-MNIST).")
        {
            model, dataset, imageSize, dataPath, epochs, batch, lr, optimizer, scheduler, weightDecay, smoothing, ema, patience, accumulate, clip,
            loss, classWeights, sampler, pretrained, freeze, backboneLr, unfreezeAt, maxTrain, maxTest, workers, seed, output, resume, json, verbose,
        };
        cmd.SetAction(r => CliErrors.Run(r.GetValue(verbose), r.GetValue(json), () =>
        {
            bool asJson = r.GetValue(json);
            var data = ClassificationDatasets.Load(r.GetValue(dataset)!, r.GetValue(dataPath), r.GetValue(maxTrain), r.GetValue(maxTest), r.GetValue(imageSize));
            Report(asJson, "data", data.Description, new() { ["dataset"] = data.Name, ["source"] = data.Train.Source.Kind.ToString(), ["path"] = data.Train.Source.Path,
                ["train"] = data.Train.Count, ["test"] = data.Test.Count });
            if (data.Train.Source.Kind == DatasetSourceKind.BundledSample && !asJson)
                Console.WriteLine("  (the bundled sample; for the full set: apt-get install dataset-fashion-mnist, or set FOVEA_DATA)");

            string modelName = r.GetValue(model)!;
            var net = ModelZoo.Create(modelName, data.Classes.Count, data.Train.Channels);
            if (r.GetValue(pretrained) is { } weights) Transfer.LoadPretrained(net, weights, asJson);
            if (r.GetValue(freeze) is { } what) Transfer.Freeze(net, what);

            string? resumeFrom = r.GetValue(resume);
            string runDir = r.GetValue(output) ?? (resumeFrom != null && Directory.Exists(resumeFrom) ? resumeFrom
                : Path.Combine("runs", $"{modelName}-{data.Name}-{DateTime.Now:yyyyMMdd-HHmmss}"));
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
            };
            Fovea.Random.Generator.ManualSeed(options.Seed);
            ISampler? trainSampler = r.GetValue(sampler) switch
            {
                null => null,
                "balanced" => new ClassBalancedSampler(data.Train.Labels.ToArray(), seed: options.Seed),
                var other => throw new ArgumentException($"--sampler: expected 'balanced', got '{other}'."),
            };
            var train = ImageClassificationData.Loader(data.Train, r.GetValue(batch), train: true, data.Mean, data.Std, options.Seed, r.GetValue(workers), data.Flip, trainSampler);
            var test = ImageClassificationData.Loader(data.Test, 500, train: false, data.Mean, data.Std);

            // Everything `fovea eval/predict/export` need to rebuild and feed the model (TrainedModel reads it back).
            string datasetName = Directory.Exists(r.GetValue(dataset)!) ? Path.GetFullPath(r.GetValue(dataset)!) : data.Name;
            var config = new Dictionary<string, object?>
            {
                ["model"] = modelName, ["dataset"] = datasetName, ["classes"] = data.Classes, ["in_channels"] = data.Train.Channels,
                ["image_size"] = new[] { data.Train.Height, data.Train.Width }, ["mean"] = data.Mean, ["std"] = data.Std,
                ["batch_size"] = r.GetValue(batch), ["options"] = options,
            };
            var trainer = new Trainer(net, options) { Config = JsonSerializer.Serialize(config) };
            var folder = new RunFolder(runDir, config) { Append = resumeFrom != null };
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
