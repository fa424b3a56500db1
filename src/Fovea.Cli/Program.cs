// Entry point of the `fovea` command: one sub-command per file under Commands/.
using System.CommandLine;
using Fovea.Cli.Commands;

var root = new RootCommand("Fovea: deep learning for computer vision in .NET.");
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(ImageCommand.Create());
root.Subcommands.Add(PredictCommand.Create());
root.Subcommands.Add(AugmentCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(InspectCommand.Create());
return root.Parse(args).Invoke();
