// Classification losses over class scores: negative log-likelihood and cross-entropy (class-index targets with class
// weights, ignore index and label smoothing, or probability targets), with torch.nn.functional's exact normalisation.
namespace Fovea.NN;

public static partial class Loss
{
    /// <summary>
    /// Negative log-likelihood of log-probabilities input (N, C) or (N, C, d1, ...) at class indices target (N) or
    /// (N, d1, ...). The mean divides by the summed weights of the counted targets, as PyTorch does.
    /// </summary>
    public static Tensor Nll(Tensor input, Tensor target, Tensor? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean)
    {
        var (scores, flatTarget) = ClassesLast("Nll", input, target, weight);
        int classes = scores.Size(1);
        using var counted = flatTarget.Ne(ignoreIndex);
        using var safeTarget = Tensor.Where(counted, flatTarget, 0.0);
        CheckClassRange("Nll", safeTarget, classes);
        using var index = safeTarget.Unsqueeze(1);
        var picked = scores.Gather(1, index).Squeeze(1);
        using var countedF = counted.To(input.DType);
        var w = weight != null ? weight.IndexSelect(0, safeTarget) * countedF : countedF.Alias();
        var loss = -picked * w;
        return reduction switch
        {
            Reduction.None => loss.Reshape(target.ShapeArray),
            Reduction.Sum => loss.Sum(),
            _ => loss.Sum() / w.Sum(),
        };
    }

    /// <summary>
    /// Cross-entropy of unnormalised scores input (N, C) or (N, C, d1, ...). target is either class indices (N) /
    /// (N, d1, ...) of an integer dtype, or class probabilities with the input's shape. <paramref name="labelSmoothing"/>
    /// mixes the target with the uniform distribution.
    /// </summary>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, int ignoreIndex = -100,
        Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
    {
        if (labelSmoothing is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"CrossEntropy: label smoothing must be in [0, 1], got {labelSmoothing}.");
        if (input.Rank < 1) throw new ArgumentException($"CrossEntropy: input must have a class dimension, got shape {input.Shape}.");
        int classDim = input.Rank == 1 ? 0 : 1, classes = input.Size(classDim);
        if (input.Rank == 1 && !DTypes.IsFloatingPoint(target.DType))
        {
            // A single unbatched sample: a batch of one.
            var r = CrossEntropy(input.Unsqueeze(0), target.Reshape(1), weight, ignoreIndex, reduction, labelSmoothing);
            return reduction == Reduction.None ? r.Squeeze(0) : r;
        }
        var logp = input.LogSoftmax(classDim);
        if (DTypes.IsFloatingPoint(target.DType)) return ProbabilityCrossEntropy(logp, target, weight, reduction, labelSmoothing, classDim);
        var nll = Nll(logp, target, weight, ignoreIndex, reduction);
        if (labelSmoothing == 0) return nll;
        // The smoothing term: -sum_c w_c log p_c per element, zero where the target is ignored.
        var weighted = weight != null ? logp * weight.Reshape([classes, .. Enumerable.Repeat(1, input.Rank - 2)]) : logp;
        using var ignored = target.Eq(ignoreIndex);
        var smooth = (-weighted.Sum(classDim)).MaskedFill(ignored, 0);
        Tensor term = reduction switch
        {
            Reduction.None => smooth,
            Reduction.Sum => smooth.Sum(),
            _ => smooth.Sum() / NormaliserOf(target, weight, ignoreIndex, input.DType),
        };
        return nll * (1 - labelSmoothing) + term * (labelSmoothing / classes);
    }

    /// <summary>
    /// Multi-class focal loss (Lin et al. 2017) for class imbalance: -w_t (1 - p_t)^gamma log p_t over scores (N, C)
    /// and class indices (N); gamma 0 is weighted cross-entropy. The mean divides by the summed target weights.
    /// </summary>
    public static Tensor Focal(Tensor input, Tensor target, double gamma = 2, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        var (scores, flatTarget) = ClassesLast("Focal", input, target, weight);
        CheckClassRange("Focal", flatTarget, scores.Size(1));
        using var index = flatTarget.Unsqueeze(1);
        var logpt = scores.LogSoftmax(1).Gather(1, index).Squeeze(1);
        var modulation = (1 - logpt.Exp()).Pow(gamma);
        var w = weight?.IndexSelect(0, flatTarget);
        var loss = -(modulation * logpt);
        if (w != null) loss = loss * w;
        return reduction switch
        {
            Reduction.None => loss.Reshape(target.ShapeArray),
            Reduction.Sum => loss.Sum(),
            _ => w != null ? loss.Sum() / w.Sum() : loss.Mean(),
        };
    }

    private static Tensor ProbabilityCrossEntropy(Tensor logp, Tensor target, Tensor? weight, Reduction reduction, double labelSmoothing, int classDim)
    {
        if (target.Shape != logp.Shape)
            throw new ArgumentException($"CrossEntropy: probability targets must have the input's shape {logp.Shape}, got {target.Shape}.");
        int classes = logp.Size(classDim);
        var t = labelSmoothing > 0 ? target * (1 - labelSmoothing) + labelSmoothing / classes : target;
        var prod = logp * t;
        if (weight != null) prod = prod * weight.Reshape([classes, .. Enumerable.Repeat(1, logp.Rank - classDim - 1)]);
        return reduction switch
        {
            Reduction.None => -prod.Sum(classDim),
            Reduction.Sum => -prod.Sum(),
            _ => -prod.Sum() / (logp.NumElements / classes),
        };
    }

    // The mean's denominator: the summed class weights of the counted targets (their count without weights).
    private static Tensor NormaliserOf(Tensor target, Tensor? weight, int ignoreIndex, DType dtype)
    {
        using var flat = target.Reshape(-1);
        using var counted = flat.Ne(ignoreIndex);
        if (weight == null) return counted.To(dtype).Sum();
        using var safe = Tensor.Where(counted, flat, 0.0);
        using var w = weight.IndexSelect(0, safe);
        using var c = counted.To(dtype);
        return (w * c).Sum();
    }

    // (M, C) scores with the class dim last-but-flattened, and the (M) targets.
    private static (Tensor Scores, Tensor Target) ClassesLast(string op, Tensor input, Tensor target, Tensor? weight)
    {
        if (input.Rank < 2) throw new ArgumentException($"{op}: input must be (N, C) or (N, C, d1, ...), got shape {input.Shape}.");
        if (DTypes.IsFloatingPoint(target.DType) || target.DType == DType.Bool)
            throw new ArgumentException($"{op}: target must hold class indices (int64), got {DTypes.Name(target.DType)}.");
        int[] expected = [input.Size(0), .. input.ShapeArray[2..]];
        if (!target.ShapeArray.SequenceEqual(expected))
            throw new ArgumentException($"{op}: target shape {target.Shape} does not match input shape {input.Shape} (expected ({string.Join(", ", expected)})).");
        int classes = input.Size(1);
        if (weight != null && (weight.Rank != 1 || weight.Size(0) != classes))
            throw new ArgumentException($"{op}: weight must have shape ({classes}) for {classes} classes, got {weight.Shape}.");
        if (input.Rank == 2) return (input, target.To(DType.Int64));
        int[] perm = [0, .. Enumerable.Range(2, input.Rank - 2), 1];
        return (input.Permute(perm).Reshape(-1, classes), target.Reshape(-1).To(DType.Int64));
    }

    private static void CheckClassRange(string op, Tensor target, int classes)
    {
        if (target.NumElements == 0) return;
        long lo = target.Min().Item<long>(), hi = target.Max().Item<long>();
        if (lo < 0 || hi >= classes)
            throw new ArgumentOutOfRangeException(nameof(target), $"{op}: target class {(lo < 0 ? lo : hi)} is out of range for {classes} classes.");
    }
}
