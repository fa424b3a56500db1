// The kernel interface of the shape family: the copies behind concatenation, padding, rolling and triangles
// (see IElementwiseKernels for the dispatch pattern).
using Fovea.Kernels.Cpu;

namespace Fovea.Kernels;

/// <summary>Data-moving kernels of shape-changing ops; outputs are preallocated by the op.</summary>
internal interface IShapeKernels
{
    /// <summary>Copies <paramref name="src"/> (converted to dst's dtype) into dst[..., offset:offset+src.Size(dim), ...]; dst is contiguous.</summary>
    void CatInto(Tensor src, Tensor dst, int dim, int offset);

    /// <summary>y[..., j, ...] = x[..., map[j], ...] along <paramref name="dim"/>; x and y contiguous, same dtype.</summary>
    void GatherAlong(Tensor x, int dim, int[] map, Tensor y);

    /// <summary>r[..., map[j], ...] += g[..., j, ...] along <paramref name="dim"/>; g and r contiguous, same numeric dtype.</summary>
    void ScatterAddAlong(Tensor g, int dim, int[] map, Tensor r);

    /// <summary>Zeroes, in place, the elements of each trailing matrix outside the lower (or upper) triangle; y contiguous.</summary>
    void MaskTriangle(Tensor y, bool lower, int diagonal);
}

internal static class ShapeKernels
{
    public static IShapeKernels For(Device device) => device.Type switch
    {
        DeviceType.Cpu => CpuShapeKernels.Instance,
        _ => throw new NotSupportedException($"No shape kernels for device {device}."),
    };
}
