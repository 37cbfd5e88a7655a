#!/usr/bin/python3
"""Exports torchvision architectures as float ONNX models for quantc's
real-architecture suite (tests/architectures/README.md).

Per model, OUT_DIR/<name>/ gets:
  model.onnx   float32, opset 13, batch 1, input "input" (1,3,64,64),
               output "logits" (1,10)
  calib.npy    float32 (64, 3, 64, 64): the first 64 training images
  test_x.npy   float32 (N, 3, 64, 64): the first N test images (--test N)
  test_y.npy   int64 (N,) their labels
  info.json    float test accuracy (torch), parameter count, seconds taken,
               and the output SQNR PyTorch's own PTQ reaches on the test
               images (torch_ptq_sqnr_db: a reference from another quantizer)

The data are scikit-learn's digits (8x8, no network needed), upsampled
bilinearly to 64x64 and normalized per RGB channel with ImageNet's mean and
std, so the three channels differ. Each network is torchvision's constructor
(seeded random init) trained on the 1347 training images (Adam, batch 64,
--epochs passes, cosine learning-rate decay), so argmax means something (the
float test accuracy is in info.json) and the network is as robust to
rounding as trained networks are: a random-init network amplifies any
perturbation layer after layer, so its quantized logits say little about
the quantizer. Its BatchNorm statistics are then measured exactly on the
training images (BN layers alone in train mode, cumulative average).

Deterministic: seeds, one thread, deterministic algorithms; a re-run writes
byte-identical files. Needs Debian's python3-torch (1.13),
python3-torchvision (0.14), python3-sklearn, python3-onnx:

    /usr/bin/python3 tests/architectures/export.py OUT_DIR [--models a,b] [--test N] [--epochs E]
"""

import argparse
import copy
import json
import math
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

try:
    import numpy as np
    import onnx
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torchvision
    import torchvision.models.quantization
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
except ImportError as e:
    sys.exit(f"{e}: run with Debian's /usr/bin/python3 (needs python3-torch, "
             "python3-torchvision, python3-sklearn, python3-onnx)")

OPSET = 13
SIDE = 64
NUM_CALIB = 64
MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)

# name -> (constructor, Adam learning rate). SqueezeNet's classifier ends in
# a ReLU that a larger rate kills for good (every logit 0).
MODELS = {
    "mobilenet_v2": (torchvision.models.mobilenet_v2, 2e-3),
    "mobilenet_v3_small": (torchvision.models.mobilenet_v3_small, 2e-3),
    "resnet18": (torchvision.models.resnet18, 2e-3),
    "shufflenet_v2_x0_5": (torchvision.models.shufflenet_v2_x0_5, 2e-3),
    "squeezenet1_1": (torchvision.models.squeezenet1_1, 2e-4),
    "mnasnet0_5": (torchvision.models.mnasnet0_5, 2e-3),
    "efficientnet_b0": (torchvision.models.efficientnet_b0, 2e-3),
}


def images():
    """Digits as (N, 3, 64, 64) normalized float32, split like the fixtures."""
    d = load_digits()
    x = torch.from_numpy((d.data / 16.0).astype(np.float32)).reshape(-1, 1, 8, 8)
    x = F.interpolate(x, size=(SIDE, SIDE), mode="bilinear", align_corners=False)
    x = x.repeat(1, 3, 1, 1).numpy()
    x = (x - MEAN[None, :, None, None]) / STD[None, :, None, None]
    y = d.target.astype(np.int64)
    return train_test_split(x.astype(np.float32), y, test_size=0.25, random_state=0, stratify=y)


def warm_batch_norm(model, x, batch=128):
    """Running statistics = the exact average over the training images."""
    model.eval()
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average
        m.train()
    with torch.no_grad():
        for i in range(0, len(x), batch):
            model(torch.from_numpy(x[i:i + batch]))
    model.eval()


def train(model, x, y, epochs, lr, batch=64):
    """Adam with a cosine schedule over `epochs` passes, fixed shuffles."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    rng = np.random.default_rng(0)
    model.train()
    for _ in range(epochs):
        perm = rng.permutation(len(x))
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(torch.from_numpy(x[idx])), torch.from_numpy(y[idx]))
            loss.backward()
            opt.step()
            sched.step()
    model.eval()


def accuracy(model, x, y, batch=128):
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out = model(torch.from_numpy(x[i:i + batch]))
            correct += int((out.argmax(1).numpy() == y[i:i + batch]).sum())
    return correct / len(x)


def torch_ptq_sqnr(name, model, x_calib, x_test):
    """Output SQNR (dB) on x_test of PyTorch's own post-training quantization
    of `model` (8-bit histogram-observed activations without reduce_range,
    per-channel symmetric int8 weights, PyTorch's fixed ranges for
    sigmoid-like outputs, calibrated on x_calib one sample at a time),
    against the float model: a reference point from another quantizer on
    the same model and data. FX graph mode, or torchvision's quantizable
    twin of the network in eager mode where FX cannot trace it (ShuffleNet's
    channel shuffle); None when neither works."""
    from torch.ao.quantization import QConfig, get_default_qconfig_mapping
    from torch.ao.quantization.observer import HistogramObserver, PerChannelMinMaxObserver
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    qconfig = QConfig(activation=HistogramObserver.with_args(reduce_range=False),
                      weight=PerChannelMinMaxObserver.with_args(
                          dtype=torch.qint8, qscheme=torch.per_channel_symmetric))

    def calibrate(prepared):
        with torch.no_grad():
            for i in range(len(x_calib)):
                prepared(torch.from_numpy(x_calib[i:i + 1]))

    try:
        # The default mapping keeps the fixed-range observers PyTorch
        # requires for (hard) sigmoid outputs; everything else uses qconfig.
        mapping = get_default_qconfig_mapping().set_global(qconfig)
        prepared = prepare_fx(copy.deepcopy(model).eval(), mapping,
                              example_inputs=(torch.from_numpy(x_calib[:1]),))
        calibrate(prepared)
        quantized = convert_fx(prepared)
    except Exception:  # noqa: BLE001 - any tracing failure: try eager mode
        twin_ctor = getattr(torchvision.models.quantization, name, None)
        if twin_ctor is None:
            return None
        twin = twin_ctor(weights=None, quantize=False, num_classes=10)
        twin.load_state_dict(model.state_dict())
        twin.eval()
        twin.fuse_model()
        twin.qconfig = qconfig
        torch.ao.quantization.prepare(twin, inplace=True)
        calibrate(twin)
        quantized = torch.ao.quantization.convert(twin)
    with torch.no_grad():
        ref = model(torch.from_numpy(x_test))
        out = quantized(torch.from_numpy(x_test))
    return round(10 * math.log10(float((ref ** 2).sum() / ((out - ref) ** 2).sum())), 2)


def export_onnx(model, path):
    model.eval()
    tmp = path + ".tmp"
    torch.onnx.export(model, torch.zeros(1, 3, SIDE, SIDE), tmp, export_params=True,
                      opset_version=OPSET, input_names=["input"], output_names=["logits"],
                      do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    m = onnx.load(tmp)
    os.remove(tmp)
    m.doc_string = ""
    m.graph.doc_string = ""
    for node in m.graph.node:
        node.doc_string = ""
    onnx.checker.check_model(m)
    with open(path, "wb") as f:
        f.write(m.SerializeToString(deterministic=True))


def save_npy(path, arr, dtype):
    arr = np.ascontiguousarray(np.asarray(arr, dtype=np.dtype(dtype).newbyteorder("<")))
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=(1, 0), allow_pickle=False)


def build(out_dir, name, data, num_test, epochs):
    start = time.time()
    x_tr, x_te, y_tr, y_te = data
    torch.manual_seed(0)
    ctor, lr = MODELS[name]
    model = ctor(weights=None, num_classes=10)
    train(model, x_tr, y_tr, epochs, lr)
    warm_batch_norm(model, x_tr)
    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    export_onnx(model, os.path.join(folder, "model.onnx"))
    save_npy(os.path.join(folder, "calib.npy"), x_tr[:NUM_CALIB], np.float32)
    save_npy(os.path.join(folder, "test_x.npy"), x_te[:num_test], np.float32)
    save_npy(os.path.join(folder, "test_y.npy"), y_te[:num_test], np.int64)
    info = {
        "model": name,
        "torchvision_version": torchvision.__version__,
        "input_shape": [1, 3, SIDE, SIDE],
        "parameters": sum(p.numel() for p in model.parameters()),
        "float_test_accuracy": round(accuracy(model, x_te[:num_test], y_te[:num_test]), 4),
        "torch_ptq_sqnr_db": torch_ptq_sqnr(name, model, x_tr[:NUM_CALIB], x_te[:num_test]),
        "num_calib": NUM_CALIB,
        "epochs": epochs,
        "learning_rate": lr,
        "num_test": int(min(num_test, len(x_te))),
        "seconds": round(time.time() - start, 1),
    }
    with open(os.path.join(folder, "info.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps(info, sort_keys=True), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated subset")
    ap.add_argument("--test", type=int, default=200, help="test images written (max 450)")
    ap.add_argument("--epochs", type=int, default=6, help="training passes over the 1347 images")
    args = ap.parse_args()
    names = [n for n in args.models.split(",") if n]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        sys.exit(f"unknown model(s) {unknown}; known: {', '.join(MODELS)}")
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    data = images()
    for name in names:
        build(args.out_dir, name, data, args.test, args.epochs)


if __name__ == "__main__":
    main()
