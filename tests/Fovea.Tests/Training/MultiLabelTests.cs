// Multi-label pieces: threshold tuning against a brute-force F1 oracle, the metric report, the classifier chain head
// (shapes on zoo backbones, inference feeding its own thresholded predictions in order, teacher forcing and its
// gradient), and the trainer on a synthetic multi-label task with both label strategies.
using Fovea.Data;
using Fovea.Models;
using Fovea.NN;
using Fovea.Training;
using Xunit;

namespace Fovea.Tests.Training;

[Collection(Fovea.Tests.Memory.SerialCollection.Name)]
public class MultiLabelTests
{
    // ------------------------------------------------------------------ thresholds

    // The oracle: every cut "score >= s" over the distinct scores s; the best F1, ties to the lowest s.
    private static (double F1, float Cut) BruteForce(bool[] y, float[] s)
    {
        double best = -1;
        float cut = float.NaN;
        foreach (float c in s.Distinct().OrderByDescending(v => v))
        {
            int tp = 0, fp = 0, fn = 0;
            for (int i = 0; i < y.Length; i++)
            {
                bool p = s[i] >= c;
                if (p && y[i]) tp++; else if (p) fp++; else if (y[i]) fn++;
            }
            double f1 = 2.0 * tp / (2 * tp + fp + fn);
            if (f1 >= best) (best, cut) = (f1, c);
        }
        return (best, cut);
    }

    [Fact]
    public void ThresholdsMatchABruteForceOracle()
    {
        var rng = new System.Random(7);
        foreach (int n in new[] { 1, 2, 7, 40, 200 })
        {
            const int L = 5;
            var truth = new bool[n * L];
            var scores = new float[n * L];
            for (int i = 0; i < n * L; i++)
            {
                truth[i] = rng.NextDouble() < 0.3 + 0.1 * (i % L);
                // Coarse scores (many ties) correlated with the truth.
                scores[i] = MathF.Round((float)(0.6 * rng.NextDouble() + (truth[i] ? 0.35 : 0)), 1);
            }
            var t = MultiLabelThresholds.Tune(truth, scores, L);
            for (int l = 0; l < L; l++)
            {
                var y = Enumerable.Range(0, n).Select(i => truth[i * L + l]).ToArray();
                var s = Enumerable.Range(0, n).Select(i => scores[i * L + l]).ToArray();
                if (!y.Contains(true))
                {
                    Assert.Equal(MultiLabelThresholds.Default, t[l]);
                    continue;
                }
                var (_, cut) = BruteForce(y, s);
                // The tuned threshold selects the oracle's set, and lies above the next lower score.
                for (int i = 0; i < n; i++) Assert.True(s[i] >= t[l] == s[i] >= cut, $"n={n} label {l}: threshold {t[l]} vs cut {cut} at score {s[i]}");
                Assert.True(t[l] <= cut);
            }
        }
    }

    [Fact]
    public void ThresholdsFallMidwayAndTiesGoToTheLowest()
    {
        // One label: separable scores -> midway between 0.8 and 0.3.
        Assert.Equal(0.55f, MultiLabelThresholds.Tune([true, true, false, false], [0.9f, 0.8f, 0.3f, 0.2f], 1)[0], 1e-6f);
        // F1 2/3 both at ">= 0.9" and ">= 0.3": the lower cut wins, midway to 0.1.
        Assert.Equal(0.2f, MultiLabelThresholds.Tune([true, false, false, true, false], [0.9f, 0.7f, 0.5f, 0.3f, 0.1f], 1)[0], 1e-6f);
        // Every example positive is best: the lowest score itself. No positives: the default.
        Assert.Equal(0.1f, MultiLabelThresholds.Tune([true, true], [0.4f, 0.1f], 1)[0]);
        Assert.Equal(0.5f, MultiLabelThresholds.Tune([false, false], [0.4f, 0.1f], 1)[0]);
        Assert.Throws<ArgumentException>(() => MultiLabelThresholds.Tune([true, false, true], [0.1f, 0.2f, 0.3f], 2));
    }

    [Fact]
    public void ThresholdsFileRoundTripsAndChecksTheLabels()
    {
        string file = Path.Combine(Path.GetTempPath(), "fovea-thr-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            MultiLabelThresholds.Save(file, ["cat", "dog"], [0.25f, 0.75f]);
            Assert.Equal(new[] { 0.25f, 0.75f }, MultiLabelThresholds.Load(file, ["cat", "dog"]));
            Assert.Contains("cat, dog", Assert.Throws<InvalidDataException>(() => MultiLabelThresholds.Load(file, ["dog", "cat"])).Message);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void ReportCountsAtTheThresholds()
    {
        // 3 samples x 2 labels; label 1's threshold 0.9 keeps only the first sample's 0.95.
        bool[] truth = [true, true, false, false, true, true];
        float[] scores = [0.8f, 0.95f, 0.6f, 0.7f, 0.4f, 0.85f];
        var r = MultiLabelReport.Compute(truth, scores, [0.5f, 0.9f]);
        // Predictions: [1,1], [1,0], [0,0] -> row 0 exact; wrong slots: (1,0), (2,0), (2,1).
        Assert.Equal(1 / 3.0, r.SubsetAccuracy, 12);
        Assert.Equal(3 / 6.0, r.HammingLoss, 12);
        // Label 0: tp 1, fp 1, fn 1 -> F1 0.5; label 1: tp 1, fn 1 -> 2/3; micro: tp 2, fp 1, fn 2 -> 4/7.
        Assert.Equal(0.5, r.F1[0], 12);
        Assert.Equal(2 / 3.0, r.F1[1], 12);
        Assert.Equal(4 / 7.0, r.MicroF1, 12);
        Assert.Equal(new[] { 2, 2 }, r.Support);
        Assert.Equal(Fovea.Metrics.MultiLabel.MeanAveragePrecision(truth, scores, 2), r.MeanAveragePrecision, 12);
        Assert.Equal(Fovea.Metrics.MultiLabel.LabelRankingAveragePrecision(truth, scores, 2), r.LabelRankingAveragePrecision, 12);
    }

    // ------------------------------------------------------------------ classifier chain

    [Theory]
    [InlineData("lenet5", 1, 28)]
    [InlineData("compact-cnn", 3, 28)]
    [InlineData("resnet18-small", 3, 16)]
    public void ChainHeadAttachesToZooBackbones(string name, int channels, int size)
    {
        Fovea.Random.Generator.ManualSeed(1);
        var net = ModelZoo.Create(name, numClasses: 5, inChannels: channels);
        var chain = ClassifierChainHead.Attach(net);
        Assert.Same(chain, net.GetSubmodule(Transfer.HeadName(net)));
        Assert.Contains(net.NamedParameters(), p => p.Name.EndsWith(".chain", StringComparison.Ordinal) && p.Parameter.ShapeArray.SequenceEqual(new[] { 5, 5 }));
        net.Eval();
        using var x = Tensor.Randn([2, channels, size, size]);
        using var y = net.Call(x);
        Assert.Equal(new[] { 2, 5 }, y.ShapeArray);
        // A zero chain is binary relevance: the logits are the linear head's.
        net.Train();
        chain.Teacher = Tensor.Ones([2, 5]);
        using var withTeacher = net.Eval().Call(x);
        chain.Teacher = null;
        Fovea.Tests.Oracle.Fixture.AssertClose(y, withTeacher, 1e-6, 1e-6, "zero chain");
    }

    // Identity features, chain[1,0] = 5 (label 0 switches label 1 on), chain[2,1] = -10 (label 1 switches label 2 off).
    private static ClassifierChainHead HandMadeChain()
    {
        var head = new ClassifierChainHead(3, 3);
        head.LoadStateDict(new Dictionary<string, Tensor>
        {
            ["linear.weight"] = Tensor.Eye(3),
            ["linear.bias"] = Tensor.Zeros([3]),
            // The upper triangle (100) must be ignored.
            ["chain"] = Tensor.FromArray(new float[] { 0, 100, 100, 5, 0, 100, 0, -10, 0 }, 3, 3),
        });
        return head;
    }

    [Fact]
    public void ChainInferenceFeedsItsThresholdedPredictionsInOrder()
    {
        var head = HandMadeChain();
        using var x = Tensor.FromArray(new float[] { 2, -1, 3, -2, -1, 3 }, 2, 3);
        // Sample 0: z0 = 1 -> logit1 = -1 + 5 = 4 -> z1 = 1 -> logit2 = 3 - 10 = -7. Sample 1: z0 = 0 -> z1 = 0 -> logit2 = 3.
        Assert.Equal(new float[] { 2, 4, -7, -2, -1, 3 }, head.Call(x).ToArray<float>());
        // Teacher forcing feeds the given labels instead.
        head.Teacher = Tensor.FromArray(new float[] { 0, 0, 1, 1, 1, 0 }, 2, 3);
        Assert.Equal(new float[] { 2, -1, 3, -2, 4, -7 }, head.Call(x).ToArray<float>());
        head.Teacher = null;
        // A feed threshold above sigmoid(2) = 0.88 keeps label 0 off for sample 0, so label 1 stays -1 and label 2 at 3.
        head.FeedThresholds = [0.95f, 0.5f, 0.5f];
        Assert.Equal(new float[] { 2, -1, 3, -2, -1, 3 }, head.Call(x).ToArray<float>());
        head.Teacher = Tensor.Ones([2, 2]);
        Assert.Contains("teacher labels have shape", Assert.Throws<ArgumentException>(() => head.Call(x)).Message);
    }

    [Fact]
    public void ChainGradientReachesOnlyTheLowerTriangle()
    {
        var head = HandMadeChain();
        using var x = Tensor.FromArray(new float[] { 2, -1, 3, -2, -1, 3 }, 2, 3);
        head.Teacher = Tensor.FromArray(new float[] { 1, 0, 1, 1, 1, 0 }, 2, 3);
        head.Call(x).Sum().Backward();
        // d sum / d chain[j, k] = sum over samples of teacher[:, k], for k < j only.
        Assert.Equal(new float[] { 0, 0, 0, 2, 0, 0, 2, 1, 0 }, head.Chain.Grad!.ToArray<float>());
        // And the teacher-forced head is differentiable in its input (float64 copy).
        var head64 = new ClassifierChainHead(new Linear(3, 3, dtype: DType.Float64)) { Teacher = Tensor.FromArray(new double[] { 1, 0, 1, 0, 1, 1 }, 2, 3) };
        using var xin = Tensor.Randn([3, 2], DType.Float64).Transpose(0, 1);
        xin.RequiresGrad = true;
        Assert.Null(Fovea.Autograd.GradCheck.Check(t => head64.Call(t[0]).Tanh(), [xin]));
    }

    // ------------------------------------------------------------------ training

    // 12x12 images with up to three horizontal bars (bands 0-3, 4-7, 8-11) -> labels "top", "middle", "bottom"; the
    // empty label set occurs too.
    private static (ImageArrayDataset Images, float[,] Targets) Bars(int n, int seed)
    {
        var rng = new System.Random(seed);
        var pixels = new byte[n * 144];
        var targets = new float[n, 3];
        for (int i = 0; i < n; i++)
        {
            for (int p = 0; p < 144; p++) pixels[i * 144 + p] = (byte)rng.Next(0, 90);
            for (int b = 0; b < 3; b++)
            {
                if (rng.NextDouble() < 0.5) continue;
                targets[i, b] = 1;
                for (int y = 4 * b + 1; y < 4 * b + 3; y++)
                    for (int x = rng.Next(0, 3); x < 10; x++) pixels[i * 144 + y * 12 + x] = (byte)rng.Next(170, 256);
            }
        }
        return (new ImageArrayDataset(pixels, new int[n], 1, 12, 12, ["top", "middle", "bottom"]), targets);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrainerLearnsMultiLabelTargets(bool chain)
    {
        var (trainImages, trainTargets) = Bars(128, 1);
        var (valImages, valTargets) = Bars(48, 2);
        var train = ImageClassificationData.Loader(trainImages, 16, train: true, [0.3], [0.3], seed: 3, multiHot: trainTargets);
        var val = ImageClassificationData.Loader(valImages, 24, train: false, [0.3], [0.3], multiHot: valTargets);
        Fovea.Random.Generator.ManualSeed(5);
        var net = new Sequential(new Conv2d(1, 8, 3, padding: 1), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(8 * 36, 3));
        if (chain) ClassifierChainHead.Attach(net);
        var trainer = new Trainer(net, new TrainerOptions { Epochs = 6, LearningRate = 0.01, Monitor = "val_map", PosWeight = [1, 1, 1] });
        var history = trainer.Fit(train, val);
        var last = history.Epochs[^1];
        Assert.NotNull(last.Extra);
        Assert.InRange(last.Get("val_map"), 0.95, 1.0);
        Assert.InRange(last.Get("val_micro_f1"), 0.9, 1.0);
        var result = trainer.LastValidation!;
        Assert.Equal(48 * 3, result.LabelSets!.Length);
        Assert.Equal(3, result.Thresholds!.Length);
        Assert.All(result.Probabilities, p => Assert.InRange(p, 0f, 1f));
        Assert.Equal(MultiLabelData.Truth(valTargets), result.LabelSets);
    }

    // A module that records the teacher labels it is handed during the forward pass.
    private sealed class Recorder : Module, ITeacherForced
    {
        public Tensor? Teacher { get; set; }
        public List<bool> Seen { get; } = [];
        public override Tensor Forward(Tensor input)
        {
            Seen.Add(Teacher != null);
            return input;
        }
    }

    [Fact]
    public void TrainerTeacherForcesOnlyWhileTraining()
    {
        var (images, targets) = Bars(32, 4);
        var loader = ImageClassificationData.Loader(images, 16, train: false, [0.3], [0.3], multiHot: targets);
        var recorder = new Recorder();
        var net = new Sequential(new Flatten(), new Linear(144, 3), recorder);
        var trainer = new Trainer(net, new TrainerOptions { Epochs = 1 });
        trainer.Fit(loader, loader);
        // Two training batches with the teacher, two validation batches without, and nothing left set afterwards.
        Assert.Equal(new[] { true, true, false, false }, recorder.Seen);
        Assert.Null(recorder.Teacher);
    }

    [Fact]
    public void PositiveWeightsAreNegativesOverPositives()
    {
        var t = new float[,] { { 1, 0, 1 }, { 0, 0, 1 }, { 0, 0, 1 }, { 1, 0, 1 } };
        var empty = new ImageArrayDataset(new byte[4], new int[4], 1, 1, 1, ["a", "b", "c"]);
        var data = new MultiLabelData("x", empty, empty, t, t, ["a", "b", "c"], [0.5], [0.5], Flip: false);
        Assert.Equal(new[] { 1.0, 1.0, 1.0 }, data.PositiveWeights());
        var t2 = new float[,] { { 1, 0 }, { 0, 0 }, { 0, 1 }, { 0, 0 } };
        Assert.Equal(new[] { 3.0, 3.0 }, (data with { TrainTargets = t2 }).PositiveWeights());
    }

    [Fact]
    public void ManifestLabelsOutsideTheClassesAreAnErrorAndEmptySetsAreNegatives()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fovea-mlm-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string csv = Path.Combine(dir, "m.csv");
            File.WriteAllText(csv, "path,labels\na.png,cat;dog\nb.png,\nc.png,dog\n");
            var m = MultiLabelData.ReadManifest(csv);
            Assert.True(m.IsMultiLabel);
            Assert.Equal(new[] { "cat", "dog" }, m.Classes);
            Assert.Empty(m.Labels(1));
            Assert.Equal(new float[] { 0, 0 }, m.MultiHot(1).ToArray<float>());
            var e = Assert.Throws<InvalidDataException>(() => MultiLabelData.ReadManifest(csv, classes: ["cat", "bird"]));
            Assert.Contains("line 2: label 'dog' is not one of the 2 classes", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
