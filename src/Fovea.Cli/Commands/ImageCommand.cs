// `fovea image convert IN OUT` (any supported format to any other, by extension) and `fovea image info FILE`.
using System.CommandLine;
using System.Text.Json;
using Fovea.Imaging;

namespace Fovea.Cli.Commands;

public static class ImageCommand
{
    public static Command Create()
    {
        var cmd = new Command("image", "Read, inspect and convert images (PNG, JPEG, BMP, PPM/PGM, GIF).");
        var input = new Argument<string>("input") { Description = "Image file to read." };
        var output = new Argument<string>("output") { Description = "File to write; the extension picks the format (.png, .jpg, .bmp, .ppm, .pgm)." };
        var quality = new Option<int>("--quality") { Description = "JPEG quality 1-100.", DefaultValueFactory = _ => 90 };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON." };
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces on errors." };
        var convert = new Command("convert", "Convert an image to another format.") { input, output, quality, json, verbose };
        convert.SetAction(r => CliErrors.Run(r.GetValue(verbose), r.GetValue(json), () =>
        {
            var image = ImageIO.Read(r.GetValue(input)!);
            ImageIO.Write(image, r.GetValue(output)!, r.GetValue(quality));
            Report(r.GetValue(json), image, r.GetValue(output)!);
            return 0;
        }));
        var file = new Argument<string>("file") { Description = "Image file." };
        var info = new Command("info", "Print an image's size, channels and bit depth.") { file, json, verbose };
        info.SetAction(r => CliErrors.Run(r.GetValue(verbose), r.GetValue(json), () =>
        {
            Report(r.GetValue(json), ImageIO.Read(r.GetValue(file)!), r.GetValue(file)!);
            return 0;
        }));
        cmd.Subcommands.Add(convert);
        cmd.Subcommands.Add(info);
        return cmd;
    }

    private static void Report(bool json, Image image, string path)
    {
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new { path, width = image.Width, height = image.Height, channels = image.Channels, color = image.Color.ToString(), bit_depth = image.BitDepth }));
        else Console.WriteLine($"{path}: {image.Width}x{image.Height}, {image.Color}, {image.BitDepth}-bit");
    }
}
