#!/usr/bin/python3
"""PyTorch conv2d forward + backward (input and weight gradients) time for the ResNet-18 3x3 layer shapes.
Usage: torch_conv2d.py BATCH  -> one JSON line per shape: {"shape": "CinxHxW->Cout/s", "ms": ...}."""
import json, os, sys, time
import torch
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("THREADS", "2")))
batch = int(sys.argv[1]) if len(sys.argv) > 1 else 8
SHAPES = [(64, 56, 64, 1), (64, 56, 128, 2), (128, 28, 128, 1), (128, 28, 256, 2), (256, 14, 256, 1), (256, 14, 512, 2), (512, 7, 512, 1)]
for cin, hw, cout, stride in SHAPES:
    x = torch.randn(batch, cin, hw, hw, requires_grad=True)
    w = torch.randn(cout, cin, 3, 3, requires_grad=True)

    def step():
        y = F.conv2d(x, w, stride=stride, padding=1)
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
    print(json.dumps({"shape": f"{cin}x{hw}x{hw}->{cout}/{stride}", "ms": round(times[len(times) // 2] * 1e3, 3)}))
