// `accuracy-cnn [--epochs E] [--seeds 0,1,2] [--peer]`: test accuracy of the reference CNN (../shared/peers/README.md)
// on the full Fashion-MNIST after E epochs, trained the way torch_fmnist_cnn.py trains it (Adam without weight decay,
// one-cycle to 3e-3, batch 128, random horizontal flips), for several seeds; with --peer the PyTorch script runs with
// the same seeds (bench/peers/torch_fmnist_cnn_seed.py) and the row gives both sides' mean and spread. One seed of a
// 3-epoch run moves by a few tenths of a point, so "equal accuracy" is a statement about means over seeds.
using System.Globalization;
using Fovea.Models;
using Fovea.Training;

namespace Fovea.Bench;

internal static class AccuracyCnnBench
{
    public static int Run(string[] args)
    {
        int epochs = Arg(args, "--epochs", "3", int.Parse);
        ulong[] seeds = Arg(args, "--seeds", "0,1,2", s => s.Split(',').Select(ulong.Parse).ToArray());
        var data = ClassificationDatasets.Load("fashion-mnist", null, null, null, 28);
        var ours = new List<double>();
        var peer = new List<double>();
        string? dir = args.Contains("--peer") ? Measure.PeersDir() : null;
        foreach (ulong seed in seeds)
        {
            var acc = TrainOnce(data, epochs, seed);
            ours.Add(acc[^1]);
            var row = new Dictionary<string, object?> { ["bench"] = "accuracy-cnn", ["seed"] = seed, ["epochs"] = epochs, ["test_acc_per_epoch"] = acc };
            if (dir != null)
            {
                var r = Measure.Peer("/usr/bin/python3", $"{Measure.OwnPeer("torch_fmnist_cnn_seed.py")} {seed} {Path.Combine(dir, "torch_fmnist_cnn.py")} --epochs {epochs}");
                var peerAcc = r?.Where(e => e.TryGetProperty("test_acc", out _)).Select(e => Math.Round(e.GetProperty("test_acc").GetDouble(), 4)).ToArray();
                if (peerAcc is { Length: > 0 })
                {
                    peer.Add(peerAcc[^1]);
                    row["peer_test_acc_per_epoch"] = peerAcc;
                }
            }
            Measure.Print(row);
        }
        var summary = new Dictionary<string, object?>
        {
            ["bench"] = "accuracy-cnn", ["model"] = "reference-cnn", ["data"] = data.Train.Source.Path, ["epochs"] = epochs, ["seeds"] = seeds,
            ["test_acc_mean"] = Math.Round(ours.Average(), 4), ["test_acc_std"] = Math.Round(Std(ours), 4),
        };
        if (dir != null)
        {
            if (peer.Count == seeds.Length)
            {
                summary["peer"] = "pytorch";
                summary["peer_test_acc_mean"] = Math.Round(peer.Average(), 4);
                summary["peer_test_acc_std"] = Math.Round(Std(peer), 4);
                summary["difference"] = Math.Round(ours.Average() - peer.Average(), 4);
            }
            else summary["peer"] = "unavailable";
        }
        Measure.Print(summary);
        return 0;
    }

    /// <summary>Test accuracy after each epoch of one run with the peer script's recipe.</summary>
    private static double[] TrainOnce(ClassificationData data, int epochs, ulong seed)
    {
        var options = new TrainerOptions
        {
            Epochs = epochs, LearningRate = 3e-3, Optimizer = "adam", Scheduler = "onecycle", WeightDecay = 0, Seed = seed,
        };
        Fovea.Random.Generator.ManualSeed(seed);
        var net = ModelZoo.Create("reference-cnn", data.Classes.Count, data.Train.Channels);
        var train = ImageClassificationData.Loader(data.Train, 128, train: true, data.Mean, data.Std, seed, numWorkers: 1, data.Flip);
        var test = ImageClassificationData.Loader(data.Test, 500, train: false, data.Mean, data.Std);
        var history = new Trainer(net, options).Fit(train, test);
        return history.Epochs.Select(e => Math.Round(e.ValAccuracy, 4)).ToArray();
    }

    private static double Std(List<double> v) => v.Count < 2 ? 0 : Math.Sqrt(v.Sum(x => (x - v.Average()) * (x - v.Average())) / (v.Count - 1));

    private static T Arg<T>(string[] args, string name, string fallback, Func<string, T> parse)
    {
        int i = Array.IndexOf(args, name);
        return parse(i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback);
    }
}
