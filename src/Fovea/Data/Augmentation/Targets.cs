// Moving boxes and keypoints with a geometric transform: corners/points go through the transform's forward map,
// boxes become the enclosing axis-aligned box, are clipped to the new frame and filtered by the sample's
// visibility/size rules; keypoints that leave the frame become invisible.
namespace Fovea.Data.Augmentation;

/// <summary>Box and keypoint geometry for geometric transforms.</summary>
public static class Targets
{
    /// <summary>
    /// The sample's boxes and keypoints mapped through <paramref name="forward"/> (continuous source → output
    /// coordinates) into a <paramref name="width"/> x <paramref name="height"/> frame; image and mask unchanged.
    /// </summary>
    public static AugmentSample MapPoints(AugmentSample s, int width, int height, Func<double, double, (double X, double Y)> forward)
    {
        var outS = s.With();
        if (s.Boxes != null) (outS.Boxes, outS.BoxLabels) = MapBoxes(s.Boxes, s.BoxLabels, width, height, forward, s.MinBoxVisibility, s.MinBoxSize);
        if (s.Keypoints != null) outS.Keypoints = MapKeypoints(s.Keypoints, width, height, forward);
        return outS;
    }

    /// <summary>Boxes through the map (enclosing box of the four transformed corners), clipped and filtered.</summary>
    public static (float[,] Boxes, int[]? Labels) MapBoxes(float[,] boxes, int[]? labels, int width, int height,
        Func<double, double, (double X, double Y)> forward, float minVisibility, float minSize)
    {
        int n = boxes.GetLength(0);
        var moved = new double[n, 4];
        for (int i = 0; i < n; i++)
        {
            double x1 = double.MaxValue, y1 = double.MaxValue, x2 = double.MinValue, y2 = double.MinValue;
            for (int corner = 0; corner < 4; corner++)
            {
                var (px, py) = forward(boxes[i, corner % 2 == 0 ? 0 : 2], boxes[i, corner < 2 ? 1 : 3]);
                x1 = Math.Min(x1, px); x2 = Math.Max(x2, px);
                y1 = Math.Min(y1, py); y2 = Math.Max(y2, py);
            }
            moved[i, 0] = x1; moved[i, 1] = y1; moved[i, 2] = x2; moved[i, 3] = y2;
        }
        return ClipAndFilter(moved, labels, width, height, minVisibility, minSize);
    }

    /// <summary>Clips boxes to [0, width] x [0, height] and drops degenerate or mostly hidden ones.</summary>
    public static (float[,] Boxes, int[]? Labels) ClipAndFilter(double[,] boxes, int[]? labels, int width, int height, float minVisibility, float minSize)
    {
        var keep = new List<int>();
        int n = boxes.GetLength(0);
        var clipped = new double[n, 4];
        for (int i = 0; i < n; i++)
        {
            double area = Math.Max(0, boxes[i, 2] - boxes[i, 0]) * Math.Max(0, boxes[i, 3] - boxes[i, 1]);
            double x1 = Math.Clamp(boxes[i, 0], 0, width), x2 = Math.Clamp(boxes[i, 2], 0, width);
            double y1 = Math.Clamp(boxes[i, 1], 0, height), y2 = Math.Clamp(boxes[i, 3], 0, height);
            double bw = x2 - x1, bh = y2 - y1;
            if (!(bw >= minSize && bh >= minSize && bw > 0 && bh > 0)) continue;
            if (bw * bh < minVisibility * area) continue;
            clipped[i, 0] = x1; clipped[i, 1] = y1; clipped[i, 2] = x2; clipped[i, 3] = y2;
            keep.Add(i);
        }
        var outBoxes = new float[keep.Count, 4];
        for (int j = 0; j < keep.Count; j++)
            for (int k = 0; k < 4; k++) outBoxes[j, k] = (float)clipped[keep[j], k];
        return (outBoxes, labels == null ? null : keep.Select(i => labels[i]).ToArray());
    }

    /// <summary>Keypoints through the map; those landing outside the frame get visibility 0.</summary>
    public static float[,] MapKeypoints(float[,] points, int width, int height, Func<double, double, (double X, double Y)> forward)
    {
        int k = points.GetLength(0);
        var outP = new float[k, 3];
        for (int i = 0; i < k; i++)
        {
            var (x, y) = forward(points[i, 0], points[i, 1]);
            outP[i, 0] = (float)x;
            outP[i, 1] = (float)y;
            bool inside = x >= 0 && x < width && y >= 0 && y < height;
            outP[i, 2] = inside ? points[i, 2] : 0f;
        }
        return outP;
    }

    /// <summary>
    /// Boxes moved by a warp that has no closed-form forward map (elastic): each box is drawn as a mask, warped with
    /// the grid, and replaced by the bounding box of the warped mask (dropped if nothing or too little remains).
    /// </summary>
    public static (float[,] Boxes, int[]? Labels) WarpBoxesByMask(float[,] boxes, int[]? labels, WarpGrid grid, int srcW, int srcH, float minVisibility, float minSize)
    {
        int n = boxes.GetLength(0);
        var moved = new double[n, 4];
        for (int i = 0; i < n; i++)
        {
            double x1 = double.MaxValue, y1 = double.MaxValue, x2 = double.MinValue, y2 = double.MinValue;
            long before = 0, after = 0;
            for (int p = 0; p < grid.X.Length; p++)
            {
                int sx = (int)MathF.Round(grid.X[p], MidpointRounding.ToEven), sy = (int)MathF.Round(grid.Y[p], MidpointRounding.ToEven);
                if (!InBox(boxes, i, sx, sy, srcW, srcH)) continue;
                after++;
                int ox = p % grid.Width, oy = p / grid.Width;
                x1 = Math.Min(x1, ox); x2 = Math.Max(x2, ox + 1);
                y1 = Math.Min(y1, oy); y2 = Math.Max(y2, oy + 1);
            }
            for (int y = 0; y < srcH; y++)
                for (int x = 0; x < srcW; x++) if (InBox(boxes, i, x, y, srcW, srcH)) before++;
            bool visible = after > 0 && after >= minVisibility * before;
            moved[i, 0] = visible ? x1 : 0; moved[i, 1] = visible ? y1 : 0;
            moved[i, 2] = visible ? x2 : 0; moved[i, 3] = visible ? y2 : 0;
        }
        return ClipAndFilter(moved, labels, grid.Width, grid.Height, 0, minSize);
    }

    /// <summary>Whether pixel (x, y)'s centre lies inside box i.</summary>
    private static bool InBox(float[,] b, int i, int x, int y, int w, int h) =>
        x >= 0 && x < w && y >= 0 && y < h && x + 0.5f >= b[i, 0] && x + 0.5f < b[i, 2] && y + 0.5f >= b[i, 1] && y + 0.5f < b[i, 3];

    /// <summary>
    /// Keypoints moved by a warp without a forward map: each goes to the output pixel whose source position is
    /// nearest to it (invisible when no source position lies within one pixel).
    /// </summary>
    public static float[,] WarpKeypointsBySearch(float[,] points, WarpGrid grid)
    {
        int k = points.GetLength(0);
        var outP = new float[k, 3];
        for (int i = 0; i < k; i++)
        {
            float px = points[i, 0] - 0.5f, py = points[i, 1] - 0.5f;
            int best = -1;
            float bestD = float.MaxValue;
            for (int p = 0; p < grid.X.Length; p++)
            {
                float dx = grid.X[p] - px, dy = grid.Y[p] - py, d = dx * dx + dy * dy;
                if (d < bestD) { bestD = d; best = p; }
            }
            bool found = best >= 0 && bestD <= 1f;
            // Sub-pixel: keep the point's offset from the matched source position.
            outP[i, 0] = found ? best % grid.Width + 0.5f + (px - grid.X[best]) : points[i, 0];
            outP[i, 1] = found ? best / grid.Width + 0.5f + (py - grid.Y[best]) : points[i, 1];
            outP[i, 2] = found ? points[i, 2] : 0f;
        }
        return outP;
    }
}
