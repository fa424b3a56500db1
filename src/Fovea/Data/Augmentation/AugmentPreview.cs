// A contact sheet of augmentations: the same input through a transform under different draws, laid out in a grid
// (boxes optionally drawn as 1-pixel rectangles), for eyeballing a pipeline. The CLI writes it as PNG.
using Fovea.Imaging;
using Fovea.Random;

namespace Fovea.Data.Augmentation;

/// <summary>Preview grids of random augmentations.</summary>
public static class AugmentPreview
{
    private const int Gap = 2;
    private static readonly byte[] Background = [40, 40, 40];
    private static readonly byte[][] Palette =
    [
        [255, 64, 64], [64, 255, 64], [64, 128, 255], [255, 220, 0], [255, 0, 255], [0, 255, 255], [255, 128, 0], [255, 255, 255],
    ];

    /// <summary>rows x cols draws of <paramref name="t"/> on <paramref name="image"/> (cell i uses a generator seeded from (seed, i)).</summary>
    public static Image Grid(Image image, ITransform t, int rows, int cols, ulong seed, bool drawBoxes = false) =>
        Grid(new AugmentSample(image), t, rows, cols, seed, drawBoxes);

    /// <summary>
    /// rows x cols draws of <paramref name="t"/> on <paramref name="sample"/>, as an RGB image: cells of the largest
    /// output size separated by 2-pixel gaps, outputs at the top-left of their cell; with <paramref name="drawBoxes"/>
    /// each box is outlined in a colour chosen by its label.
    /// </summary>
    public static Image Grid(AugmentSample sample, ITransform t, int rows, int cols, ulong seed, bool drawBoxes = false)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(rows), $"AugmentPreview.Grid: rows and cols must be positive, got {rows}x{cols}.");
        var cells = new AugmentSample[rows * cols];
        for (int i = 0; i < cells.Length; i++) cells[i] = t.Apply(sample, new Generator(Generator.Bits(seed, (ulong)i)));
        int cw = cells.Max(c => c.Width), chh = cells.Max(c => c.Height);
        var sheet = ImageOps.Filled(cols * cw + (cols + 1) * Gap, rows * chh + (rows + 1) * Gap, ColorSpace.Rgb, Background);
        for (int i = 0; i < cells.Length; i++)
        {
            int x0 = Gap + (i % cols) * (cw + Gap), y0 = Gap + (i / cols) * (chh + Gap);
            var rgb = ImageOps.ToRgb(cells[i].Image);
            for (int y = 0; y < rgb.Height; y++) Array.Copy(rgb.Pixels, y * rgb.Stride, sheet.Pixels, ((y0 + y) * sheet.Width + x0) * 3, rgb.Stride);
            if (drawBoxes && cells[i].Boxes is { } boxes) DrawBoxes(sheet, boxes, cells[i].BoxLabels, x0, y0, rgb.Width, rgb.Height);
        }
        return sheet;
    }

    /// <summary>Draws 1-pixel rectangle outlines of xyxy boxes onto an RGB image, offset by (x0, y0), clipped to w x h.</summary>
    public static void DrawBoxes(Image rgb, float[,] boxes, int[]? labels, int x0, int y0, int w, int h)
    {
        for (int i = 0; i < boxes.GetLength(0); i++)
        {
            var color = Palette[(labels == null ? i : Math.Abs(labels[i])) % Palette.Length];
            int l = Math.Clamp((int)Math.Floor(boxes[i, 0]), 0, w - 1), r = Math.Clamp((int)Math.Ceiling(boxes[i, 2]) - 1, 0, w - 1);
            int tp = Math.Clamp((int)Math.Floor(boxes[i, 1]), 0, h - 1), b = Math.Clamp((int)Math.Ceiling(boxes[i, 3]) - 1, 0, h - 1);
            for (int x = l; x <= r; x++) { Set(rgb, x0 + x, y0 + tp, color); Set(rgb, x0 + x, y0 + b, color); }
            for (int y = tp; y <= b; y++) { Set(rgb, x0 + l, y0 + y, color); Set(rgb, x0 + r, y0 + y, color); }
        }
    }

    private static void Set(Image im, int x, int y, byte[] color) => Array.Copy(color, 0, im.Pixels, (y * im.Width + x) * 3, 3);
}
