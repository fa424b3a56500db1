// The training loop: fit / evaluate / predict for classification models, with gradient accumulation, clipping,
// learning-rate schedules, weight EMA, early stopping, resumable checkpoints and callbacks. Every step runs inside a
// TensorScope, so a run's memory stays flat without any Dispose in user code.
using System.Diagnostics;
using System.Globalization;
using Fovea.Autograd;
using Fovea.Data;
using Fovea.Memory;
using Fovea.NN;
using Fovea.Optim;

namespace Fovea.Training;

/// <summary>
/// The results of running a model over a data set. For multi-label data (float multi-hot targets) Targets and Predictions
/// are empty, <see cref="Probabilities"/> holds the (N, L) sigmoid scores, <see cref="LabelSets"/> the true labels and
/// Accuracy the fraction of label slots right at 0.5.
/// </summary>
public sealed record EvaluationResult(double Loss, double Accuracy, int[] Targets, int[] Predictions, float[] Probabilities, int NumClasses)
{
    /// <summary>Multi-label data: the (N, L) row-major true labels; null for single-label data.</summary>
    public bool[]? LabelSets { get; init; }

    /// <summary>Multi-label data: the per-label thresholds tuned on these scores (<see cref="MultiLabelThresholds.Tune"/>).</summary>
    public float[]? Thresholds { get; init; }
}

/// <summary>
/// Trains a classification model:
/// <code>var trainer = new Trainer(model, new TrainerOptions { Epochs = 5, OutputDir = "runs/demo" });
/// var history = trainer.Fit(trainLoader, testLoader);</code>
/// Integer targets train with cross-entropy (or focal loss), float targets of the output's shape with
/// BCE-with-logits (multi-label); <see cref="LossFunction"/> overrides both.
/// </summary>
public sealed class Trainer
{
    private Checkpoint? _resume;
    private Tensor? _classWeights;
    private Tensor? _posWeight;
    private double _best = double.NaN;
    private int _sinceBest;

    public Trainer(Module model, TrainerOptions? options = null)
    {
        Model = model;
        Options = options ?? new TrainerOptions();
        if (Options.GradientAccumulation < 1) throw new ArgumentOutOfRangeException(nameof(options), $"Trainer: gradient accumulation must be >= 1, got {Options.GradientAccumulation}.");
        if (Options.ClassWeights is { } w) _classWeights = Tensor.FromArray(w.Select(v => (float)v).ToArray(), w.Length);
        if (Options.PosWeight is { } pw) _posWeight = Tensor.FromArray(pw.Select(v => (float)v).ToArray(), pw.Length);
    }

    public Module Model { get; }
    public TrainerOptions Options { get; }
    public Optimizer? Optimizer { get; private set; }
    public LrScheduler? Scheduler { get; private set; }
    public ExponentialMovingAverage? Ema { get; private set; }
    public List<ITrainerCallback> Callbacks { get; } = [];
    /// <summary>Overrides the loss: (model output, target) -> scalar.</summary>
    public Func<Tensor, Tensor, Tensor>? LossFunction { get; set; }
    /// <summary>The next epoch to run (0-based) and the optimiser steps taken.</summary>
    public int Epoch { get; private set; }
    public long Step { get; private set; }
    /// <summary>Extra configuration stored in checkpoints (e.g. the model name), to rebuild the run.</summary>
    public string Config { get; set; } = "";
    /// <summary>The evaluation of the validation data after the latest epoch.</summary>
    public EvaluationResult? LastValidation { get; private set; }
    /// <summary>Set by a callback to stop after the current epoch.</summary>
    public bool StopRequested { get; set; }

    /// <summary>Continues the run saved in <paramref name="checkpointPath"/> at the next <see cref="Fit"/>.</summary>
    public void Resume(string checkpointPath) => _resume = Checkpoint.Load(checkpointPath);

    /// <summary>Trains for <see cref="TrainerOptions.Epochs"/> epochs (from <see cref="Epoch"/>); cancelling stops at a step boundary with a resumable checkpoint.</summary>
    public TrainingHistory Fit(IBatchSource<(Tensor Input, Tensor Target)> train, IBatchSource<(Tensor Input, Tensor Target)>? validation = null,
        CancellationToken cancellation = default)
    {
        int stepsPerEpoch = (train.Count + Options.GradientAccumulation - 1) / Options.GradientAccumulation;
        Optimizer ??= OptimizerFactory.Create(Options, Model);
        Scheduler ??= OptimizerFactory.CreateScheduler(Options, Optimizer, stepsPerEpoch * Options.Epochs);
        if (Options.EmaDecay is { } decay) Ema ??= new ExponentialMovingAverage(Model, decay);
        int skipBatches = ApplyResume();
        var history = new TrainingHistory();
        foreach (var c in Callbacks) c.OnTrainStart(this);
        for (; Epoch < Options.Epochs && !StopRequested; Epoch++)
        {
            if (Options.UnfreezeAtEpoch is { } at && Epoch >= at) Model.Unfreeze();
            var (loss, acc, seconds, images, interrupted) = TrainEpoch(train, skipBatches, cancellation);
            skipBatches = 0;
            if (interrupted)
            {
                history.StopReason = "interrupted";
                break;
            }
            var val = validation != null ? Evaluate(validation) : null;
            LastValidation = val;
            var m = new EpochMetrics(Epoch + 1, loss, acc, val?.Loss ?? double.NaN, val?.Accuracy ?? double.NaN,
                Optimizer.ParamGroups[0].LearningRate, seconds, images / seconds) { Extra = MultiLabelMetrics(val) };
            history.Epochs.Add(m);
            bool improved = TrackBest(m, history);
            foreach (var c in Callbacks) c.OnEpochEnd(this, m);
            if (Options.OutputDir != null)
            {
                SaveCheckpoint(Path.Combine(Options.OutputDir, "last.ckpt"), Epoch + 1, 0);
                if (improved) SaveWeights(Path.Combine(Options.OutputDir, "best.safetensors"));
            }
            if (Options.EarlyStoppingPatience is { } patience && _sinceBest >= patience)
            {
                history.StopReason = "early stopping";
                Epoch++;
                break;
            }
        }
        if (Options.OutputDir != null && history.StopReason != "interrupted") SaveWeights(Path.Combine(Options.OutputDir, "last.safetensors"));
        foreach (var c in Callbacks) c.OnTrainEnd(this, history);
        return history;
    }

    // Multi-label validation: the metrics at thresholds tuned on the same scores, as "val_map", "val_micro_f1" ...
    private static IReadOnlyDictionary<string, double>? MultiLabelMetrics(EvaluationResult? val) =>
        val is { LabelSets: { } truth, Thresholds: { } thresholds }
            ? MultiLabelReport.Compute(truth, val.Probabilities, thresholds).ToDictionary().ToDictionary(kv => "val_" + kv.Key, kv => kv.Value)
            : null;

    private (double Loss, double Accuracy, double Seconds, long Images, bool Interrupted) TrainEpoch(
        IBatchSource<(Tensor Input, Tensor Target)> train, int skipBatches, CancellationToken cancellation)
    {
        Model.Train();
        var optimizer = Optimizer!;
        int accum = Options.GradientAccumulation, batches = train.Count, b = 0;
        double lossSum = 0, correct = 0;
        long seen = 0, counted = 0;
        var clock = Stopwatch.StartNew();
        var teacherForced = Model.Modules().OfType<ITeacherForced>().ToArray();
        optimizer.ZeroGrad();
        foreach (var (input, target) in train.Epoch(Epoch))
        {
            using (input)
            using (target)
            {
                if (b < skipBatches) { b++; continue; }
                using var scope = TensorScope.Begin();
                var output = CallTeacherForced(teacherForced, input, target);
                var loss = ComputeLoss(output, target);
                (accum == 1 ? loss : loss / accum).Backward();
                int n = input.Size(0);
                lossSum += loss.ToDouble() * n;
                var (hits, total) = Hits(output, target);
                correct += hits;
                counted += total;
                seen += n;
                b++;
                if (b % accum == 0 || b == batches) OptimizerStep();
                foreach (var c in Callbacks)
                    c.OnBatchEnd(this, new BatchProgress(Epoch + 1, Options.Epochs, b, batches, Step, lossSum / seen, counted > 0 ? correct / counted : double.NaN,
                        seen / clock.Elapsed.TotalSeconds, optimizer.ParamGroups[0].LearningRate));
            }
            if (cancellation.IsCancellationRequested && b % accum == 0)
            {
                if (Options.OutputDir != null) SaveCheckpoint(Path.Combine(Options.OutputDir, "last.ckpt"), Epoch, b);
                return (lossSum / Math.Max(1, seen), correct / Math.Max(1, counted), clock.Elapsed.TotalSeconds, seen, true);
            }
        }
        return (lossSum / Math.Max(1, seen), counted > 0 ? correct / counted : double.NaN, clock.Elapsed.TotalSeconds, seen, false);
    }

    // The model's output with float (multi-hot) targets handed to its teacher-forced modules (classifier chains) first.
    private Tensor CallTeacherForced(ITeacherForced[] modules, Tensor input, Tensor target)
    {
        if (modules.Length == 0 || !DTypes.IsFloatingPoint(target.DType)) return Model.Call(input);
        foreach (var m in modules) m.Teacher = target;
        try { return Model.Call(input); }
        finally { foreach (var m in modules) m.Teacher = null; }
    }

    private void OptimizerStep()
    {
        if (Options.ClipGradNorm is { } maxNorm) GradClip.ClipGradNorm(Model.Parameters(), maxNorm);
        Optimizer!.Step();
        Optimizer.ZeroGrad();
        Scheduler?.Step();
        Ema?.Update();
        Step++;
    }

    /// <summary>Loss and accuracy of the model (its EMA weights when kept) over <paramref name="data"/>, with every prediction.</summary>
    public EvaluationResult Evaluate(IBatchSource<(Tensor Input, Tensor Target)> data, int epoch = 0)
    {
        using var swap = Ema != null ? SwapInEma() : null;
        Model.Eval();
        double lossSum = 0;
        long seen = 0;
        var targets = new List<int>();
        var predictions = new List<int>();
        var probabilities = new List<float>();
        var labelSets = new List<bool>();
        int classes = 0;
        using (GradMode.NoGrad())
            foreach (var (input, target) in data.Epoch(epoch))
                using (input)
                using (target)
                using (TensorScope.Begin())
                {
                    var output = Model.Call(input);
                    lossSum += ComputeLoss(output, target).ToDouble() * input.Size(0);
                    seen += input.Size(0);
                    classes = output.Size(1);
                    if (DTypes.IsFloatingPoint(target.DType))
                    {
                        if (target.Shape != output.Shape) continue;
                        probabilities.AddRange(output.Sigmoid().ToArray<float>());
                        labelSets.AddRange(target.Gt(0.5).ToArray<bool>());
                        continue;
                    }
                    probabilities.AddRange(output.Softmax(1).ToArray<float>());
                    predictions.AddRange(output.ArgMax(1).ToArray<long>().Select(v => (int)v));
                    targets.AddRange(target.To(DType.Int64).ToArray<long>().Select(v => (int)v));
                }
        Model.Train();
        if (labelSets.Count > 0) return MultiLabelResult(lossSum / Math.Max(1, seen), [.. labelSets], [.. probabilities], classes);
        double acc = targets.Count > 0 ? targets.Zip(predictions).Count(p => p.First == p.Second) / (double)targets.Count : double.NaN;
        return new EvaluationResult(lossSum / Math.Max(1, seen), acc, [.. targets], [.. predictions], [.. probabilities], classes);
    }

    private static EvaluationResult MultiLabelResult(double loss, bool[] truth, float[] scores, int labels)
    {
        double right = 0;
        for (int i = 0; i < truth.Length; i++) if (scores[i] >= 0.5f == truth[i]) right++;
        return new EvaluationResult(loss, right / truth.Length, [], [], scores, labels)
        {
            LabelSets = truth,
            Thresholds = MultiLabelThresholds.Tune(truth, scores, labels),
        };
    }

    /// <summary>Class probabilities (softmax) for each batch of inputs, concatenated: (N, C).</summary>
    public Tensor Predict(IEnumerable<Tensor> inputs)
    {
        using var swap = Ema != null ? SwapInEma() : null;
        Model.Eval();
        var parts = new List<Tensor>();
        using (GradMode.NoGrad())
            foreach (var x in inputs)
                using (TensorScope.Begin()) parts.Add(TensorScope.Untrack(Model.Call(x).Softmax(1)));
        Model.Train();
        return Tensor.Cat(parts, 0);
    }

    private Tensor ComputeLoss(Tensor output, Tensor target)
    {
        if (LossFunction != null) return LossFunction(output, target);
        if (DTypes.IsFloatingPoint(target.DType) && target.Shape == output.Shape) return Loss.BceWithLogits(output, target, posWeight: _posWeight);
        return Options.Loss switch
        {
            "focal" => Loss.Focal(output, target, Options.FocalGamma, _classWeights),
            "ce" => Loss.CrossEntropy(output, target, _classWeights, labelSmoothing: Options.LabelSmoothing),
            _ => throw new ArgumentException($"Trainer: unknown loss '{Options.Loss}'; use ce or focal."),
        };
    }

    // Correct predictions and how many were judged: arg-max against class indices, or per-label for multi-label targets.
    private static (double Hits, long Total) Hits(Tensor output, Tensor target)
    {
        if (DTypes.IsFloatingPoint(target.DType))
        {
            if (target.Shape != output.Shape) return (0, 0);
            using var predicted = output.Gt(0);
            using var truth = target.Gt(0.5);
            using var same = predicted.Eq(truth);
            return (same.Sum().ToDouble(), target.NumElements);
        }
        using var arg = output.ArgMax(1);
        using var eq = arg.Eq(target.To(DType.Int64));
        return (eq.Sum().ToDouble(), target.NumElements);
    }

    private bool TrackBest(EpochMetrics m, TrainingHistory history)
    {
        double v = m.Get(Options.Monitor);
        if (double.IsNaN(v)) v = m.Get(Options.Monitor.Replace("val_", "train_"));
        bool higherIsBetter = !Options.Monitor.EndsWith("loss", StringComparison.Ordinal) && !Options.Monitor.EndsWith("hamming", StringComparison.Ordinal);
        bool improved = double.IsNaN(_best) || (higherIsBetter ? v > _best : v < _best);
        if (improved)
        {
            _best = v;
            _sinceBest = 0;
            history.Best = m;
        }
        else _sinceBest++;
        history.Best ??= m;
        return improved;
    }

    /// <summary>A checkpoint of the whole run (model, optimiser, schedule, EMA, RNG, trainer state).</summary>
    public void SaveCheckpoint(string path, int epoch, int batchInEpoch)
    {
        var extra = Ema?.Shadow.ToDictionary(kv => "ema." + kv.Key, kv => kv.Value) ?? [];
        var meta = new Dictionary<string, string>
        {
            ["batch_in_epoch"] = batchInEpoch.ToString(CultureInfo.InvariantCulture),
            ["best"] = _best.ToString("R", CultureInfo.InvariantCulture),
            ["since_best"] = _sinceBest.ToString(CultureInfo.InvariantCulture),
        };
        Checkpoint.Capture(Model, Optimizer, Scheduler, epoch, Step, Config, extra: extra, metadata: meta).Save(path);
    }

    /// <summary>The model's weights (the EMA weights when kept) as safetensors.</summary>
    public void SaveWeights(string path)
    {
        var state = Ema != null ? Ema.Shadow : Model.StateDict();
        IO.SafeTensors.Save(path, state.ToDictionary(kv => kv.Key, kv => kv.Value), new Dictionary<string, string> { ["config"] = Config });
    }

    private int ApplyResume()
    {
        if (_resume is not { } ck) return 0;
        ck.Restore(Model, Optimizer, Scheduler);
        Epoch = ck.Epoch;
        Step = ck.Step;
        if (Ema != null && ck.Extra.Count > 0)
            Ema.Load(ck.Extra.Where(kv => kv.Key.StartsWith("ema.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[4..], kv => kv.Value));
        _best = double.Parse(ck.Metadata.GetValueOrDefault("best", "NaN"), CultureInfo.InvariantCulture);
        _sinceBest = int.Parse(ck.Metadata.GetValueOrDefault("since_best", "0"), CultureInfo.InvariantCulture);
        _resume = null;
        return int.Parse(ck.Metadata.GetValueOrDefault("batch_in_epoch", "0"), CultureInfo.InvariantCulture);
    }

    // Puts the EMA weights into the model until disposed.
    private IDisposable SwapInEma()
    {
        var saved = Model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        Ema!.CopyTo(Model);
        return new Restore(() => { Model.LoadStateDict(saved); foreach (var t in saved.Values) t.Dispose(); });
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
