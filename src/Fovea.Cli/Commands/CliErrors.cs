// One clear line per error (the stack trace with --verbose), and an exit code: 1 for bad input, 2 for a failure.
using System.Text.Json;

namespace Fovea.Cli.Commands;

public static class CliErrors
{
    public static int Run(bool verbose, bool json, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (!verbose)
        {
            string message = e is AggregateException { InnerException: { } inner } ? inner.Message : e.Message;
            if (json) Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string> { ["event"] = "error", ["error"] = message, ["type"] = e.GetType().Name }));
            else Console.Error.WriteLine($"error: {message}");
            return e is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException ? 1 : 2;
        }
    }
}
