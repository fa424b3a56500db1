// Returns the activations of named layers for one forward pass: feature maps for visualisation (Grad-CAM
// needs them), embeddings from the penultimate layer for similarity search.
namespace Fovea.NN;

public static class FeatureExtractor
{
    /// <summary>
    /// Runs <paramref name="model"/> on <paramref name="input"/> and returns the outputs of the modules at the given
    /// dotted paths ("layer4", "avgpool", "classifier.0"), plus the model's own output under "output".
    /// <example><code>var feats = FeatureExtractor.Extract(resnet, x, "layer4", "avgpool");</code></example>
    /// </summary>
    public static Dictionary<string, Tensor> Extract(Module model, Tensor input, params string[] layers)
    {
        var result = new Dictionary<string, Tensor>();
        var handles = new List<IDisposable>();
        try
        {
            foreach (var name in layers)
            {
                var m = model.GetSubmodule(name);
                handles.Add(m.RegisterForwardHook((_, _, y) => { result[name] = y; return null; }));
            }
            result["output"] = model.Call(input);
        }
        finally
        {
            foreach (var h in handles) h.Dispose();
        }
        return result;
    }
}
