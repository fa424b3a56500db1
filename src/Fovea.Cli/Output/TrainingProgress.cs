// How `fovea train` shows a run: a live Spectre.Console progress bar on a terminal, plain lines when the output is
// redirected, JSON lines with --json.
using System.Globalization;
using System.Text.Json;
using Fovea.Training;
using Spectre.Console;

namespace Fovea.Cli.Output;

public sealed class TrainingProgress(bool json) : ITrainerCallback
{
    private ProgressTask? _task;
    private DateTime _lastLine = DateTime.MinValue;

    /// <summary>Runs <paramref name="fit"/> under a live progress bar when stdout is a terminal (and not --json).</summary>
    public T Run<T>(Func<T> fit)
    {
        if (json || Console.IsOutputRedirected) return fit();
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                _task = ctx.AddTask("starting", maxValue: 1);
                result = fit();
                _task.Value = _task.MaxValue;
            });
        return result;
    }

    public void OnBatchEnd(Trainer trainer, BatchProgress p)
    {
        string text = string.Create(CultureInfo.InvariantCulture,
            $"epoch {p.Epoch}/{p.Epochs}  batch {p.Batch}/{p.Batches}  loss {p.Loss:F4}  acc {p.Accuracy:P1}  {p.ImagesPerSecond:F0} img/s  lr {p.LearningRate:G3}");
        if (_task != null)
        {
            _task.MaxValue = (double)p.Epochs * p.Batches;
            _task.Value = (double)(p.Epoch - 1) * p.Batches + p.Batch;
            _task.Description = Markup.Escape(text);
        }
        else if (!json && DateTime.UtcNow - _lastLine > TimeSpan.FromSeconds(10))
        {
            _lastLine = DateTime.UtcNow;
            Console.WriteLine(text);
        }
    }

    public void OnEpochEnd(Trainer trainer, EpochMetrics m)
    {
        if (json)
        {
            var fields = new Dictionary<string, object?>
            {
                ["event"] = "epoch", ["epoch"] = m.Epoch, ["train_loss"] = m.TrainLoss, ["train_acc"] = m.TrainAccuracy,
                ["val_loss"] = double.IsNaN(m.ValLoss) ? null : m.ValLoss, ["val_acc"] = double.IsNaN(m.ValAccuracy) ? null : m.ValAccuracy,
                ["lr"] = m.LearningRate, ["seconds"] = Math.Round(m.Seconds, 2), ["img_per_s"] = Math.Round(m.ImagesPerSecond, 1),
            };
            foreach (var (k, v) in m.Extra ?? new Dictionary<string, double>()) fields[k] = double.IsFinite(v) ? v : null;
            Console.WriteLine(JsonSerializer.Serialize(fields));
            return;
        }
        // Multi-label runs: accuracy is per label slot at 0.5, and mAP / micro F1 (at the tuned thresholds) follow.
        string extra = m.Extra is { } x && x.TryGetValue("val_map", out double map)
            ? string.Create(CultureInfo.InvariantCulture, $" mAP {map:F4} micro F1 {x.GetValueOrDefault("val_micro_f1", double.NaN):F4}") : "";
        string line = string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch}: train loss {m.TrainLoss:F4} acc {m.TrainAccuracy:P2} | val loss {m.ValLoss:F4} acc {m.ValAccuracy:P2}{extra} | {m.Seconds:F1}s, {m.ImagesPerSecond:F0} img/s");
        if (_task != null) AnsiConsole.MarkupLine(Markup.Escape(line));
        else Console.WriteLine(line);
    }
}
