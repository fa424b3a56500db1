// Test-time augmentation: runs a model on several views of a batch (flips, five crops) and merges the predictions
// (mean or max). Dense outputs (N, C, H, W) of flipped views are flipped back before merging.
namespace Fovea.Data.Augmentation;

/// <summary>Views to predict on; combine with |. Flips × (full image and/or five crops).</summary>
[Flags]
public enum TtaMode
{
    /// <summary>The full, unflipped image (implied when no crop mode is set).</summary>
    Identity = 1,
    /// <summary>Adds left-right flipped views.</summary>
    HorizontalFlip = 2,
    /// <summary>Adds top-bottom flipped views.</summary>
    VerticalFlip = 4,
    /// <summary>Four corner crops and a centre crop (of cropFraction of each side) of every flip; with HorizontalFlip, torchvision's TenCrop.</summary>
    FiveCrop = 8,
}

/// <summary>How the predictions of the views are combined.</summary>
public enum TtaMerge
{
    Mean,
    Max,
}

/// <summary>Test-time augmentation.</summary>
public static class Tta
{
    /// <summary>
    /// Runs <paramref name="model"/> on each view of <paramref name="batch"/> (N, C, H, W) and merges the outputs
    /// elementwise. With <paramref name="dense"/> the outputs are maps (N, K, H', W') that are un-flipped before
    /// merging (crops are then not allowed); otherwise outputs (per-image scores) must have the same shape for
    /// every view.
    /// </summary>
    public static Tensor Predict(Func<Tensor, Tensor> model, Tensor batch, TtaMode modes = TtaMode.Identity | TtaMode.HorizontalFlip,
        TtaMerge merge = TtaMerge.Mean, double cropFraction = 0.875, bool dense = false)
    {
        if (batch.Rank != 4) throw new ArgumentException($"Tta.Predict: batch must be (N, C, H, W), got {batch.Shape}.");
        if (dense && modes.HasFlag(TtaMode.FiveCrop)) throw new ArgumentException("Tta.Predict: FiveCrop cannot be merged for dense outputs.");
        if (cropFraction is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(cropFraction), $"Tta.Predict: cropFraction must be in (0, 1], got {cropFraction}.");
        var flips = new List<int[]> { Array.Empty<int>() };
        if (modes.HasFlag(TtaMode.HorizontalFlip)) flips.Add([3]);
        if (modes.HasFlag(TtaMode.VerticalFlip)) flips.Add([2]);
        bool full = modes.HasFlag(TtaMode.Identity) || !modes.HasFlag(TtaMode.FiveCrop);
        var outputs = new List<Tensor>();
        try
        {
            foreach (var dims in flips)
            {
                using var view = dims.Length == 0 ? batch.Alias() : batch.Flip(dims);
                if (full)
                {
                    using var y = model(view);
                    outputs.Add(dense && dims.Length > 0 ? y.Flip(dims) : y.Contiguous());
                }
                if (!modes.HasFlag(TtaMode.FiveCrop)) continue;
                foreach (var crop in FiveCrops(view, cropFraction))
                    using (crop)
                        outputs.Add(model(crop));
            }
            using var stacked = Tensor.Stack(outputs);
            return merge == TtaMerge.Mean ? stacked.Mean(0) : stacked.Amax(0);
        }
        finally
        {
            foreach (var o in outputs) o.Dispose();
        }
    }

    /// <summary>Top-left, top-right, bottom-left, bottom-right and centre crops (contiguous copies).</summary>
    public static Tensor[] FiveCrops(Tensor batch, double fraction)
    {
        int h = batch.Size(2), w = batch.Size(3);
        int ch = Math.Max(1, (int)Math.Round(h * fraction)), cw = Math.Max(1, (int)Math.Round(w * fraction));
        (int Top, int Left)[] at = [(0, 0), (0, w - cw), (h - ch, 0), (h - ch, w - cw),
            ((int)Math.Round((h - ch) / 2.0, MidpointRounding.ToEven), (int)Math.Round((w - cw) / 2.0, MidpointRounding.ToEven))];
        return at.Select(p =>
        {
            using var rows = batch.Narrow(2, p.Top, ch);
            using var cols = rows.Narrow(3, p.Left, cw);
            return cols.Contiguous();
        }).ToArray();
    }
}
