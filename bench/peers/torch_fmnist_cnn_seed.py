#!/usr/bin/env python3
"""Runs ../shared/peers/torch_fmnist_cnn.py under another torch seed (the script itself always seeds 0).

usage: torch_fmnist_cnn_seed.py SEED PATH/TO/torch_fmnist_cnn.py [its arguments...]
Used by the Fovea `accuracy-cnn --peer` benchmark to compare accuracy over several seeds on both sides.
"""
import runpy
import sys

import torch

seed, script = int(sys.argv[1]), sys.argv[2]
seed_all = torch.manual_seed
torch.manual_seed = lambda _ignored: seed_all(seed)
sys.argv = [script] + sys.argv[3:]
runpy.run_path(script, run_name="__main__")
