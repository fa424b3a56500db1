// Where a tensor's memory lives. Only the CPU exists today; kernels are chosen per device so that a CUDA
// back-end can be added without touching op definitions.
namespace Fovea;

public enum DeviceType { Cpu, Cuda }

/// <summary>A compute device: <c>Device.Cpu</c>, later <c>Device.Cuda(0)</c>.</summary>
public readonly record struct Device(DeviceType Type, int Index = 0)
{
    public static Device Cpu { get; } = new(DeviceType.Cpu);

    public override string ToString() => Type == DeviceType.Cpu ? "cpu" : $"cuda:{Index}";
}
