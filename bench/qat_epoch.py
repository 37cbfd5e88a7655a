#!/usr/bin/python3
"""One QAT epoch in PyTorch (Python, Debian's torch 1.13), the comparison
point for `quantc train` in bench/qat_epoch.sh.

Builds the fixture's model as PyTorch modules with the ONNX file's weights
(digits_cnn: Conv-ReLU, Conv-ReLU, MaxPool, Linear as exported, BN already
folded; sensor_resnet1d: the generator's residual 1-D CNN with its BN
layers), prepares it with torch.ao.quantization.prepare_qat_fx and the fake
quantization quantc's generic target simulates (per-channel symmetric int8
weights in [-127, 127], per-tensor affine int8 activations with a 0.01
moving-average min/max observer, Conv+BN folded training), and times one
epoch of Adam (lr 3e-4), batch 64, cross-entropy over the training split
(a fixed shuffle; the order does not change the time). Prints one JSON line
{"model", "threads", "epoch_seconds"}.

    /usr/bin/python3 bench/qat_epoch.py FIXTURE_DIR THREADS
"""
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper
from torch.ao.quantization import FakeQuantize, QConfig, QConfigMapping
from torch.ao.quantization.observer import MovingAverageMinMaxObserver, PerChannelMinMaxObserver
from torch.ao.quantization.quantize_fx import prepare_qat_fx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures"))
from generate_qat import SensorResNet1d  # noqa: E402


class DigitsCNNFolded(nn.Module):
    """tests/fixtures/digits_cnn as exported (BN folded into the convs)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(256, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.c2(torch.relu(self.c1(x)))))
        return self.fc(torch.flatten(x, 1))


def load_weights(model, onnx_path):
    """Copies initializers into parameters of the same shape, in order."""
    inits = [numpy_helper.to_array(t) for t in onnx.load(onnx_path).graph.initializer]
    by_name = {t.name: numpy_helper.to_array(t) for t in onnx.load(onnx_path).graph.initializer}
    state = model.state_dict()
    for key in state:
        src = by_name.get(key)
        if src is None:  # exporter-renamed (folded) tensors: first unused of that shape
            for i, a in enumerate(inits):
                if a is not None and tuple(a.shape) == tuple(state[key].shape):
                    src, inits[i] = a, None
                    break
        if src is not None:
            state[key] = torch.from_numpy(np.array(src, dtype=np.float32))
    model.load_state_dict(state)


def qconfig():
    act = FakeQuantize.with_args(observer=MovingAverageMinMaxObserver, quant_min=-128, quant_max=127,
                                 dtype=torch.qint8, qscheme=torch.per_tensor_affine,
                                 averaging_constant=0.01)
    weight = FakeQuantize.with_args(observer=PerChannelMinMaxObserver, quant_min=-127, quant_max=127,
                                    dtype=torch.qint8, qscheme=torch.per_channel_symmetric, ch_axis=0)
    return QConfig(activation=act, weight=weight)


def main():
    folder, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    name = os.path.basename(os.path.normpath(folder))
    model = DigitsCNNFolded() if name == "digits_cnn" else SensorResNet1d()
    load_weights(model, os.path.join(folder, "model.onnx"))
    x = torch.from_numpy(np.load(os.path.join(folder, "train_x.npy")))
    y = torch.from_numpy(np.load(os.path.join(folder, "train_y.npy")))
    model.train()
    prepared = prepare_qat_fx(model, QConfigMapping().set_global(qconfig()), example_inputs=(x[:2],))
    opt = torch.optim.Adam(prepared.parameters(), lr=3e-4)
    loss_fn = nn.CrossEntropyLoss()
    perm = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(0))
    start = time.perf_counter()
    for i in range(0, x.shape[0], 64):
        idx = perm[i:i + 64]
        if idx.numel() < 2:
            break
        opt.zero_grad()
        loss_fn(prepared(x[idx]), y[idx]).backward()
        opt.step()
    seconds = time.perf_counter() - start
    print(json.dumps({"model": name, "threads": threads, "epoch_seconds": round(seconds, 3)}))


if __name__ == "__main__":
    main()
