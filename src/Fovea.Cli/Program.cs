// Entry point of the `fovea` command.
using Fovea.Cli.Commands;

return args.Length > 0 && args[0] == "demo" ? DemoCommand.Run(args[1..]) : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: fovea demo [--steps N]    train a small model on synthetic data and print its loss");
    return 2;
}
