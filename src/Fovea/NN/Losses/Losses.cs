// Loss functions as static methods on Loss (functional form, like torch.nn.functional), each checked against
// PyTorch. Module wrappers (MseLoss, BceWithLogitsLoss ...) live in LossModules.cs.
namespace Fovea.NN;

/// <summary>Functional losses: <c>var loss = Loss.Mse(prediction, target);</c></summary>
public static partial class Loss
{
    private static void SameShape(string op, Tensor input, Tensor target)
    {
        if (input.Shape != target.Shape)
            throw new ArgumentException($"{op}: input shape {input.Shape} and target shape {target.Shape} differ.");
    }

    /// <summary>Mean squared error.</summary>
    public static Tensor Mse(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        SameShape("Mse", input, target);
        return reduction.Apply((input - target).Square());
    }

    /// <summary>Mean absolute error.</summary>
    public static Tensor L1(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        SameShape("L1", input, target);
        return reduction.Apply((input - target).Abs());
    }

    /// <summary>0.5 d^2 / beta where |d| &lt; beta, else |d| - 0.5 beta (Fast R-CNN's box regression loss).</summary>
    public static Tensor SmoothL1(Tensor input, Tensor target, double beta = 1.0, Reduction reduction = Reduction.Mean)
    {
        SameShape("SmoothL1", input, target);
        var d = (input - target).Abs();
        if (beta == 0) return reduction.Apply(d);
        return reduction.Apply(Tensor.Where(d.Lt(beta), 0.5 * d.Square() / beta, d - 0.5 * beta));
    }

    /// <summary>0.5 d^2 where |d| &lt;= delta, else delta (|d| - 0.5 delta).</summary>
    public static Tensor Huber(Tensor input, Tensor target, double delta = 1.0, Reduction reduction = Reduction.Mean)
    {
        SameShape("Huber", input, target);
        var d = (input - target).Abs();
        return reduction.Apply(Tensor.Where(d.Le(delta), 0.5 * d.Square(), delta * (d - 0.5 * delta)));
    }

    /// <summary>Binary cross-entropy on probabilities; the logs are clamped at -100 like PyTorch.</summary>
    public static Tensor Bce(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        SameShape("Bce", input, target);
        var loss = -(target * input.Log().Clamp(min: -100) + (1 - target) * (1 - input).Log().Clamp(min: -100));
        return reduction.Apply(weight == null ? loss : loss * weight);
    }

    /// <summary>
    /// Binary cross-entropy on logits, numerically stable; <paramref name="posWeight"/> (per class, broadcast over
    /// the last dimension) up-weights positives for imbalanced multi-label data.
    /// </summary>
    public static Tensor BceWithLogits(Tensor input, Tensor target, Tensor? weight = null, Tensor? posWeight = null, Reduction reduction = Reduction.Mean)
    {
        SameShape("BceWithLogits", input, target);
        // (1 - y) x + (1 + (pw - 1) y) * (log(1 + exp(-|x|)) + max(-x, 0))
        var softTerm = (-input.Abs()).Exp().Log1p() + (-input).Relu();
        var logWeight = posWeight == null ? null : (posWeight - 1) * target + 1;
        var loss = (1 - target) * input + (logWeight == null ? softTerm : logWeight * softTerm);
        return reduction.Apply(weight == null ? loss : loss * weight);
    }

    /// <summary>
    /// Sigmoid focal loss (Lin et al., 2017; torchvision.ops.sigmoid_focal_loss): BCE scaled by (1 - p_t)^gamma,
    /// with positives weighted by alpha (negative alpha disables the weighting).
    /// </summary>
    public static Tensor SigmoidFocal(Tensor input, Tensor target, double alpha = 0.25, double gamma = 2, Reduction reduction = Reduction.None)
    {
        var p = input.Sigmoid();
        var ce = BceWithLogits(input, target, reduction: Reduction.None);
        var pt = p * target + (1 - p) * (1 - target);
        var loss = ce * (1 - pt).Pow(gamma);
        if (alpha >= 0) loss = (alpha * target + (1 - alpha) * (1 - target)) * loss;
        return reduction.Apply(loss);
    }

    /// <summary>
    /// Kullback-Leibler divergence with log-probabilities as input (torch's kl_div). <paramref name="batchMean"/>
    /// divides the sum by the batch size, the mathematically correct KL per sample.
    /// </summary>
    public static Tensor KlDiv(Tensor input, Tensor target, bool logTarget = false, Reduction reduction = Reduction.Mean, bool batchMean = false)
    {
        SameShape("KlDiv", input, target);
        var loss = logTarget
            ? target.Exp() * (target - input)
            : Tensor.Where(target.Gt(0), target * (Tensor.Where(target.Gt(0), target, 1.0).Log() - input), 0.0);
        if (batchMean) return loss.Sum() / input.Size(0);
        return reduction.Apply(loss);
    }

    /// <summary>max(0, -y (x1 - x2) + margin) with y = 1 if x1 should rank higher, -1 otherwise.</summary>
    public static Tensor MarginRanking(Tensor input1, Tensor input2, Tensor target, double margin = 0, Reduction reduction = Reduction.Mean) =>
        reduction.Apply((-target * (input1 - input2) + margin).Relu());

    /// <summary>Cosine similarity along <paramref name="dim"/> (torch.nn.functional.cosine_similarity).</summary>
    public static Tensor CosineSimilarity(Tensor x1, Tensor x2, int dim = 1, double eps = 1e-8)
    {
        var dot = (x1 * x2).Sum(dim);
        var n1 = x1.Square().Sum(dim).Sqrt().Clamp(min: eps);
        var n2 = x2.Square().Sum(dim).Sqrt().Clamp(min: eps);
        return dot / (n1 * n2);
    }

    /// <summary>p-norm distance between rows: ||x1 - x2 + eps||_p over the last dimension (torch's pairwise_distance).</summary>
    public static Tensor PairwiseDistance(Tensor x1, Tensor x2, double p = 2, double eps = 1e-6)
    {
        var d = (x1 - x2 + eps).Abs();
        return p == 2 ? d.Square().Sum(-1).Sqrt() : d.Pow(p).Sum(-1).Pow(1 / p);
    }

    /// <summary>1 - cos(x1, x2) for similar pairs (y = 1), max(0, cos - margin) for dissimilar ones (y = -1).</summary>
    public static Tensor CosineEmbedding(Tensor x1, Tensor x2, Tensor target, double margin = 0, Reduction reduction = Reduction.Mean)
    {
        var cos = CosineSimilarity(x1, x2, dim: -1, eps: 1e-12);
        return reduction.Apply(Tensor.Where(target.Eq(1), 1 - cos, (cos - margin).Relu()));
    }

    /// <summary>max(d(a, p) - d(a, n) + margin, 0): anchors closer to positives than to negatives (FaceNet).</summary>
    public static Tensor TripletMargin(Tensor anchor, Tensor positive, Tensor negative, double margin = 1, double p = 2, double eps = 1e-6, bool swap = false, Reduction reduction = Reduction.Mean)
    {
        var dPos = PairwiseDistance(anchor, positive, p, eps);
        var dNeg = PairwiseDistance(anchor, negative, p, eps);
        if (swap) dNeg = dNeg.Minimum(PairwiseDistance(positive, negative, p, eps));
        return reduction.Apply((dPos - dNeg + margin).Relu());
    }

    /// <summary>
    /// Contrastive loss (Hadsell, Chopra &amp; LeCun, 2006): 0.5 d^2 for similar pairs (y = 1) and
    /// 0.5 max(0, margin - d)^2 for dissimilar ones (y = 0), with d the Euclidean distance of the embeddings.
    /// </summary>
    public static Tensor Contrastive(Tensor x1, Tensor x2, Tensor target, double margin = 1, Reduction reduction = Reduction.Mean)
    {
        var d = PairwiseDistance(x1, x2);
        return reduction.Apply(0.5 * (target * d.Square() + (1 - target) * (margin - d).Relu().Square()));
    }

    /// <summary>
    /// Soft Dice loss for segmentation: 1 - (2 |P∩T| + smooth) / (|P| + |T| + smooth), per sample and channel of
    /// (N, C, ...) probabilities and targets, then reduced.
    /// </summary>
    public static Tensor Dice(Tensor probabilities, Tensor target, double smooth = 1, Reduction reduction = Reduction.Mean)
    {
        SameShape("Dice", probabilities, target);
        var dims = Enumerable.Range(2, probabilities.Rank - 2).ToArray();
        var inter = (probabilities * target).Sum(dims);
        var total = probabilities.Sum(dims) + target.Sum(dims);
        return reduction.Apply(1 - (2 * inter + smooth) / (total + smooth));
    }

    /// <summary>Soft IoU (Jaccard) loss: 1 - (|P∩T| + smooth) / (|P∪T| + smooth) per sample and channel.</summary>
    public static Tensor SoftIou(Tensor probabilities, Tensor target, double smooth = 1, Reduction reduction = Reduction.Mean)
    {
        SameShape("SoftIou", probabilities, target);
        var dims = Enumerable.Range(2, probabilities.Rank - 2).ToArray();
        var inter = (probabilities * target).Sum(dims);
        var union = probabilities.Sum(dims) + target.Sum(dims) - inter;
        return reduction.Apply(1 - (inter + smooth) / (union + smooth));
    }
}
