// Ready-made collate functions for the data loader: stack equally shaped tensors, stack (image, label) pairs
// into an image batch and an int64 label vector, or keep variable-size samples (detection targets) as lists.
namespace Fovea.Data;

/// <summary>
/// Functions that combine a list of samples into a batch. The stacking ones return new tensors; the list ones
/// return the samples themselves.
/// </summary>
public static class Collate
{
    /// <summary>Stacks equally shaped tensors along a new first dimension: n x (shape) → (n, shape).</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> samples) => Tensor.Stack(samples);

    /// <summary>Stacks (image, label) pairs into an image batch (n, shape) and an int64 label vector (n).</summary>
    public static (Tensor Images, Tensor Labels) StackLabeled(IReadOnlyList<(Tensor Image, int Label)> samples)
    {
        var images = new Tensor[samples.Count];
        var labels = new long[samples.Count];
        for (int i = 0; i < samples.Count; i++) (images[i], labels[i]) = samples[i];
        return (Tensor.Stack(images), Tensor.FromArray(labels, labels.Length));
    }

    /// <summary>Keeps the samples as an array (for samples of different sizes).</summary>
    public static T[] List<T>(IReadOnlyList<T> samples) => samples.ToArray();

    /// <summary>
    /// Splits (image, target) pairs into an array of images and an array of targets, without stacking: for
    /// detection, where images and their box lists differ in size (like torchvision's detection collate).
    /// </summary>
    public static (Tensor[] Images, TTarget[] Targets) Detection<TTarget>(IReadOnlyList<(Tensor Image, TTarget Target)> samples)
    {
        var images = new Tensor[samples.Count];
        var targets = new TTarget[samples.Count];
        for (int i = 0; i < samples.Count; i++) (images[i], targets[i]) = samples[i];
        return (images, targets);
    }
}
