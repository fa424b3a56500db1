// Classifier chains for multi-label classification (Read et al. 2009): label j's logit also sees labels 0..j-1 through
// a strictly lower-triangular matrix. In training the true labels are fed (teacher forcing); at inference each label's
// thresholded prediction is fed to the labels after it, in order. Binary relevance is the chain with a zero matrix.
namespace Fovea.NN;

/// <summary>A module that, in training, can be handed the batch's targets before its forward pass (teacher forcing).</summary>
public interface ITeacherForced
{
    /// <summary>The (N, L) targets of the coming forward pass, or null to feed the module's own predictions.</summary>
    Tensor? Teacher { get; set; }
}

/// <summary>
/// A multi-label head over a backbone's features x: logits = linear(x) + z @ tril(chain, -1)^T, where z holds the
/// (N, L) labels fed in: <see cref="Teacher"/> when set, else the labels predicted in order, label j being
/// sigmoid(logit_j) &gt;= <see cref="FeedThresholds"/>[j].
/// <code>var net = ModelZoo.Create("resnet18", numClasses: 5); ClassifierChainHead.Attach(net);</code>
/// </summary>
public sealed class ClassifierChainHead : Module, ITeacherForced
{
    /// <summary>A chain over the outputs of <paramref name="linear"/> (one logit per label), with a zero chain matrix.</summary>
    public ClassifierChainHead(Linear linear)
    {
        Linear = RegisterModule("linear", linear);
        NumLabels = linear.OutFeatures;
        Chain = RegisterParameter("chain", Tensor.Zeros([NumLabels, NumLabels], linear.Weight.DType));
        FeedThresholds = Enumerable.Repeat(0.5f, NumLabels).ToArray();
    }

    /// <summary>A chain head with a fresh linear layer.</summary>
    public ClassifierChainHead(int inFeatures, int numLabels) : this(new Linear(inFeatures, numLabels)) { }

    /// <summary>The per-label logits of the features (binary relevance part).</summary>
    public Linear Linear { get; }

    public int NumLabels { get; }

    /// <summary>(L, L): entry (j, k), k &lt; j, weighs label k's value in label j's logit; the rest is unused.</summary>
    public Tensor Chain { get; private set; }

    /// <summary>Probability at or above which a predicted label is fed as 1 to the later labels (default 0.5 each).</summary>
    public float[] FeedThresholds { get; set; }

    public Tensor? Teacher { get; set; }

    public override Tensor Forward(Tensor input)
    {
        var logits = Linear.Call(input);
        var fed = Teacher is { } t ? CheckTeacher(t, logits).To(logits.DType) : PredictInOrder(logits);
        return logits + fed.MatMul(Chain.Tril(-1).Transpose(0, 1));
    }

    private Tensor CheckTeacher(Tensor t, Tensor logits)
    {
        if (t.Shape != logits.Shape)
            throw new ArgumentException($"ClassifierChainHead: teacher labels have shape {t.Shape}, the logits {logits.Shape}.");
        return t;
    }

    // The labels fed at inference: z_j = [sigmoid(linear_j + sum_{k<j} chain[j,k] z_k) >= threshold_j], sample by sample.
    private Tensor PredictInOrder(Tensor logits)
    {
        if (FeedThresholds.Length != NumLabels)
            throw new InvalidOperationException($"ClassifierChainHead: {FeedThresholds.Length} feed thresholds for {NumLabels} labels.");
        int n = logits.Size(0), l = NumLabels;
        double[] b, w;
        using (Autograd.GradMode.NoGrad())
        {
            using var b64 = logits.To(DType.Float64);
            using var w64 = Chain.To(DType.Float64);
            b = b64.ToArray<double>();
            w = w64.ToArray<double>();
        }
        var z = new double[n * l];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < l; j++)
            {
                double v = b[i * l + j];
                for (int k = 0; k < j; k++) v += w[j * l + k] * z[i * l + k];
                z[i * l + j] = 1 / (1 + Math.Exp(-v)) >= FeedThresholds[j] ? 1 : 0;
            }
        using var z64 = Tensor.FromArray(z, n, l);
        return z64.To(logits.DType);
    }

    /// <summary>
    /// Replaces <paramref name="model"/>'s classifier head (its last Linear layer) by a chain head around it, and returns
    /// it. Works for any model whose forward calls the head through its parent (every zoo model).
    /// </summary>
    public static ClassifierChainHead Attach(Module model)
    {
        var (name, head) = model.NamedModules().LastOrDefault(m => m.Module is Linear);
        if (head is not Linear linear || name.Length == 0)
            throw new ArgumentException($"ClassifierChainHead.Attach: {model.GetType().Name} has no Linear classifier head inside it.");
        int dot = name.LastIndexOf('.');
        var parent = dot < 0 ? model : model.GetSubmodule(name[..dot]);
        var chain = new ClassifierChainHead(linear);
        parent.ReplaceModule(name[(dot + 1)..], chain);
        return chain;
    }

    protected override void OnParameterReplaced(string name, Tensor tensor) => Chain = tensor;

    protected override string ExtraRepr() => $"labels={NumLabels}";
}
