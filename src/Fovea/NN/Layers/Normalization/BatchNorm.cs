// Batch normalization layers (torch.nn.BatchNorm1d/2d/3d): batch statistics in training, running statistics in
// evaluation; buffers running_mean, running_var and num_batches_tracked, named as in PyTorch.
namespace Fovea.NN;

/// <summary>
/// What batch and instance normalization layers share: an optional per-channel affine transform ("weight", "bias") and
/// optional running statistics ("running_mean", "running_var", "num_batches_tracked"), named as in PyTorch.
/// </summary>
public abstract class NormLayer : Module
{
    private protected NormLayer(string op, int numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats, DType dtype)
    {
        if (numFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(numFeatures), $"{op}: num_features must be positive, got {numFeatures}.");
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        TrackRunningStats = trackRunningStats;
        if (affine)
        {
            RegisterParameter("weight", Tensor.Ones([numFeatures], dtype));
            RegisterParameter("bias", Tensor.Zeros([numFeatures], dtype));
        }
        else
        {
            RegisterNullParameter("weight");
            RegisterNullParameter("bias");
        }
        if (trackRunningStats)
        {
            RegisterBuffer("running_mean", Tensor.Zeros([numFeatures], dtype));
            RegisterBuffer("running_var", Tensor.Ones([numFeatures], dtype));
            RegisterBuffer("num_batches_tracked", Tensor.Zeros([], DType.Int64));
        }
    }

    public int NumFeatures { get; }
    public double Eps { get; }
    /// <summary>Weight of the current batch in the running statistics; null = cumulative average over all batches.</summary>
    public double? Momentum { get; }
    public bool TrackRunningStats { get; }
    public Tensor? Weight => Param("weight");
    public Tensor? Bias => Param("bias");
    public Tensor? RunningMean => TrackRunningStats ? Buffer("running_mean") : null;
    public Tensor? RunningVar => TrackRunningStats ? Buffer("running_var") : null;
    public Tensor? NumBatchesTracked => TrackRunningStats ? Buffer("num_batches_tracked") : null;

    protected override string ExtraRepr() =>
        $"{NumFeatures}, eps={Eps}, momentum={(Momentum is { } m ? m.ToString(System.Globalization.CultureInfo.InvariantCulture) : "None")}, affine={(Weight != null ? "True" : "False")}, track_running_stats={(TrackRunningStats ? "True" : "False")}";
}

/// <summary>The shared implementation of BatchNorm1d/2d/3d; subclasses fix the accepted input ranks.</summary>
public abstract class BatchNormLayer : NormLayer
{
    private readonly string _op;
    private readonly int[] _ranks;

    private protected BatchNormLayer(string op, int[] ranks, int numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats, DType dtype)
        : base(op, numFeatures, eps, momentum, affine, trackRunningStats, dtype) => (_op, _ranks) = (op, ranks);

    public override Tensor Forward(Tensor input)
    {
        if (!_ranks.Contains(input.Rank) || input.Size(1) != NumFeatures)
            throw new ArgumentException($"{_op}({NumFeatures}): expected input of rank {string.Join(" or ", _ranks)} with {NumFeatures} channels in dim 1, got shape {input.Shape}.");
        bool batchStats = Training || !TrackRunningStats;
        double momentum = Momentum ?? 0;
        if (Training && TrackRunningStats)
        {
            var tracked = NumBatchesTracked!;
            long count = tracked.Item<long>() + 1;
            using (Autograd.GradMode.NoGrad())
            using (var next = Tensor.Full([], count, DType.Int64)) tracked.CopyFrom(next);
            if (Momentum == null) momentum = 1.0 / count;
        }
        return Tensor.BatchNorm(input, batchStats && !Training ? null : RunningMean, batchStats && !Training ? null : RunningVar,
            Weight, Bias, training: batchStats, momentum: momentum, eps: Eps);
    }

}

/// <summary>Batch normalization of (N, C) or (N, C, L).</summary>
public sealed class BatchNorm1d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true, DType dtype = DType.Float32)
    : BatchNormLayer("BatchNorm1d", [2, 3], numFeatures, eps, momentum, affine, trackRunningStats, dtype);

/// <summary>Batch normalization of (N, C, H, W).</summary>
public sealed class BatchNorm2d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true, DType dtype = DType.Float32)
    : BatchNormLayer("BatchNorm2d", [4], numFeatures, eps, momentum, affine, trackRunningStats, dtype);

/// <summary>Batch normalization of (N, C, D, H, W).</summary>
public sealed class BatchNorm3d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true, DType dtype = DType.Float32)
    : BatchNormLayer("BatchNorm3d", [5], numFeatures, eps, momentum, affine, trackRunningStats, dtype);
