// The trainer on a small synthetic image task: it learns, an interrupted run resumes bit-identically, early stopping
// and EMA behave, and the run folder holds what it should.
using Fovea.Data;
using Fovea.Models;
using Fovea.NN;
using Fovea.Training;
using Xunit;

namespace Fovea.Tests.Training;

[Collection(Fovea.Tests.Memory.SerialCollection.Name)]
public class TrainerTests
{
    // 4 classes of 12x12 images: a bright horizontal bar in one of four bands (unchanged by horizontal flips), plus noise.
    private static ImageArrayDataset Quadrants(int n, int seed)
    {
        var rng = new System.Random(seed);
        var pixels = new byte[n * 144];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 4;
            for (int p = 0; p < 144; p++) pixels[i * 144 + p] = (byte)rng.Next(0, 90);
            for (int y = 3 * labels[i]; y < 3 * labels[i] + 2; y++)
                for (int x = rng.Next(0, 3); x < 10; x++) pixels[i * 144 + y * 12 + x] = (byte)rng.Next(170, 256);
        }
        return new ImageArrayDataset(pixels, labels, 1, 12, 12, ["a", "b", "c", "d"]);
    }

    private static Module Net()
    {
        Fovea.Random.Generator.ManualSeed(5);
        return new Sequential(new Conv2d(1, 8, 3, padding: 1), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2), new Flatten(), new Dropout(0.1), new Linear(8 * 36, 4));
    }

    private static (DataLoader<ImageClassificationData.Item, (Tensor, Tensor)> Train, DataLoader<ImageClassificationData.Item, (Tensor, Tensor)> Test) Data()
    {
        var train = ImageClassificationData.Loader(Quadrants(96, 1), 16, train: true, [0.3], [0.3], seed: 3);
        var test = ImageClassificationData.Loader(Quadrants(40, 2), 20, train: false, [0.3], [0.3]);
        return (train, test);
    }

    [Fact]
    public void LearnsAndWritesTheRunFolder()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fovea-trainer-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (train, test) = Data();
            var trainer = new Trainer(Net(), new TrainerOptions { Epochs = 4, LearningRate = 0.01, OutputDir = dir, EmaDecay = 0.9 });
            var folder = new RunFolder(dir, new { model = "test" });
            trainer.Callbacks.Add(folder);
            var history = trainer.Fit(train, test);
            Assert.Equal(4, history.Epochs.Count);
            Assert.True(history.Epochs[^1].ValAccuracy > 0.9, $"validation accuracy {history.Epochs[^1].ValAccuracy}");
            folder.WriteSummary(history, trainer.LastValidation, ["a", "b", "c", "d"]);
            foreach (var f in new[] { "config.json", "metrics.csv", "metrics.jsonl", "summary.json", "last.ckpt", "best.safetensors", "last.safetensors", "loss.svg", "confusion_matrix.svg" })
                Assert.True(File.Exists(Path.Combine(dir, f)), f);
            Assert.Equal(5, File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Length);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void AnInterruptedRunResumesBitIdentically()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fovea-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new TrainerOptions { Epochs = 3, LearningRate = 0.01, OutputDir = dir, EmaDecay = 0.95 };
            var (train, test) = Data();
            var straight = new Trainer(Net(), options with { OutputDir = null }).Fit(train, test);

            // Stop in the middle of epoch 2 (after its 3rd batch), then continue from last.ckpt in a new trainer.
            var first = new Trainer(Net(), options);
            using var cts = new CancellationTokenSource();
            first.Callbacks.Add(new StopAt(2, 3, cts));
            var partial = first.Fit(train, test, cts.Token);
            Assert.Equal("interrupted", partial.StopReason);
            var second = new Trainer(Net(), options);
            second.Resume(Path.Combine(dir, "last.ckpt"));
            var rest = second.Fit(train, test);
            var resumed = partial.Epochs.Concat(rest.Epochs).ToList();
            Assert.Equal(straight.Epochs.Select(e => e.ValLoss), resumed.Select(e => e.ValLoss));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void EarlyStoppingStopsWhenTheMonitoredMetricStalls()
    {
        var (train, test) = Data();
        var trainer = new Trainer(Net(), new TrainerOptions { Epochs = 30, LearningRate = 0, Scheduler = "constant", EarlyStoppingPatience = 2, Monitor = "val_loss" });
        var history = trainer.Fit(train, test);
        Assert.Equal("early stopping", history.StopReason);
        Assert.True(history.Epochs.Count <= 4);
    }

    [Fact]
    public void ProgressiveUnfreezingTrainsTheBackboneOnlyFromItsEpoch()
    {
        var (train, test) = Data();
        var model = Net();
        Transfer.Freeze(model, "backbone");
        var conv = (Conv2d)model.Child("0");
        var before = conv.Weight.ToArray<float>();
        var trainer = new Trainer(model, new TrainerOptions { Epochs = 2, LearningRate = 0.01, UnfreezeAtEpoch = 1, BackboneLrScale = 0.1 });
        var afterFirst = new float[0];
        trainer.Callbacks.Add(new AtEpochEnd(1, () => afterFirst = conv.Weight.ToArray<float>()));
        trainer.Fit(train, test);
        Assert.Equal(before, afterFirst);                            // frozen during epoch 1
        Assert.NotEqual(before, conv.Weight.ToArray<float>());       // trained in epoch 2
        Assert.Equal(2, trainer.Optimizer!.ParamGroups.Count);
        Assert.Equal(0.1, trainer.Optimizer.ParamGroups[1].LearningRateScale);
    }

    private sealed class AtEpochEnd(int epoch, Action action) : ITrainerCallback
    {
        public void OnEpochEnd(Trainer trainer, EpochMetrics m)
        {
            if (m.Epoch == epoch) action();
        }
    }

    private sealed class StopAt(int epoch, int batch, CancellationTokenSource cts) : ITrainerCallback
    {
        public void OnBatchEnd(Trainer trainer, BatchProgress p)
        {
            if (p.Epoch == epoch && p.Batch == batch) cts.Cancel();
        }
    }
}
