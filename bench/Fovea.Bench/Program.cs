// Fovea's benchmarks: `dotnet run -c Release --project bench/Fovea.Bench -- NAME [args]` (also `fovea bench NAME`).
return Fovea.Bench.Benchmarks.Run(args);
