// Per-component state of a JPEG frame being decoded: sampling factors, tables in use, the IDCT output plane and, for
// progressive frames, the coefficient buffer that scans refine before the final inverse DCT.
namespace Fovea.Imaging.Codecs;

internal sealed class JpegComponent
{
    public int Id;
    /// <summary>Horizontal and vertical sampling factors (1..4).</summary>
    public int H, V;
    /// <summary>Quantisation table slot (0..3).</summary>
    public int Tq;
    public int DcTable, AcTable;
    public int DcPred;

    /// <summary>Blocks per row / column, padded to whole MCUs.</summary>
    public int BlocksPerLine, BlocksPerColumn;
    /// <summary>Blocks actually covering the component (used by non-interleaved scans).</summary>
    public int CoveredBlocksX, CoveredBlocksY;
    /// <summary>Samples per side produced by the IDCT of one block (8, or 4/2/1 when downscaling).</summary>
    public int BlockSize;
    /// <summary>Component size in samples at the output scale (libjpeg's downsampled_width/height).</summary>
    public int Width, Height;

    /// <summary>IDCT output, <see cref="Stride"/> bytes per row, padded to whole blocks.</summary>
    public byte[] Plane = [];
    public int Stride;
    /// <summary>Progressive frames: 64 coefficients per block, natural order, block-row-major.</summary>
    public short[]? Coefs;
}
