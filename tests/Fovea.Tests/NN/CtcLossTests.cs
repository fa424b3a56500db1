// CTC loss against PyTorch 1.13 (tools/fixtures/gen_ctc.py) and finite differences.
using Fovea.Autograd;
using Fovea.NN;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.NN;

public class CtcLossTests
{
    // log_softmax composed from primitives (adequate for these small logits).
    private static Tensor LogSoftmax(Tensor x) => x - x.Exp().Sum(2, keepDim: true).Log();

    [Fact]
    public void MatchesPyTorchValuesAndLogitGradients()
    {
        var f = Fixture.Load("ctc/ctc");
        var logits = f["logits"].RequiresGrad_();
        int[] inLen = f["input_lengths"].ToArray<long>().Select(v => (int)v).ToArray();
        int[] tgLen = f["target_lengths"].ToArray<long>().Select(v => (int)v).ToArray();
        var none = Loss.Ctc(LogSoftmax(logits), f["targets"], inLen, tgLen, reduction: Reduction.None);
        Fixture.AssertClose(f["loss_none"], none, 1e-4, 1e-5, "ctc none");
        var mean = Loss.Ctc(LogSoftmax(logits), f["targets"], inLen, tgLen);
        Fixture.AssertClose(f["loss_mean"], mean, 1e-5, 1e-5, "ctc mean");
        mean.Backward();
        Fixture.AssertClose(f["grad_logits"], logits.Grad!, 1e-5, 1e-4, "ctc grad");
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        var x = Tensor.Randn([6, 2, 4], DType.Float64, new Random.Generator(3), requiresGrad: true);
        var targets = Tensor.FromArray(new long[] { 1, 3, 2, 2 }, 2, 2);
        Assert.Null(GradCheck.Check(xs => Loss.Ctc(LogSoftmax(xs[0]), targets, [6, 5], [2, 2], reduction: Reduction.Sum), [x]));
    }

    [Fact]
    public void ImpossibleAlignmentIsInfiniteOrZeroed()
    {
        var lp = LogSoftmax(Tensor.Zeros([2, 1, 3]));
        var targets = Tensor.FromArray(new long[] { 1, 1 }, 1, 2); // "1 1" needs 3 frames
        Assert.True(double.IsPositiveInfinity(Loss.Ctc(lp, targets, [2], [2], reduction: Reduction.Sum).ToDouble()));
        Assert.Equal(0, Loss.Ctc(lp, targets, [2], [2], reduction: Reduction.Sum, zeroInfinity: true).ToDouble());
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Loss.Ctc(lp, Tensor.FromArray(new long[] { 0, 1 }, 1, 2), [2], [2]));
        Assert.Contains("blank", ex.Message);
    }
}
