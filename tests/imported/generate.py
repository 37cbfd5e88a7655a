#!/usr/bin/python3
"""Reproducible generator for quantc's imported-quantization fixtures.

Models quantized *elsewhere*, in the conventions `quantc quantize` imports
(README "Models quantized elsewhere"), trained on scikit-learn's digits with
the split and data of tests/fixtures (digits_cnn: images (1,1,8,8);
digits_cnn1d: rows (1,8,8)). Per folder tests/imported/<name>/:

  model.onnx   the quantized model (opset 13)
  float.onnx   (QAT fixtures) the float model the QAT started from, for
               comparing quantc's own PTQ with the imported QAT model
  info.json    convention, data folder, torch accuracies

Conventions:
  torch_qat        PyTorch 1.13 FX QAT (Conv1d+BN+ReLU fused, residual
                   add+relu, AdaptiveAvgPool1d, Linear), per-channel qint8
                   weights, quint8 activations, exported by torch.onnx at
                   opset 13 without constant folding (Casts, Identities,
                   unfolded QAT BatchNorm)
  torch_qat_eager  PyTorch 1.13 eager QAT (Conv2d+ReLU, MaxPool, Linear),
                   torch.onnx defaults
  ort_qdq          ONNX Runtime quantizer conventions built with onnx.helper:
                   uint8 asymmetric activations, int8 symmetric per-channel
                   7-bit (reduce_range) weights, int32 bias DequantizeLinear,
                   QDQ around Concat, Add, MaxPool, Reshape
  qoperator        QLinearConv, ConvInteger + Cast + Mul, com.microsoft
                   QLinearAdd / QLinearGlobalAveragePool, a value-moving
                   Flatten on uint8, MatMulInteger + DequantizeLinear,
                   QLinearMatMul
  ti_generic       TI's GENERIC QDQ export: power-of-two scales, quint8
                   activations with zero point 127 (signed) or 0 (unsigned),
                   Relu after DequantizeLinear, AveragePool with its input's
                   parameters, int32 bias
  mixed            float and quantized regions: a float Sigmoid whose output
                   feeds a quantized Conv1d without a QuantizeLinear (the
                   range --calib fills) and a float Softmax at the end

The QDQ/QOperator fixtures are calibrated here (min/max over the first 500
training samples) with each convention's own formulas. ONNX Runtime is not
available in Python here; tests/imported/import_test.sh evaluates every
model in ONNX Runtime (node). Seeds and one thread make re-runs byte-
identical. Run with Debian's interpreter:

    /usr/bin/python3 tests/imported/generate.py [--out DIR]
"""

import argparse
import json
import os
import sys

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

try:
    import numpy as np
    import onnx
    import torch
    import torch.nn as nn
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:
    sys.exit(f"{e}: run with Debian's /usr/bin/python3")

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_fixture_generator():
    """tests/fixtures/generate.py (data split, training, float export)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "fixtures_generate", os.path.join(HERE, "..", "fixtures", "generate.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


base = _load_fixture_generator()

OPSET = 13
MAX_CALIB = 500


# --------------------------------------------------------------------------
# Float models
# --------------------------------------------------------------------------

class Res1d(nn.Module):
    """Conv1d-BN-ReLU, Conv1d-BN + residual, ReLU, AdaptiveAvgPool1d, Linear."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(8, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm1d(16)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv1d(16, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm1d(16)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        y = self.relu1(self.bn1(self.conv1(x)))
        z = self.bn2(self.conv2(y))
        z = torch.relu(z + y)
        return self.fc(torch.flatten(self.pool(z), 1))


class EagerCNN(nn.Module):
    """Conv2d-ReLU, MaxPool, Conv2d-ReLU, Linear, with eager QAT stubs."""

    def __init__(self):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.fc = nn.Linear(16 * 4 * 4, 10)
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        x = self.pool(self.relu1(self.conv1(x)))
        x = self.relu2(self.conv2(x))
        return self.dequant(self.fc(torch.flatten(x, 1)))


class BranchCNN(nn.Module):
    """Stem conv, two branches concatenated, residual add, MaxPool, Linear."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, padding=1)
        self.a = nn.Conv2d(16, 8, 1)
        self.b = nn.Conv2d(16, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        s = torch.relu(self.stem(x))
        c = torch.cat([torch.relu(self.a(s)), torch.relu(self.b(s))], 1)
        y = self.pool(c + s)
        return self.fc(y.reshape(y.shape[0], -1))


class ResGapMLP(nn.Module):
    """Residual CNN (BN folded on export) with GlobalAveragePool and a
    two-layer head."""

    def __init__(self):
        super().__init__()
        self.c1, self.bn1 = nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.c2, self.bn2 = nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.c3, self.bn3 = nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32, 32)
        self.fc2 = nn.Linear(32, 10)

    def stages(self, x):
        y1 = torch.relu(self.bn1(self.c1(x)))
        y2 = torch.relu(self.bn2(self.c2(y1)))
        c3 = self.bn3(self.c3(y2))
        y4 = torch.relu(c3 + y1)
        g = y4.mean(dim=(2, 3))
        h = torch.relu(self.fc1(g))
        return dict(y1=y1, y2=y2, c3=c3, y4=y4, g=g, h=h, mm=h @ self.fc2.weight.T, logits=self.fc2(h))

    def forward(self, x):
        return self.stages(x)["logits"]


class PoolCNN(nn.Module):
    """Conv-BN-ReLU, AvgPool 2, Conv-BN-ReLU, Flatten, Linear (TI-style)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.AvgPool2d(2)
        self.c2 = nn.Conv2d(8, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        y = self.pool(torch.relu(self.bn1(self.c1(x))))
        y = torch.relu(self.bn2(self.c2(y)))
        return self.fc(torch.flatten(y, 1))


class GatedMLP1d(nn.Module):
    """Conv1d-BN-ReLU, Conv1d-BN, Sigmoid, Conv1d(1x1)-ReLU, GAP, Linear."""

    def __init__(self):
        super().__init__()
        self.c1, self.bn1 = nn.Conv1d(8, 32, 3, padding=1), nn.BatchNorm1d(32)
        self.c2, self.bn2 = nn.Conv1d(32, 32, 3, padding=1), nn.BatchNorm1d(32)
        self.c3 = nn.Conv1d(32, 32, 1)
        self.fc = nn.Linear(32, 10)

    def stages(self, x):
        y1 = torch.relu(self.bn1(self.c1(x)))
        c2 = self.bn2(self.c2(y1))
        y3 = torch.relu(self.c3(torch.sigmoid(c2)))
        return dict(y1=y1, c2=c2, y3=y3, logits=self.fc(y3.mean(dim=2)))

    def forward(self, x):
        return self.stages(x)["logits"]


def fold_bn(conv, bn):
    """Conv weights and bias with an eval-mode BatchNorm folded in (numpy)."""
    w = conv.weight.detach().numpy().astype(np.float64)
    b = conv.bias.detach().numpy().astype(np.float64) if conv.bias is not None else 0
    g = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach().numpy().astype(np.float64)
    beta = bn.bias.detach().numpy().astype(np.float64)
    mean = bn.running_mean.detach().numpy().astype(np.float64)
    shape = (-1,) + (1,) * (w.ndim - 1)
    return (w * g.reshape(shape)).astype(np.float32), ((b - mean) * g + beta).astype(np.float32)


def params(m):
    return (m.weight.detach().numpy().astype(np.float32),
            m.bias.detach().numpy().astype(np.float32))


def accuracy(model, x, y):
    return float((base.torch_logits(model, x).argmax(axis=1) == y).mean())


# --------------------------------------------------------------------------
# Quantization arithmetic (numpy, float32 like ORT's and PyTorch's)
# --------------------------------------------------------------------------

def f32(v):
    return np.float32(v)


def asym_uint8(lo, hi):
    """ORT's MinMax uint8: range widened to hold 0, zp = rne(-lo / s)."""
    lo, hi = min(f32(lo), 0), max(f32(hi), 0)
    s = f32((hi - lo) / f32(255))
    s = s if s > 0 else f32(1)
    return s, int(np.clip(np.round(-lo / s), 0, 255))


def asym_int8(lo, hi):
    lo, hi = min(f32(lo), 0), max(f32(hi), 0)
    s = f32((hi - lo) / f32(255))
    s = s if s > 0 else f32(1)
    return s, int(np.clip(np.round(-128 - lo / s), -128, 127))


def pow2_ceil(s):
    return f32(2.0 ** np.ceil(np.log2(s)))


def ti_activation(lo, hi):
    """TI GENERIC (semantics doc §3.2): unsigned [0, max]/255, else symmetric
    max|x|/127.5 with quint8 zero point 127; power-of-two scales."""
    if lo >= 0:
        return pow2_ceil(max(hi, 1e-8) / 255.0), 0
    return pow2_ceil(max(-lo, hi) / 127.5), 127


def weight_qparams(w, qmax, power2=False):
    """Symmetric per-output-channel weights in [-qmax, qmax] (axis 0)."""
    flat = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
    s = np.maximum(flat / qmax, 1e-8).astype(np.float32)
    if power2:
        s = np.array([pow2_ceil(v) for v in s], dtype=np.float32)
    shape = (-1,) + (1,) * (w.ndim - 1)
    q = np.clip(np.round(w / s.reshape(shape)), -qmax, qmax).astype(np.int8)
    return q, s


def bias_int32(b, s_x, s_w):
    s_b = (f32(s_x) * s_w).astype(np.float32)
    return np.round(b / s_b).astype(np.int32), s_b


# --------------------------------------------------------------------------
# ONNX building
# --------------------------------------------------------------------------

class Builder:
    """A small onnx.helper graph builder with unique, readable names."""

    def __init__(self, input_shape, input_name="input"):
        self.nodes, self.inits = [], []
        self.input = helper.make_tensor_value_info(input_name, TensorProto.FLOAT, list(input_shape))
        self.names = set()

    def name(self, base_name):
        n, i = base_name, 1
        while n in self.names:
            i += 1
            n = f"{base_name}_{i}"
        self.names.add(n)
        return n

    def const(self, base_name, arr):
        n = self.name(base_name)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), n))
        return n

    def node(self, op, inputs, base_name, domain="", **attrs):
        out = self.name(base_name)
        self.nodes.append(helper.make_node(op, inputs, [out], name=self.name(base_name + "_node"),
                                           domain=domain, **attrs))
        return out

    def q(self, x, s, zp, base_name):
        return self.node("QuantizeLinear", [x, s, zp], base_name + "_q")

    def dq(self, x, s, zp, base_name, axis=None):
        kw = {} if axis is None else {"axis": axis}
        return self.node("DequantizeLinear", [x, s, zp], base_name + "_dq", **kw)

    def qdq(self, x, s, zp, base_name):
        return self.dq(self.q(x, s, zp, base_name), s, zp, base_name)

    def save(self, path, output, out_shape, extra_opsets=()):
        out = helper.make_tensor_value_info(output, TensorProto.FLOAT, list(out_shape))
        g = helper.make_graph(self.nodes, "imported", [self.input], [out], self.inits)
        opsets = [helper.make_opsetid("", OPSET)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
        m = helper.make_model(g, opset_imports=opsets, producer_name="quantc-fixture")
        m.ir_version = 7
        if not extra_opsets:
            onnx.checker.check_model(m)
        write_model(m, path)


def write_model(m, path):
    m.doc_string = ""
    m.graph.doc_string = ""
    for n in m.graph.node:
        n.doc_string = ""
    with open(path, "wb") as f:
        f.write(m.SerializeToString(deterministic=True))


class Ranges:
    """Min/max of named activations over calibration data (forward hooks)."""

    def __init__(self):
        self.r = {}

    def see(self, name, t):
        a = t.detach().numpy()
        lo, hi = float(a.min()), float(a.max())
        if name in self.r:
            lo, hi = min(lo, self.r[name][0]), max(hi, self.r[name][1])
        self.r[name] = (lo, hi)

    def __getitem__(self, name):
        return self.r[name]


def collect(fn, x):
    """Runs fn(batch, ranges) over x in batches of 100 and returns the ranges."""
    r = Ranges()
    with torch.no_grad():
        for i in range(0, len(x), 100):
            fn(torch.from_numpy(x[i:i + 100]), r)
    return r


# --------------------------------------------------------------------------
# PyTorch QAT fixtures
# --------------------------------------------------------------------------

def qat_qconfig():
    """quint8 per-tensor affine activations, qint8 per-channel symmetric
    weights (the ranges torch.onnx can export: [0, 255] and [-128, 127])."""
    tq = torch.ao.quantization
    act = tq.FakeQuantize.with_args(observer=tq.MovingAverageMinMaxObserver, quant_min=0,
                                    quant_max=255, dtype=torch.quint8,
                                    qscheme=torch.per_tensor_affine)
    wt = tq.FakeQuantize.with_args(observer=tq.MovingAveragePerChannelMinMaxObserver,
                                   quant_min=-128, quant_max=127, dtype=torch.qint8,
                                   qscheme=torch.per_channel_symmetric, ch_axis=0)
    return tq.QConfig(activation=act, weight=wt)


def qat_train(model, x_tr, y_tr, epochs, lr):
    """QAT fine-tuning with a cosine learning rate; observers and BN
    statistics freeze for the last fifth of the epochs, so training ends
    against fixed quantization."""
    gen = torch.Generator().manual_seed(base.SEED)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        if epoch >= epochs * 4 // 5:
            model.apply(torch.ao.quantization.disable_observer)
            model.apply(torch.nn.intrinsic.qat.freeze_bn_stats)
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), 32):
            idx = perm[i:i + 32]
            if idx.numel() < 2:
                continue
            opt.zero_grad()
            loss_fn(model(xt[idx]), yt[idx]).backward()
            opt.step()
        sched.step()
    model.eval()
    return model


QAT_GRID = [(3e-4, 10), (3e-4, 30), (1e-3, 10), (1e-3, 30)]  # (learning rate, epochs)


def fit_part(n):
    """The training samples a float model is fitted on; the last fifth of
    the training split is kept out as QAT's validation set."""
    return n * 4 // 5


def qat(float_model, prepare, x_tr, y_tr):
    """QAT as a user would run it: the learning rate and length chosen on
    the validation fifth of the training split (which the float model never
    saw; never the test split), then QAT on the whole training split from
    the float model."""
    import copy
    n_fit = fit_part(len(x_tr))
    best, best_acc = None, -1.0
    for lr, epochs in QAT_GRID:
        m = qat_train(prepare(copy.deepcopy(float_model).train()), x_tr[:n_fit], y_tr[:n_fit], epochs, lr)
        acc = accuracy(m, x_tr[n_fit:], y_tr[n_fit:])
        if acc > best_acc:
            best, best_acc = (lr, epochs), acc
    lr, epochs = best
    m = qat_train(prepare(copy.deepcopy(float_model).train()), x_tr, y_tr, epochs, lr)
    return m, dict(qat_learning_rate=lr, qat_epochs=epochs, qat_validation_accuracy=best_acc)


def export_qat(model, input_shape, path, constant_folding):
    tmp = path + ".tmp"
    torch.onnx.export(model, torch.zeros(input_shape), tmp, opset_version=OPSET,
                      input_names=["input"], output_names=["logits"],
                      do_constant_folding=constant_folding)
    m = onnx.load(tmp)
    os.remove(tmp)
    onnx.checker.check_model(m)
    write_model(m, path)


def torch_qat(folder, d):
    x_tr, x_te, y_tr, y_te = d["rows"]
    base.set_seeds(base.SEED)
    n_fit = fit_part(len(x_tr))
    m = base.train(Res1d(), x_tr[:n_fit], y_tr[:n_fit], epochs=30, lr=3e-3, batch_size=32)
    float_acc = accuracy(m, x_te, y_te)
    base.export_onnx(m, (1, 8, 8), os.path.join(folder, "float.onnx"))
    from torch.ao.quantization import QConfigMapping, quantize_fx

    def prepare(model):
        return quantize_fx.prepare_qat_fx(model, QConfigMapping().set_global(qat_qconfig()),
                                          (torch.zeros(1, 8, 8),))

    mq, chosen = qat(m, prepare, x_tr, y_tr)
    qat_acc = accuracy(mq, x_te, y_te)
    # No constant folding: the export PyTorch users get by default before
    # torch 2 keeps the zero-point Casts, Identities and QAT BatchNorm.
    export_qat(mq, (1, 8, 8), os.path.join(folder, "model.onnx"), constant_folding=False)
    return dict(float_test_accuracy=float_acc, torch_qat_test_accuracy=qat_acc, **chosen)


def torch_qat_eager(folder, d):
    x_tr, x_te, y_tr, y_te = d["images"]
    base.set_seeds(base.SEED)
    n_fit = fit_part(len(x_tr))
    m = base.train(EagerCNN(), x_tr[:n_fit], y_tr[:n_fit], epochs=30, lr=3e-3, batch_size=32)
    float_acc = accuracy(m, x_te, y_te)
    base.export_onnx(m, (1, 1, 8, 8), os.path.join(folder, "float.onnx"))
    tq = torch.ao.quantization

    def prepare(model):
        model.qconfig = qat_qconfig()
        tq.fuse_modules_qat(model, [["conv1", "relu1"], ["conv2", "relu2"]], inplace=True)
        return tq.prepare_qat(model, inplace=True)

    mq, chosen = qat(m, prepare, x_tr, y_tr)
    qat_acc = accuracy(mq, x_te, y_te)
    export_qat(mq, (1, 1, 8, 8), os.path.join(folder, "model.onnx"), constant_folding=True)
    return dict(float_test_accuracy=float_acc, torch_qat_test_accuracy=qat_acc, **chosen)


# --------------------------------------------------------------------------
# QDQ and QOperator fixtures built with onnx.helper
# --------------------------------------------------------------------------

def conv_attrs(w):
    k = list(w.shape[2:])
    return dict(kernel_shape=k, pads=[(x - 1) // 2 for x in k] * 2)


class QdqLayers:
    """Weighted layers in QDQ form: DequantizeLinear'd int8 weights (axis 0)
    and an int32 bias at s_x * s_w (or a float bias when s_x is None)."""

    def __init__(self, b, weight_qmax, power2=False):
        self.b, self.qmax, self.power2 = b, weight_qmax, power2

    def weights(self, name, w, bias, s_x):
        q, s_w = weight_qparams(w, self.qmax, self.power2)
        b = self.b
        wd = b.dq(b.const(name + "_w", q), b.const(name + "_w_scale", s_w),
                  b.const(name + "_w_zp", np.zeros(len(s_w), np.int8)), name + "_w", axis=0)
        if s_x is None:
            return wd, b.const(name + "_bias", bias)
        bq, s_b = bias_int32(bias, s_x, s_w)
        bd = b.dq(b.const(name + "_b", bq), b.const(name + "_b_scale", s_b),
                  b.const(name + "_b_zp", np.zeros(len(s_b), np.int32)), name + "_b", axis=0)
        return wd, bd

    def conv(self, name, x, w, bias, s_x):
        wd, bd = self.weights(name, w, bias, s_x)
        return self.b.node("Conv", [x, wd, bd], name, **conv_attrs(w))

    def gemm(self, name, x, w, bias, s_x):
        wd, bd = self.weights(name, w, bias, s_x)
        return self.b.node("Gemm", [x, wd, bd], name, transB=1)


def ort_qdq(folder, d):
    x_tr, x_te, y_tr, y_te = d["images"]
    base.set_seeds(base.SEED)
    m = base.train(BranchCNN(), x_tr, y_tr, epochs=30, lr=3e-3, batch_size=32)

    def fwd(xb, r):
        r.see("input", xb)
        s = torch.relu(m.stem(xb)); r.see("stem", s)
        a = torch.relu(m.a(s)); r.see("a", a)
        bb = torch.relu(m.b(s)); r.see("b", bb)
        c = torch.cat([a, bb], 1); r.see("concat", c)
        y = c + s; r.see("add", y)
        r.see("logits", m.fc(m.pool(y).reshape(len(xb), -1)))

    r = collect(fwd, x_tr[:MAX_CALIB])
    b = Builder((1, 1, 8, 8))
    L = QdqLayers(b, weight_qmax=64)  # reduce_range: 7-bit weights, [-64, 64]

    def qparams(name):
        s, zp = asym_uint8(*r[name])
        return s, b.const(name + "_scale", s), b.const(name + "_zero_point", np.uint8(zp))

    s_in, si, zi = qparams("input")
    x = b.qdq("input", si, zi, "input")
    s_stem, ss, zs = qparams("stem")
    stem = b.qdq(b.node("Relu", [L.conv("stem", x, *params(m.stem), s_in)], "stem_relu"), ss, zs, "stem")
    _, sa, za = qparams("a")
    a = b.qdq(b.node("Relu", [L.conv("a", stem, *params(m.a), s_stem)], "a_relu"), sa, za, "a")
    _, sb, zb = qparams("b")
    bb = b.qdq(b.node("Relu", [L.conv("b", stem, *params(m.b), s_stem)], "b_relu"), sb, zb, "b")
    _, sc, zc = qparams("concat")
    c = b.qdq(b.node("Concat", [a, bb], "concat", axis=1), sc, zc, "concat")
    s_add, sd, zd = qparams("add")
    y = b.qdq(b.node("Add", [c, stem], "add"), sd, zd, "add")
    # MaxPool and Reshape keep their input's quantization (ORT shares it).
    p = b.qdq(b.node("MaxPool", [y], "pool", kernel_shape=[2, 2], strides=[2, 2]), sd, zd, "pool")
    flat = b.qdq(b.node("Reshape", [p, b.const("shape", np.array([1, 256], np.int64))], "reshape"),
                 sd, zd, "reshape")
    _, so, zo = qparams("logits")
    logits = b.q(L.gemm("fc", flat, *params(m.fc), s_add), so, zo, "logits")
    b.nodes.append(helper.make_node("DequantizeLinear", [logits, so, zo], ["logits"], name="logits_dq"))
    b.save(os.path.join(folder, "model.onnx"), "logits", [1, 10])
    return dict(float_test_accuracy=accuracy(m, x_te, y_te))


def qoperator(folder, d):
    x_tr, x_te, y_tr, y_te = d["images"]
    base.set_seeds(base.SEED)
    m = base.train(ResGapMLP(), x_tr, y_tr, epochs=30, lr=3e-3, batch_size=32).eval()

    def fwd(xb, r):
        r.see("input", xb)
        for k, v in m.stages(xb).items():
            r.see(k, v)

    r = collect(fwd, x_tr[:MAX_CALIB])
    b = Builder((1, 1, 8, 8))
    qp = {}
    for n in ["input", "y1", "y2", "c3", "y4", "g", "h", "mm", "logits"]:
        s, zp = asym_uint8(*r[n])
        qp[n] = (s, b.const(n + "_scale", s), b.const(n + "_zero_point", np.uint8(zp)))

    def qlinear_conv(name, x, xn, yn, conv, bn):
        w, bias = fold_bn(conv, bn)
        q, s_w = weight_qparams(w, 127)
        bq, _ = bias_int32(bias, qp[xn][0], s_w)
        return b.node("QLinearConv", [x, qp[xn][1], qp[xn][2], b.const(name + "_w", q),
                                      b.const(name + "_w_scale", s_w),
                                      b.const(name + "_w_zp", np.zeros(len(s_w), np.int8)),
                                      qp[yn][1], qp[yn][2], b.const(name + "_b", bq)],
                      name, **conv_attrs(w))

    xq = b.q("input", qp["input"][1], qp["input"][2], "input")
    # A zero point of 0 makes QuantizeLinear clamp at 0: the ReLU is implied.
    y1 = qlinear_conv("c1", xq, "input", "y1", m.c1, m.bn1)
    # ConvInteger: uint8 weights with zero point 128, one scale for the
    # tensor, dequantized by Cast + Mul, float bias, Relu, QuantizeLinear.
    w2, b2 = fold_bn(m.c2, m.bn2)
    s_w2 = f32(np.abs(w2).max() / 127)
    w2q = (np.clip(np.round(w2 / s_w2), -127, 127) + 128).astype(np.uint8)
    acc = b.node("ConvInteger", [y1, b.const("c2_w", w2q), qp["y1"][2], b.const("c2_w_zp", np.uint8(128))],
                 "c2_acc", **conv_attrs(w2))
    f = b.node("Cast", [acc], "c2_acc_float", to=TensorProto.FLOAT)
    deq = b.node("Mul", [f, b.const("c2_scale", np.full((1, 32, 1, 1), f32(qp["y1"][0] * s_w2), np.float32))],
                 "c2_dequantized")
    biased = b.node("Add", [deq, b.const("c2_bias", b2.reshape(1, 32, 1, 1))], "c2")
    y2 = b.q(b.node("Relu", [biased], "c2_relu"), qp["y2"][1], qp["y2"][2], "y2")
    y3 = qlinear_conv("c3", y2, "y2", "c3", m.c3, m.bn3)
    ms = "com.microsoft"
    y4 = b.node("QLinearAdd", [y3, qp["c3"][1], qp["c3"][2], y1, qp["y1"][1], qp["y1"][2],
                               qp["y4"][1], qp["y4"][2]], "add", domain=ms)
    g = b.node("QLinearGlobalAveragePool", [y4, qp["y4"][1], qp["y4"][2], qp["g"][1], qp["g"][2]],
               "gap", domain=ms, channels_last=0)
    flat = b.node("Flatten", [g], "flatten", axis=1)  # on uint8: moves values only
    w_fc1, b_fc1 = params(m.fc1)
    q1, s1 = weight_qparams(w_fc1, 127)  # [32, 32] per output row
    acc1 = b.node("MatMulInteger", [flat, b.const("fc1_w", np.ascontiguousarray(q1.T)), qp["g"][2],
                                    b.const("fc1_w_zp", np.zeros(32, np.int8))], "fc1_acc")
    deq1 = b.dq(acc1, b.const("fc1_acc_scale", (f32(qp["g"][0]) * s1).astype(np.float32)),
                b.const("fc1_acc_zp", np.zeros(32, np.int32)), "fc1_acc", axis=1)
    h = b.node("Relu", [b.node("Add", [deq1, b.const("fc1_bias", b_fc1)], "fc1")], "fc1_relu")
    hq = b.q(h, qp["h"][1], qp["h"][2], "h")
    w_fc2, b_fc2 = params(m.fc2)
    q2, s2 = weight_qparams(w_fc2, 127)
    # QLinearMatMul has no bias: the bias is added to its dequantized output
    # and the sum quantized again (an activation + constant Add).
    out = b.node("QLinearMatMul", [hq, qp["h"][1], qp["h"][2], b.const("fc2_w", np.ascontiguousarray(q2.T)),
                                   b.const("fc2_w_scale", s2), b.const("fc2_w_zp", np.zeros(10, np.int8)),
                                   qp["mm"][1], qp["mm"][2]], "fc2")
    mm = b.node("DequantizeLinear", [out, qp["mm"][1], qp["mm"][2]], "fc2_dq")
    lq = b.q(b.node("Add", [mm, b.const("fc2_bias", b_fc2)], "fc2_biased"), qp["logits"][1],
             qp["logits"][2], "logits")
    b.nodes.append(helper.make_node("DequantizeLinear", [lq, qp["logits"][1], qp["logits"][2]],
                                    ["logits"], name="logits_dq"))
    b.save(os.path.join(folder, "model.onnx"), "logits", [1, 10], extra_opsets=[("com.microsoft", 1)])
    return dict(float_test_accuracy=accuracy(m, x_te, y_te))


def ti_generic(folder, d):
    x_tr, x_te, y_tr, y_te = d["images"]
    base.set_seeds(base.SEED)
    m = base.train(PoolCNN(), x_tr, y_tr, epochs=30, lr=3e-3, batch_size=32).eval()
    w1, b1 = fold_bn(m.c1, m.bn1)
    w2, b2 = fold_bn(m.c2, m.bn2)

    def fwd(xb, r):
        r.see("input", xb)
        c1 = m.bn1(m.c1(xb)); r.see("c1", c1)
        r1 = torch.relu(c1); r.see("r1", r1)
        c2 = m.bn2(m.c2(m.pool(r1))); r.see("c2", c2)
        r2 = torch.relu(c2); r.see("r2", r2)
        r.see("logits", m.fc(torch.flatten(r2, 1)))

    r = collect(fwd, x_tr[:MAX_CALIB])
    b = Builder((1, 1, 8, 8))
    L = QdqLayers(b, weight_qmax=127, power2=True)

    def qparams(name):
        s, zp = ti_activation(*r[name])
        return s, b.const(name + "_scale", s), b.const(name + "_zero_point", np.uint8(zp))

    s_in, si, zi = qparams("input")
    x = b.qdq("input", si, zi, "input")
    # Conv output quantized signed (zero point 127), then Relu after the
    # DequantizeLinear, quantized again unsigned.
    _, sc1, zc1 = qparams("c1")
    c1 = b.qdq(L.conv("c1", x, w1, b1, s_in), sc1, zc1, "c1")
    s_r1, sr1, zr1 = qparams("r1")
    r1 = b.qdq(b.node("Relu", [c1], "r1"), sr1, zr1, "r1")
    p = b.qdq(b.node("AveragePool", [r1], "pool", kernel_shape=[2, 2], strides=[2, 2]), sr1, zr1, "pool")
    _, sc2, zc2 = qparams("c2")
    c2 = b.qdq(L.conv("c2", p, w2, b2, s_r1), sc2, zc2, "c2")
    s_r2, sr2, zr2 = qparams("r2")
    r2 = b.qdq(b.node("Relu", [c2], "r2"), sr2, zr2, "r2")
    flat = b.qdq(b.node("Flatten", [r2], "flatten", axis=1), sr2, zr2, "flatten")
    _, so, zo = qparams("logits")
    lq = b.q(L.gemm("fc", flat, *params(m.fc), s_r2), so, zo, "logits")
    b.nodes.append(helper.make_node("DequantizeLinear", [lq, so, zo], ["logits"], name="logits_dq"))
    b.save(os.path.join(folder, "model.onnx"), "logits", [1, 10])
    return dict(float_test_accuracy=accuracy(m, x_te, y_te))


def mixed(folder, d):
    x_tr, x_te, y_tr, y_te = d["rows"]
    base.set_seeds(base.SEED)
    m = base.train(GatedMLP1d(), x_tr, y_tr, epochs=30, lr=3e-3, batch_size=32).eval()
    w1, b1 = fold_bn(m.c1, m.bn1)
    w2, b2 = fold_bn(m.c2, m.bn2)

    def fwd(xb, r):
        r.see("input", xb)
        for k, v in m.stages(xb).items():
            r.see(k, v)

    r = collect(fwd, x_tr[:MAX_CALIB])
    b = Builder((1, 8, 8))
    L = QdqLayers(b, weight_qmax=127)

    def qparams(name):
        s, zp = asym_int8(*r[name])
        return s, b.const(name + "_scale", s), b.const(name + "_zero_point", np.int8(zp))

    s_in, si, zi = qparams("input")
    x = b.qdq("input", si, zi, "input")
    s_y1, sy1, zy1 = qparams("y1")
    y1 = b.qdq(b.node("Relu", [L.conv("c1", x, w1, b1, s_in)], "c1_relu"), sy1, zy1, "y1")
    _, sc2, zc2 = qparams("c2")
    c2 = b.qdq(L.conv("c2", y1, w2, b2, s_y1), sc2, zc2, "c2")
    # The float Sigmoid's output feeds a quantized conv directly: a float
    # tensor between quantized regions (no QuantizeLinear, float bias).
    gate = b.node("Sigmoid", [c2], "sigmoid")
    s_y3, sy3, zy3 = qparams("y3")
    y3 = b.qdq(b.node("Relu", [L.conv("c3", gate, *params(m.c3), None)], "c3_relu"), sy3, zy3, "y3")
    pooled = b.node("Flatten", [b.node("GlobalAveragePool", [y3], "gap")], "flatten", axis=1)
    _, so, zo = qparams("logits")
    logits = b.qdq(L.gemm("fc", pooled, *params(m.fc), None), so, zo, "logits")
    b.nodes.append(helper.make_node("Softmax", [logits], ["probs"], name="softmax", axis=1))
    b.save(os.path.join(folder, "model.onnx"), "probs", [1, 10])
    return dict(float_test_accuracy=accuracy(m, x_te, y_te), needs_calib=True,
                tinpu_float_ops="Sigmoid,Softmax")


FIXTURES = [
    ("torch_qat", "rows", torch_qat, "PyTorch 1.13 FX QAT, torch.onnx opset 13 (no constant folding)"),
    ("torch_qat_eager", "images", torch_qat_eager, "PyTorch 1.13 eager QAT, torch.onnx opset 13"),
    ("ort_qdq", "images", ort_qdq, "ONNX Runtime quantizer QDQ (uint8 asymmetric, 7-bit weights)"),
    ("qoperator", "images", qoperator, "QOperator: QLinear*, ConvInteger, MatMulInteger, com.microsoft"),
    ("ti_generic", "images", ti_generic, "TI GENERIC QDQ (power-of-two, quint8 zero point 127/0)"),
    ("mixed", "rows", mixed, "float Sigmoid between quantized regions, float Softmax output"),
]
DATA = {"images": "digits_cnn", "rows": "digits_cnn1d"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--only", default="", help="comma-separated fixture names")
    args = ap.parse_args()
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.use_deterministic_algorithms(True)
    d_tr, d_te, dy_tr, dy_te = base.digits_split()
    data = {"images": (d_tr.reshape(-1, 1, 8, 8), d_te.reshape(-1, 1, 8, 8), dy_tr, dy_te),
            "rows": (d_tr.reshape(-1, 8, 8), d_te.reshape(-1, 8, 8), dy_tr, dy_te)}
    only = set(filter(None, args.only.split(",")))
    for name, kind, make, convention in FIXTURES:
        if only and name not in only:
            continue
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)
        info = dict(convention=convention, data=DATA[kind], needs_calib=False)
        info.update(make(folder, data))
        info["torch_version"] = torch.__version__
        with open(os.path.join(folder, "info.json"), "w") as f:
            json.dump(info, f, indent=2, sort_keys=True)
            f.write("\n")
        print(f"{name:16s} {json.dumps(info, sort_keys=True)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
