// Prediction with several models and test-time augmentation: class probabilities averaged over models (soft voting),
// or one vote per model (hard voting), optionally averaged over horizontally flipped views. Multi-label members give
// per-label sigmoid probabilities instead, averaged the same way.
using Fovea.Autograd;
using Fovea.Memory;
using Fovea.NN;

namespace Fovea.Training;

/// <summary>How an ensemble combines its members.</summary>
public enum EnsembleMode { Mean, Vote }

/// <summary>Runs every member on a batch and merges their predictions.</summary>
public sealed class Ensemble(IReadOnlyList<Module> models, EnsembleMode mode = EnsembleMode.Mean, bool flipTta = false, bool multiLabel = false)
{
    public IReadOnlyList<Module> Models { get; } = models.Count > 0 ? models : throw new ArgumentException("Ensemble: at least one model is needed.");

    /// <summary>
    /// (N, C) class probabilities for inputs (N, C_in, H, W); with voting, the fraction of members voting per class.
    /// Multi-label: (N, L) per-label probabilities (voting is not defined there).
    /// </summary>
    public Tensor PredictProba(Tensor input)
    {
        if (multiLabel && mode == EnsembleMode.Vote) throw new ArgumentException("Ensemble: voting is for single-label models; multi-label ensembles average probabilities.");
        Tensor Probabilities(Tensor logits) => multiLabel ? logits.Sigmoid() : logits.Softmax(1);
        using var scope = TensorScope.Begin();
        using var _ = GradMode.NoGrad();
        Tensor? sum = null;
        foreach (var m in Models)
        {
            m.Eval();
            var p = Probabilities(m.Call(input));
            if (flipTta) p = (p + Probabilities(m.Call(input.Flip(3)))) * 0.5;
            if (mode == EnsembleMode.Vote) p = Tensor.OneHot(p.ArgMax(1), p.Size(1)).To(p.DType);
            sum = sum is null ? p : sum + p;
        }
        return scope.Keep(sum! / Models.Count);
    }
}
