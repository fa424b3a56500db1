#!/usr/bin/python3
"""PyTorch conv2d forward + backward (input and weight gradients) time for a network's convolution shapes (the lists of
bench/Fovea.Bench/Conv2dBench.cs). Usage: torch_conv2d.py BATCH [resnet18|mobilenet_v2]
-> one JSON line per shape: {"shape": "CinxHxW->Cout/s[ kK][ gG]", "ms": ...}."""
import json, os, sys, time
import torch
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("THREADS", "2")))
batch = int(sys.argv[1]) if len(sys.argv) > 1 else 8
net = sys.argv[2] if len(sys.argv) > 2 else "resnet18"
# (in channels, input size, out channels, kernel, stride, groups); padding kernel // 2.
NETS = {
    "resnet18": [(64, 56, 64, 3, 1, 1), (64, 56, 128, 3, 2, 1), (128, 28, 128, 3, 1, 1), (128, 28, 256, 3, 2, 1), (256, 14, 256, 3, 1, 1),
                 (256, 14, 512, 3, 2, 1), (512, 7, 512, 3, 1, 1)],
    "mobilenet_v2": [(32, 112, 32, 3, 1, 32), (32, 112, 16, 1, 1, 1), (16, 112, 96, 1, 1, 1), (96, 112, 96, 3, 2, 96), (96, 56, 24, 1, 1, 1),
                     (144, 56, 144, 3, 1, 144), (144, 56, 144, 3, 2, 144), (192, 28, 192, 3, 1, 192), (192, 28, 32, 1, 1, 1), (384, 14, 384, 3, 1, 384),
                     (384, 14, 64, 1, 1, 1), (576, 14, 576, 3, 2, 576), (960, 7, 960, 3, 1, 960), (960, 7, 160, 1, 1, 1), (320, 7, 1280, 1, 1, 1)],
}
for cin, hw, cout, k, stride, groups in NETS[net]:
    x = torch.randn(batch, cin, hw, hw, requires_grad=True)
    w = torch.randn(cout, cin // groups, k, k, requires_grad=True)

    def step():
        y = F.conv2d(x, w, stride=stride, padding=k // 2, groups=groups)
        gx, gw = torch.autograd.grad(y, [x, w], torch.ones_like(y))

    for _ in range(2):
        step()
    times = []
    t_end = time.perf_counter() + 1.0
    while len(times) < 5 or time.perf_counter() < t_end:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    key = f"{cin}x{hw}x{hw}->{cout}/{stride}" + (f" k{k}" if k != 3 else "") + (f" g{groups}" if groups > 1 else "")
    print(json.dumps({"shape": key, "ms": round(times[len(times) // 2] * 1e3, 3)}))
