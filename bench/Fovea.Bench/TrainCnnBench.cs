// `train-cnn [--model NAME] [--steps S] [--batch B] [--peer] [--repeat R]`: training throughput of a zoo model on random
// 1x28x28 inputs with Adam. The peer for the reference CNN (../shared/peers/README.md) is PyTorch's torch_fmnist_cnn.py
// (real data, one epoch on 12,800 images); for resnet18-small it is bench/peers/torch_train_step.py (the same network
// built from torchvision's ResNet-18, random inputs, Adam).
using System.Diagnostics;
using Fovea.Memory;
using Fovea.Models;
using Fovea.NN;
using Fovea.Optim;
using Fovea.Random;

namespace Fovea.Bench;

internal static class TrainCnnBench
{
    public static int Run(string[] args)
    {
        int steps = Arg(args, "--steps", 40), batch = Arg(args, "--batch", 128);
        int mi = Array.IndexOf(args, "--model");
        string name = mi >= 0 && mi + 1 < args.Length ? args[mi + 1] : "reference-cnn";
        var g = new Generator(1);
        var model = ModelZoo.Create(name, 10, 1);
        var opt = new Adam(model.Parameters(), 1e-3);
        using var x = Tensor.Randn([batch, 1, 28, 28], generator: g);
        using var y = Tensor.RandInt(0, 10, [batch], generator: g);
        var phases = new Dictionary<string, double> { ["forward"] = 0, ["backward"] = 0, ["step"] = 0 };
        void Step(bool timed)
        {
            using var scope = TensorScope.Begin();
            var t = Stopwatch.StartNew();
            var loss = Loss.CrossEntropy(model.Call(x), y);
            if (timed) phases["forward"] += t.Elapsed.TotalSeconds;
            t.Restart();
            opt.ZeroGrad();
            loss.Backward();
            if (timed) phases["backward"] += t.Elapsed.TotalSeconds;
            t.Restart();
            opt.Step();
            if (timed) phases["step"] += t.Elapsed.TotalSeconds;
        }
        for (int i = 0; i < 3; i++) Step(false);
        // --repeat R: R rounds of (ours, the peer) interleaved, keeping each side's best round, so that both sides see
        // the same spells of other work on a shared machine.
        int repeat = Math.Max(1, Arg(args, "--repeat", 1));
        double s = double.MaxValue, peerBest = 0;
        bool peerMissing = false;
        var bestPhases = phases;
        string? dir = args.Contains("--peer") ? Measure.PeersDir() : null;
        for (int round = 0; round < repeat; round++)
        {
            foreach (var key in phases.Keys) phases[key] = 0;
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) Step(true);
            if (sw.Elapsed.TotalSeconds < s) (s, bestPhases) = (sw.Elapsed.TotalSeconds, new(phases));
            if (dir == null) continue;
            var r = name == "reference-cnn"
                ? Measure.Peer("/usr/bin/python3", $"{Path.Combine(dir, "torch_fmnist_cnn.py")} --epochs 1 --max-train 12800 --batch {batch}")
                : Measure.Peer("/usr/bin/python3", $"{Measure.OwnPeer("torch_train_step.py")} --model {name} --batch {batch} --steps {Math.Max(5, steps / 4)}");
            if (r is { Count: > 0 } && r[0].TryGetProperty("train_img_s", out var p)) peerBest = Math.Max(peerBest, p.GetDouble());
            else peerMissing = true;
        }
        var row = new Dictionary<string, object?>
        {
            ["bench"] = "train-cnn", ["model"] = name, ["batch"] = batch, ["steps"] = steps, ["repeat"] = repeat,
            ["train_img_s"] = Math.Round(steps * batch / s, 1),
            ["ms_forward"] = Math.Round(bestPhases["forward"] / steps * 1e3, 2), ["ms_backward"] = Math.Round(bestPhases["backward"] / steps * 1e3, 2),
            ["ms_step"] = Math.Round(bestPhases["step"] / steps * 1e3, 2),
        };
        if (args.Contains("--peer"))
        {
            if (peerBest > 0 && !peerMissing)
            {
                row["peer"] = "pytorch";
                row["peer_train_img_s"] = peerBest;
                row["ratio"] = Math.Round(steps * batch / s / peerBest, 2);
            }
            else row["peer"] = "unavailable";
        }
        Measure.Print(row);
        return 0;
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
    }
}
