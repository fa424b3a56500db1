"""Writes data/fashion-mnist-sample/: a small, class-balanced Fashion-MNIST sample in the original IDX gzip format.

Train: the first 200 images of each class (2,000 in all); test: the first 100 of each class (1,000), each kept in
file order. The files are embedded in Fovea.dll (see src/Fovea/Fovea.csproj) and used by FashionMnist.Load when no
full copy is found. Usage: python3 tools/data/make_fmnist_sample.py [source_dir]
(default source: /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist). Output is byte-for-byte
reproducible (gzip mtime 0, no file name in the gzip header).
"""
import gzip
import os
import struct
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "data", "fashion-mnist-sample")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, code, rank = struct.unpack(">HBB", raw[:4])
    assert zero == 0 and code == 0x08, path
    dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * rank).reshape(dims)


def write_idx(path, array):
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as f:
        f.write(header + np.ascontiguousarray(array, np.uint8).tobytes())


def balanced(labels, per_class):
    """Indices of the first per_class items of each class, in file order."""
    keep = np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in range(10)])
    return np.sort(keep)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    os.makedirs(OUT, exist_ok=True)
    for prefix, per_class in (("train", 200), ("t10k", 100)):
        images = read_idx(os.path.join(src, f"{prefix}-images-idx3-ubyte.gz"))
        labels = read_idx(os.path.join(src, f"{prefix}-labels-idx1-ubyte.gz"))
        keep = balanced(labels, per_class)
        write_idx(os.path.join(OUT, f"{prefix}-images-idx3-ubyte.gz"), images[keep])
        write_idx(os.path.join(OUT, f"{prefix}-labels-idx1-ubyte.gz"), labels[keep])
        print(prefix, len(keep), "images, first labels", labels[keep][:10].tolist())


if __name__ == "__main__":
    main()
