// `fovea augment IMAGE --pipeline SPEC --preview grid.png`: shows what an augmentation pipeline does by writing a grid
// of augmented samples of one image.
using System.CommandLine;
using System.Text.Json;
using Fovea.Data.Augmentation;
using Fovea.Imaging;

namespace Fovea.Cli.Commands;

public static class AugmentCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("image") { Description = "The image to augment." };
        var pipeline = new Option<string>("--pipeline") { Description = $"Comma-separated steps, e.g. hflip,rotate:15,jitter:0.4 ({string.Join(", ", PipelineSpec.Steps.Select(s => s.Step))}).", DefaultValueFactory = _ => "hflip,rotate:15,jitter:0.4" };
        var preview = new Option<string>("--preview") { Description = "Output grid image (.png, .jpg, ...).", DefaultValueFactory = _ => "augment-preview.png" };
        var rows = new Option<int>("--rows") { Description = "Grid rows.", DefaultValueFactory = _ => 3 };
        var cols = new Option<int>("--cols") { Description = "Grid columns.", DefaultValueFactory = _ => 4 };
        var seed = new Option<ulong>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON." };
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces on errors." };
        var cmd = new Command("augment", "Preview an augmentation pipeline as a grid of samples.") { image, pipeline, preview, rows, cols, seed, json, verbose };
        cmd.SetAction(r => CliErrors.Run(r.GetValue(verbose), r.GetValue(json), () =>
        {
            var t = PipelineSpec.Parse(r.GetValue(pipeline)!);
            var grid = AugmentPreview.Grid(ImageIO.Read(r.GetValue(image)!), t, r.GetValue(rows), r.GetValue(cols), r.GetValue(seed));
            ImageIO.Write(grid, r.GetValue(preview)!);
            if (r.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(new { preview = r.GetValue(preview), width = grid.Width, height = grid.Height }));
            else Console.WriteLine($"wrote {r.GetValue(preview)} ({grid.Width}x{grid.Height}, {r.GetValue(rows)}x{r.GetValue(cols)} samples)");
            return 0;
        }));
        return cmd;
    }
}
