// Minimal SVG charts for training reports: line charts (loss/accuracy curves, ROC and PR curves) and a
// confusion-matrix heat map. Plain SVG 1.1 text, viewable in any browser, written atomically.
using System.Globalization;
using System.Net;
using System.Text;

namespace Fovea.Plotting;

/// <summary>One line of a chart.</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

public static class SvgChart
{
    private static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
    private const int W = 640, H = 420, Left = 70, Right = 20, Top = 40, Bottom = 55;

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
    private static string Esc(string s) => WebUtility.HtmlEncode(s);

    /// <summary>A line chart with axes, ticks and a legend; fixed axis ranges can be given.</summary>
    public static string LineChart(string title, string xLabel, string yLabel, IReadOnlyList<Series> series,
        (double Min, double Max)? xRange = null, (double Min, double Max)? yRange = null, bool diagonal = false)
    {
        var pts = series.SelectMany(s => s.X.Zip(s.Y)).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToList();
        var (x0, x1) = xRange ?? (pts.Count > 0 ? (pts.Min(p => p.First), pts.Max(p => p.First)) : (0, 1));
        var (y0, y1) = yRange ?? (pts.Count > 0 ? (pts.Min(p => p.Second), pts.Max(p => p.Second)) : (0, 1));
        if (x1 <= x0) x1 = x0 + 1;
        if (y1 <= y0) { y0 -= 0.5; y1 += 0.5; }
        double pw = W - Left - Right, ph = H - Top - Bottom;
        double Px(double x) => Left + (x - x0) / (x1 - x0) * pw;
        double Py(double y) => Top + ph - (y - y0) / (y1 - y0) * ph;

        var sb = Header(title);
        sb.Append($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{F(pw)}\" height=\"{F(ph)}\" fill=\"none\" stroke=\"#444\"/>\n");
        for (int i = 0; i <= 5; i++)
        {
            double xv = x0 + (x1 - x0) * i / 5, yv = y0 + (y1 - y0) * i / 5;
            sb.Append($"<line x1=\"{F(Px(xv))}\" y1=\"{Top}\" x2=\"{F(Px(xv))}\" y2=\"{F(Top + ph)}\" stroke=\"#eee\"/>");
            sb.Append($"<line x1=\"{Left}\" y1=\"{F(Py(yv))}\" x2=\"{F(Left + pw)}\" y2=\"{F(Py(yv))}\" stroke=\"#eee\"/>");
            sb.Append($"<text x=\"{F(Px(xv))}\" y=\"{F(Top + ph + 18)}\" text-anchor=\"middle\">{F(xv)}</text>");
            sb.Append($"<text x=\"{Left - 6}\" y=\"{F(Py(yv) + 4)}\" text-anchor=\"end\">{F(yv)}</text>\n");
        }
        if (diagonal) sb.Append($"<line x1=\"{F(Px(x0))}\" y1=\"{F(Py(y0))}\" x2=\"{F(Px(x1))}\" y2=\"{F(Py(y1))}\" stroke=\"#aaa\" stroke-dasharray=\"4 4\"/>\n");
        for (int s = 0; s < series.Count; s++)
        {
            var path = string.Join(" ", series[s].X.Zip(series[s].Y).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).Select(p => $"{F(Px(p.First))},{F(Py(p.Second))}"));
            string color = Palette[s % Palette.Length];
            sb.Append($"<polyline points=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>\n");
            sb.Append($"<rect x=\"{F(Left + pw - 150)}\" y=\"{Top + 10 + s * 18}\" width=\"12\" height=\"12\" fill=\"{color}\"/>");
            sb.Append($"<text x=\"{F(Left + pw - 132)}\" y=\"{Top + 21 + s * 18}\">{Esc(series[s].Name)}</text>\n");
        }
        sb.Append($"<text x=\"{F(Left + pw / 2)}\" y=\"{H - 12}\" text-anchor=\"middle\">{Esc(xLabel)}</text>");
        sb.Append($"<text x=\"16\" y=\"{F(Top + ph / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {F(Top + ph / 2)})\">{Esc(yLabel)}</text>\n");
        return sb.Append("</svg>\n").ToString();
    }

    /// <summary>A heat map of a confusion matrix (rows: true class, columns: predicted), with counts in the cells.</summary>
    public static string ConfusionMatrix(int[,] counts, IReadOnlyList<string> classNames, string title = "Confusion matrix")
    {
        int n = counts.GetLength(0);
        int cell = Math.Max(18, Math.Min(48, 480 / Math.Max(n, 1)));
        int left = 120, top = 60, size = cell * n;
        int width = left + size + 20, height = top + size + 90;
        double max = 1;
        foreach (int c in counts) max = Math.Max(max, c);
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        sb.Append($"<rect width=\"100%\" height=\"100%\" fill=\"white\"/><text x=\"{width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{Esc(title)}</text>\n");
        for (int i = 0; i < n; i++)
        {
            sb.Append($"<text x=\"{left - 6}\" y=\"{top + i * cell + cell / 2 + 4}\" text-anchor=\"end\">{Esc(classNames[i])}</text>");
            sb.Append($"<text x=\"{left + i * cell + cell / 2}\" y=\"{top + size + 14}\" text-anchor=\"end\" transform=\"rotate(-45 {left + i * cell + cell / 2} {top + size + 14})\">{Esc(classNames[i])}</text>\n");
            for (int j = 0; j < n; j++)
            {
                double v = counts[i, j] / max;
                int shade = (int)(255 - 200 * v);
                string fill = $"rgb({shade},{shade},255)";
                sb.Append($"<rect x=\"{left + j * cell}\" y=\"{top + i * cell}\" width=\"{cell}\" height=\"{cell}\" fill=\"{fill}\" stroke=\"#fff\"/>");
                if (cell >= 24) sb.Append($"<text x=\"{left + j * cell + cell / 2}\" y=\"{top + i * cell + cell / 2 + 4}\" text-anchor=\"middle\" fill=\"{(v > 0.6 ? "white" : "black")}\">{counts[i, j]}</text>");
            }
            sb.Append('\n');
        }
        sb.Append($"<text x=\"{left + size / 2}\" y=\"{height - 8}\" text-anchor=\"middle\">predicted</text>");
        sb.Append($"<text x=\"14\" y=\"{top + size / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {top + size / 2})\">true</text>\n");
        return sb.Append("</svg>\n").ToString();
    }

    /// <summary>Writes SVG text to a file atomically.</summary>
    public static void Save(string path, string svg)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, svg, new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }

    private static StringBuilder Header(string title)
    {
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        sb.Append($"<rect width=\"100%\" height=\"100%\" fill=\"white\"/><text x=\"{W / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{Esc(title)}</text>\n");
        return sb;
    }
}
