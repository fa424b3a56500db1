// SVG charts are well-formed XML with one polyline per series and one cell per confusion-matrix entry.
using System.Xml.Linq;
using Fovea.Plotting;
using Xunit;

namespace Fovea.Tests.Plotting;

public class SvgChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void LineChartHasAPolylinePerSeriesWithAllPoints()
    {
        var svg = SvgChart.LineChart("Loss & accuracy", "epoch", "value",
            [new Series("train <loss>", [1, 2, 3], [0.9, 0.5, 0.3]), new Series("val", [1, 2, 3], [1.0, 0.7, double.NaN])]);
        var doc = XDocument.Parse(svg);
        var lines = doc.Descendants(Svg + "polyline").ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(3, lines[0].Attribute("points")!.Value.Split(' ').Length);
        Assert.Equal(2, lines[1].Attribute("points")!.Value.Split(' ').Length); // NaN skipped
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "train <loss>");
    }

    [Fact]
    public void ConfusionMatrixHasACellPerEntry()
    {
        var svg = SvgChart.ConfusionMatrix(new[,] { { 5, 1 }, { 0, 7 } }, ["cat", "dog"]);
        var doc = XDocument.Parse(svg);
        Assert.Equal(1 + 4, doc.Descendants(Svg + "rect").Count());
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "7");
    }
}
