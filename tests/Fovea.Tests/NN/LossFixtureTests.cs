// Loss functions and their gradients against PyTorch 1.13 (tools/fixtures/gen_losses.py).
using Fovea.NN;
using Fovea.Tests.Oracle;
using Xunit;

namespace Fovea.Tests.NN;

public class LossFixtureTests
{
    private static Tensor Apply(string name, Tensor[] x) => name switch
    {
        "mse" => Loss.Mse(x[0], x[1]),
        "l1_sum" => Loss.L1(x[0], x[1], Reduction.Sum),
        "smooth_l1" => Loss.SmoothL1(x[0], x[1], beta: 0.5),
        "huber_none" => Loss.Huber(x[0], x[1], delta: 0.7, reduction: Reduction.None),
        "bce_weighted" => Loss.Bce(x[0], x[1], weight: x[2]),
        "bce_logits_posweight" => Loss.BceWithLogits(x[0], x[1], posWeight: x[2]),
        "sigmoid_focal" => Loss.SigmoidFocal(x[0], x[1], 0.25, 2, Reduction.Mean),
        "kl_div_batchmean" => Loss.KlDiv(x[0], x[1], batchMean: true),
        "kl_div_log_target" => Loss.KlDiv(x[0], x[1], logTarget: true, reduction: Reduction.Sum),
        "margin_ranking" => Loss.MarginRanking(x[0], x[1], x[2], margin: 0.3),
        "cosine_embedding" => Loss.CosineEmbedding(x[0], x[1], x[2], margin: 0.1),
        "triplet" => Loss.TripletMargin(x[0], x[1], x[2], margin: 1.0),
        "triplet_swap_p1" => Loss.TripletMargin(x[0], x[1], x[2], margin: 0.5, p: 1, swap: true),
        "contrastive" => Loss.Contrastive(x[0], x[1], x[2], margin: 1.0),
        "dice" => Loss.Dice(x[0], x[1]),
        "soft_iou" => Loss.SoftIou(x[0], x[1]),
        "cross_entropy" => Loss.CrossEntropy(x[0], x[1]),
        "cross_entropy_weight_ignore" => Loss.CrossEntropy(x[0], x[1], weight: x[2]),
        "cross_entropy_smoothing" => Loss.CrossEntropy(x[0], x[1], weight: x[2], labelSmoothing: 0.1),
        "cross_entropy_smoothing_sum" => Loss.CrossEntropy(x[0], x[1], reduction: Reduction.Sum, labelSmoothing: 0.2),
        "cross_entropy_spatial_none" => Loss.CrossEntropy(x[0], x[1], ignoreIndex: 1, reduction: Reduction.None),
        "cross_entropy_probs" => Loss.CrossEntropy(x[0], x[1], weight: x[2], labelSmoothing: 0.1),
        "nll_weighted" => Loss.Nll(x[0], x[1], weight: x[2]),
        "nll_spatial_sum" => Loss.Nll(x[0], x[1], reduction: Reduction.Sum),
        _ => throw new ArgumentException($"no mapping for fixture {name}"),
    };

    public static TheoryData<string> Cases => new(Fixture.Cases("losses"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var f = Fixture.Load("losses/" + name);
        var inputs = f.Keys.Where(k => k.StartsWith('x')).Order().Select(k => f.ContainsKey("grad_" + k) ? f[k].RequiresGrad_() : f[k]).ToArray();
        var y = Apply(name, inputs);
        Fixture.AssertClose(f["out"], y, 1e-5, 1e-5, name + " forward");
        y.Backward(f["gout"]);
        for (int i = 0; i < inputs.Length; i++)
            if (f.ContainsKey($"grad_x{i}"))
                Fixture.AssertClose(f[$"grad_x{i}"], inputs[i].Grad ?? Tensor.ZerosLike(inputs[i]), 1e-5, 1e-4, $"{name} grad x{i}");
    }
}
