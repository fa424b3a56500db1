// COCO's mask encodings, decoded to row-major H×W byte masks (1 inside). An RLE lists alternating run lengths
// of 0s and 1s (starting with 0s) over the pixels in column-major order. The compressed form stores each count
// (from the fourth on, as a difference from the count two before) in 5-bit groups, least significant first,
// each group a character 48 + bits, 0x20 marking "more groups follow" and 0x10 of the last group the sign.
// Polygons are rasterised exactly as pycocotools' rleFrPoly does: vertices scaled by 5 and rounded, edges
// walked pixel by pixel, and each column's crossings of the pixel-centre lines x + 0.5 turned into run
// boundaries; the interior is the even-odd fill. Several polygons of one object are merged (union).
using System.Text;

namespace Fovea.Data;

/// <summary>Decodes and encodes COCO segmentation masks (uncompressed RLE, compressed RLE strings, polygons).</summary>
public static class CocoMask
{
    /// <summary>Decodes RLE <paramref name="counts"/> (column-major runs, 0s first) to a row-major <paramref name="height"/>×<paramref name="width"/> mask.</summary>
    public static byte[] DecodeRle(IReadOnlyList<long> counts, int height, int width, string source = "RLE")
    {
        var mask = new byte[height * width];
        long pos = 0, total = (long)height * width;
        byte value = 0;
        for (int i = 0; i < counts.Count; i++, value ^= 1)
        {
            long run = counts[i];
            if (run < 0 || pos + run > total)
                throw new InvalidDataException($"{source}: run {i} of length {run} at pixel {pos} passes the end of the {height}x{width} mask ({total} pixels).");
            if (value == 1)
                for (long p = pos; p < pos + run; p++) mask[(int)(p % height) * width + (int)(p / height)] = 1;
            pos += run;
        }
        if (pos != total) throw new InvalidDataException($"{source}: the runs cover {pos} pixels, the {height}x{width} mask has {total}.");
        return mask;
    }

    /// <summary>The RLE counts of a compressed COCO string.</summary>
    public static long[] ParseCompressed(string s, string source = "RLE")
    {
        var counts = new List<long>();
        int p = 0;
        while (p < s.Length)
        {
            long x = 0;
            int k = 0;
            bool more = true;
            while (more)
            {
                if (p >= s.Length) throw new InvalidDataException($"{source}: compressed RLE string ends inside a count at character {p}.");
                int c = s[p] - 48;
                if (c is < 0 or > 63) throw new InvalidDataException($"{source}: character '{s[p]}' at {p} is not valid in a compressed RLE string.");
                if (k >= 12) throw new InvalidDataException($"{source}: count at character {p} is too long.");
                x |= (long)(c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
            }
            if (counts.Count > 2) x += counts[^2];
            counts.Add(x);
        }
        return counts.ToArray();
    }

    /// <summary>Decodes a compressed COCO RLE string to a row-major mask.</summary>
    public static byte[] DecodeCompressed(string counts, int height, int width, string source = "RLE") =>
        DecodeRle(ParseCompressed(counts, source), height, width, source);

    /// <summary>The RLE counts (column-major, 0s first) of a row-major mask (nonzero = inside).</summary>
    public static long[] Encode(ReadOnlySpan<byte> mask, int height, int width)
    {
        if (mask.Length != height * width) throw new ArgumentException($"CocoMask.Encode: {mask.Length} bytes for a {height}x{width} mask.", nameof(mask));
        var counts = new List<long>();
        byte current = 0;
        long run = 0;
        for (int col = 0; col < width; col++)
            for (int row = 0; row < height; row++)
            {
                byte v = mask[row * width + col] != 0 ? (byte)1 : (byte)0;
                if (v != current) { counts.Add(run); run = 0; current = v; }
                run++;
            }
        counts.Add(run);
        return counts.ToArray();
    }

    /// <summary>The compressed COCO string of RLE <paramref name="counts"/>.</summary>
    public static string ToCompressed(IReadOnlyList<long> counts)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < counts.Count; i++)
        {
            long x = counts[i];
            if (i > 2) x -= counts[i - 2];
            bool more = true;
            while (more)
            {
                long c = x & 0x1f;
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) c |= 0x20;
                sb.Append((char)(c + 48));
            }
        }
        return sb.ToString();
    }

    /// <summary>Rasterises the union of <paramref name="polygons"/> (each x0, y0, x1, y1, ... in pixels) like pycocotools.</summary>
    public static byte[] FromPolygons(IReadOnlyList<double[]> polygons, int height, int width)
    {
        var mask = new byte[height * width];
        foreach (var poly in polygons)
        {
            var one = DecodeRle(PolygonRle(poly, height, width), height, width, "polygon");
            for (int i = 0; i < mask.Length; i++) mask[i] |= one[i];
        }
        return mask;
    }

    /// <summary>The RLE counts of one polygon, following pycocotools' rleFrPoly step by step.</summary>
    public static long[] PolygonRle(double[] xy, int height, int width)
    {
        if (xy.Length % 2 != 0) throw new ArgumentException($"CocoMask.PolygonRle: {xy.Length} coordinates, expected x, y pairs.", nameof(xy));
        const double scale = 5;
        int k = xy.Length / 2;
        if (k == 0) return [(long)height * width];
        // Upsample and trace every edge densely.
        var x = new int[k + 1];
        var y = new int[k + 1];
        for (int j = 0; j < k; j++)
        {
            x[j] = (int)(scale * xy[2 * j] + .5);
            y[j] = (int)(scale * xy[2 * j + 1] + .5);
        }
        x[k] = x[0];
        y[k] = y[0];
        var u = new List<int>();
        var v = new List<int>();
        for (int j = 0; j < k; j++)
        {
            int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
            int dx = Math.Abs(xe - xs), dy = Math.Abs(ys - ye);
            bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip) { (xs, xe) = (xe, xs); (ys, ye) = (ye, ys); }
            double s = dx >= dy ? (double)(ye - ys) / dx : (double)(xe - xs) / dy;
            if (dx >= dy)
                for (int d = 0; d <= dx; d++)
                {
                    int t = flip ? dx - d : d;
                    u.Add(t + xs);
                    v.Add((int)(ys + s * t + .5));
                }
            else
                for (int d = 0; d <= dy; d++)
                {
                    int t = flip ? dy - d : d;
                    v.Add(t + ys);
                    u.Add((int)(xs + s * t + .5));
                }
        }
        // Keep the points where the boundary crosses a pixel-centre column, downsampled.
        var boundaries = new List<long>();
        for (int j = 1; j < u.Count; j++)
        {
            if (u[j] == u[j - 1]) continue;
            double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
            xd = (xd + .5) / scale - .5;
            if (Math.Floor(xd) != xd || xd < 0 || xd > width - 1) continue;
            double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
            yd = (yd + .5) / scale - .5;
            yd = Math.Ceiling(Math.Clamp(yd, 0, height));
            boundaries.Add((long)xd * height + (long)yd);
        }
        // Sorted boundaries become run lengths; empty runs merge their neighbours.
        boundaries.Add((long)height * width);
        boundaries.Sort();
        var runs = new List<long>();
        long prev = 0;
        for (int j = 0; j < boundaries.Count; j++)
        {
            long d = boundaries[j] - prev;
            prev = boundaries[j];
            if (j == 0 || d > 0) runs.Add(d);
            else if (++j < boundaries.Count)
            {
                runs[^1] += boundaries[j] - prev;
                prev = boundaries[j];
            }
        }
        return runs.ToArray();
    }
}
