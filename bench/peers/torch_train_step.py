#!/usr/bin/env python3
"""PyTorch training-step throughput for the Fovea `train-cnn --model NAME --peer` benchmark.

Builds the same network as Fovea's zoo entry (torchvision's ResNet-18 with the small-image stem: 3x3 stride-1 first
convolution on 1 channel, no max pool; or the reference CNN of ../shared/peers/README.md), trains it on random
28x28 inputs with Adam, and prints one JSON line with images per second. Run with Debian's /usr/bin/python3.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torchvision


def resnet18_small(classes=10):
    m = torchvision.models.resnet18(num_classes=classes)
    m.conv1 = nn.Conv2d(1, 64, 3, 1, 1, bias=False)
    m.maxpool = nn.Identity()
    return m


def reference_cnn(classes=10):
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, classes))


MODELS = {"resnet18-small": resnet18_small, "reference-cnn": reference_cnn}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="resnet18-small", choices=sorted(MODELS))
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=10)
    a = p.parse_args()
    torch.manual_seed(0)
    model = MODELS[a.model]()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    x = torch.randn(a.batch, 1, 28, 28)
    y = torch.randint(0, 10, (a.batch,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    for _ in range(3):
        step()
    t = time.perf_counter()
    for _ in range(a.steps):
        step()
    s = time.perf_counter() - t
    print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "model": a.model, "batch": a.batch, "steps": a.steps,
                      "threads": torch.get_num_threads(), "train_img_s": round(a.steps * a.batch / s, 1)}))


if __name__ == "__main__":
    main()
