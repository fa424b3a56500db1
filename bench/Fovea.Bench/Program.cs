// Fovea's benchmarks: `dotnet run -c Release --project bench/Fovea.Bench -- NAME [args]`. Each prints JSON lines,
// with the peer's figure from the same run where the peer is installed (../shared/peers).
using Fovea.Bench;

var commands = new Dictionary<string, Func<string[], int>>
{
    ["matmul"] = MatmulBench.Run,
    ["conv2d"] = Conv2dBench.Run,
    ["train-cnn"] = TrainCnnBench.Run,
    ["ops"] = OpsBench.Run,
    ["loader"] = LoaderBench.Run,
    ["profile-cnn"] = ProfileCnnBench.Run,
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: Fovea.Bench <{string.Join("|", commands.Keys)}> [args]");
    return 2;
}
return run(args[1..]);
