"""Opens a JPEG written by Fovea's JpegEncoder with PIL (libjpeg-turbo) and reports what PIL sees.

Usage: /usr/bin/python3 tools/check_jpeg_encoder.py FILE.jpg [ORIGINAL.npy]
Prints size, mode, subsampling and quantisation tables; with ORIGINAL (uint8 HWC / HW pixels that were encoded)
also prints the PSNR of PIL's decode against it. Exits non-zero if PIL cannot decode the file.
"""
import sys

import numpy as np
from PIL import Image, JpegImagePlugin


def main():
    im = Image.open(sys.argv[1])
    im.load()
    print(f"{sys.argv[1]}: {im.format} {im.size[0]}x{im.size[1]} {im.mode}, "
          f"subsampling {JpegImagePlugin.get_sampling(im)}, {len(im.quantization)} quantisation table(s)")
    if len(sys.argv) > 2:
        ref = np.load(sys.argv[2]).astype(np.float64)
        got = np.asarray(im, dtype=np.float64)
        mse = np.mean((got - ref) ** 2)
        print(f"PSNR vs original: {10 * np.log10(255 ** 2 / mse):.2f} dB")


if __name__ == "__main__":
    main()
