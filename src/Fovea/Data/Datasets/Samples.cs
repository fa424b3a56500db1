// The small records datasets hand out: an image with one label, several labels, a mask or a detection
// target, a pair of tensors, and a file path with its label (for file-list datasets before decoding).
namespace Fovea.Data;

/// <summary>Which part of a dataset with fixed train/test files to read.</summary>
public enum DatasetSplit
{
    Train,
    Test,
}

/// <summary>An image tensor (C×H×W) and its class index.</summary>
public readonly record struct ImageSample(Tensor Image, int Label);

/// <summary>An image tensor and the class indices of every label it carries (multi-label classification).</summary>
public readonly record struct MultiLabelSample(Tensor Image, int[] Labels);

/// <summary>An image tensor and its segmentation mask.</summary>
public readonly record struct SegmentationSample(Tensor Image, Tensor Mask);

/// <summary>An image tensor and its boxes, labels and optional masks/keypoints.</summary>
public readonly record struct DetectionSample(Tensor Image, DetectionTarget Target);

/// <summary>One row of an array dataset: the input and (when the dataset has targets) the target.</summary>
public readonly record struct TensorSample(Tensor Input, Tensor? Target);

/// <summary>A file and its class index, as listed by a file-based dataset before any decoding.</summary>
public readonly record struct LabeledFile(string Path, int Label);
