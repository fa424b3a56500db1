// `fovea bench NAME [args]`: the benchmarks of bench/Fovea.Bench (matmul, conv2d, train-cnn, ops, loader, jpeg-loader),
// JSON lines with the peer's figures from the same run where the peer is installed.
using System.CommandLine;

namespace Fovea.Cli.Commands;

public static class BenchCommand
{
    public static Command Create()
    {
        var args = new Argument<string[]>("args") { Description = "Benchmark name and its arguments, e.g. matmul 1024 --peer.", Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command("bench", "Run a benchmark: " + string.Join(", ", Fovea.Bench.Benchmarks.List.Select(b => b.Name)) + ".") { args };
        cmd.TreatUnmatchedTokensAsErrors = false;
        cmd.SetAction(r => Fovea.Bench.Benchmarks.Run([.. r.GetValue(args) ?? [], .. r.UnmatchedTokens]));
        return cmd;
    }
}
