namespace Fovea.Data; public interface IDataset<out TSample> { int Count { get; } TSample Get(int index); }
