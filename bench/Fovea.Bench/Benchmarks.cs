// The benchmark registry, shared by `dotnet run --project bench/Fovea.Bench -- NAME` and `fovea bench NAME`. Each
// benchmark prints JSON lines, with the peer's figure from the same run where the peer is installed (../shared/peers).
namespace Fovea.Bench;

public static class Benchmarks
{
    private static readonly Dictionary<string, (Func<string[], int> Run, string About)> All = new()
    {
        ["matmul"] = (MatmulBench.Run, "float32 square GEMM GFLOP/s [N...] [--peer]"),
        ["conv2d"] = (Conv2dBench.Run, "convolution layers forward + backward [--net resnet18|mobilenet_v2] [--batch B] [--peer]"),
        ["train-cnn"] = (TrainCnnBench.Run, "training throughput [--model reference-cnn|resnet18-small|...] [--steps S] [--batch B] [--peer]"),
        ["accuracy-cnn"] = (AccuracyCnnBench.Run, "reference-CNN test accuracy after E epochs over seeds, the peer's recipe [--epochs E] [--seeds 0,1,2] [--peer]"),
        ["ops"] = (OpsBench.Run, "per-op forward/backward time of the reference CNN [--batch B]"),
        ["profile-cnn"] = (ProfileCnnBench.Run, "where a reference-CNN training step spends its time"),
        ["loader"] = (LoaderBench.Run, "28x28 IDX images through the loader (flip + normalise)"),
        ["jpeg-loader"] = (JpegLoaderBench.Run, "JPEG decode + random resized crop + flip + normalise [--workers W]"),
        ["overhead"] = (OverheadBench.Run, "fixed cost of one small op (dispatch, allocation, graph bookkeeping)"),
        ["infer"] = (InferBench.Run, "zoo model inference at 224x224 [--model resnet18] [--batch B] [--peer: PyTorch and ONNX Runtime]"),
    };

    /// <summary>Benchmark names with a line about each.</summary>
    public static IEnumerable<(string Name, string About)> List => All.Select(kv => (kv.Key, kv.Value.About));

    /// <summary>Runs benchmark args[0] with the remaining arguments; prints usage and returns 2 for an unknown name.</summary>
    public static int Run(string[] args)
    {
        if (args.Length == 0 || !All.TryGetValue(args[0], out var b))
        {
            Console.Error.WriteLine("usage: bench <name> [args]; benchmarks:");
            foreach (var (name, about) in List) Console.Error.WriteLine($"  {name,-12} {about}");
            return 2;
        }
        return b.Run(args[1..]);
    }
}
