// The summary Inference.Optimize returns: what it changed in a model.
namespace Fovea.Models;

/// <summary>What <see cref="Inference.Optimize"/> did: batch norms folded, activations and residual blocks fused, convolutions with packed weights.</summary>
public readonly record struct InferenceOptimization(int FoldedNorms, int FusedActivations, int FusedBlocks, int PackedConvolutions);
