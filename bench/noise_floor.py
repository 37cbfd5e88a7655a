#!/usr/bin/env python3
"""Where an 8-bit post-training quantization's output error comes from.

    noise_floor.py MODEL_DIR [--top N]

MODEL_DIR as tests/architectures/export.py writes it (model.onnx, calib.npy,
test_x.npy). Re-evaluates the float ONNX model in PyTorch (an independent
evaluator, not quantc's) with fake quantization where quantc's generic
target puts it: per-channel symmetric int8 weights (max |w| / 127), per-tensor
asymmetric 8-bit activations over the calibration min/max (quantc's default
minmax observer), on every activation tensor except a Conv/Gemm output that
only a Relu or Clip reads (fused). Prints the output SQNR against float on
the test images with only the input quantized, only the weights, only the
activations, everything (compare quantc's own number), and the N
activation tensors whose quantization alone costs the most.
"""
import argparse
import json
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

QUANTIZED_OPS = {'Conv', 'Gemm', 'Relu', 'Clip', 'Add', 'Mul', 'Sigmoid', 'HardSigmoid',
                 'GlobalAveragePool', 'ReduceMean', 'Concat'}


def attr(n, k, d=None):
    for a in n.attribute:
        if a.name == k:
            return onnx.helper.get_attribute_value(a)
    return d


def fake_quant(t, lo, hi):
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi == lo:
        return t
    s = (hi - lo) / 255
    zp = round(-lo / s)
    return (torch.clamp(torch.round(t / s) + zp, 0, 255) - zp) * s


def quant_weight(w):
    s = w.abs().reshape(w.shape[0], -1).amax(1).clamp_min(1e-30) / 127
    s = s.reshape((-1,) + (1,) * (w.ndim - 1))
    return torch.clamp(torch.round(w / s), -127, 127) * s


class Model:
    def __init__(self, path):
        self.g = onnx.load(path).graph
        self.inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy())
                      for i in self.g.initializer}
        readers = {}
        for n in self.g.node:
            for k in n.input:
                readers.setdefault(k, []).append(n.op_type)
        self.input = self.g.input[0].name
        self.output = self.g.output[0].name
        self.activations = [n.output[0] for n in self.g.node if n.op_type in QUANTIZED_OPS and not (
            n.op_type in ('Conv', 'Gemm') and readers.get(n.output[0]) in (['Relu'], ['Clip']))]

    def eval_node(self, n, i, wq):
        t = n.op_type
        if t == 'Conv':
            w = quant_weight(i[1]) if wq else i[1]
            p = attr(n, 'pads', [0, 0, 0, 0])
            return F.conv2d(i[0], w, i[2] if len(i) > 2 else None, attr(n, 'strides', [1, 1]),
                            (p[0], p[1]), attr(n, 'dilations', [1, 1]), attr(n, 'group', 1))
        if t == 'Gemm':
            w = i[1] if attr(n, 'transB', 0) else i[1].t()
            return F.linear(i[0], quant_weight(w) if wq else w, i[2] if len(i) > 2 else None)
        if t == 'Constant':
            return torch.from_numpy(numpy_helper.to_array(attr(n, 'value')).copy())
        simple = {
            'Relu': lambda: F.relu(i[0]), 'Add': lambda: i[0] + i[1], 'Mul': lambda: i[0] * i[1],
            'Div': lambda: i[0] // i[1] if not i[0].is_floating_point() else i[0] / i[1],
            'Sigmoid': lambda: torch.sigmoid(i[0]),
            'HardSigmoid': lambda: torch.clamp(attr(n, 'alpha', 0.2) * i[0] + attr(n, 'beta', 0.5), 0, 1),
            'Clip': lambda: torch.clamp(i[0], float(i[1]), float(i[2])),
            'GlobalAveragePool': lambda: i[0].mean(dim=(2, 3), keepdim=True),
            'ReduceMean': lambda: i[0].mean(dim=tuple(attr(n, 'axes')), keepdim=bool(attr(n, 'keepdims', 1))),
            'Flatten': lambda: i[0].flatten(attr(n, 'axis', 1)),
            'Concat': lambda: torch.cat(i, dim=attr(n, 'axis')),
            'Shape': lambda: torch.tensor(i[0].shape, dtype=torch.int64),
            'Gather': lambda: torch.index_select(i[0], attr(n, 'axis', 0), i[1].reshape(-1)).reshape(i[1].shape),
            'Unsqueeze': lambda: i[0].reshape(list(i[0].shape[:attr(n, 'axes')[0]]) + [1] + list(i[0].shape[attr(n, 'axes')[0]:])),
            'Reshape': lambda: self.reshape(i[0], [int(v) for v in i[1]]),
            'Transpose': lambda: i[0].permute(*attr(n, 'perm')),
            'Slice': lambda: self.slice(i),
            'MaxPool': lambda: F.max_pool2d(i[0], attr(n, 'kernel_shape'), attr(n, 'strides'),
                                            tuple(attr(n, 'pads', [0, 0, 0, 0])[:2]), ceil_mode=bool(attr(n, 'ceil_mode', 0))),
        }
        if t not in simple:
            sys.exit(f'noise_floor.py: op {t} not supported')
        return simple[t]()

    @staticmethod
    def reshape(x, shape):
        # The models are exported with batch 1; a whole data set runs as one batch.
        shape = [x.shape[k] if v == 0 else v for k, v in enumerate(shape)]
        if shape and shape[0] == 1:
            shape[0] = x.shape[0]
        return x.reshape(shape)

    @staticmethod
    def slice(i):
        x, starts, ends, axes = i[0], i[1], i[2], i[3]
        for s, e, a in zip(starts.tolist(), ends.tolist(), axes.tolist()):
            x = x.narrow(a, s, min(e, x.shape[a]) - s)
        return x

    def run(self, x, quantized=(), ranges=None, wq=False):
        env = {self.input: fake_quant(x, *ranges[self.input]) if self.input in quantized else x}
        for n in self.g.node:
            i = [env[k] if k in env else self.inits[k] for k in n.input if k]
            o = self.eval_node(n, i, wq)
            if n.output[0] in quantized and o.is_floating_point():  # not shape arithmetic
                o = fake_quant(o, *ranges[n.output[0]])
            env[n.output[0]] = o
        return env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dir')
    ap.add_argument('--top', type=int, default=5)
    a = ap.parse_args()
    m = Model(f'{a.dir}/model.onnx')
    calib = torch.from_numpy(np.load(f'{a.dir}/calib.npy').astype(np.float32))
    test = torch.from_numpy(np.load(f'{a.dir}/test_x.npy').astype(np.float32))
    with torch.no_grad():
        env = m.run(calib)
        ranges = {k: (float(v.min()), float(v.max())) for k, v in env.items() if v.is_floating_point()}
        ref = m.run(test)[m.output]

        def sqnr(quantized=(), wq=False):
            o = m.run(test, set(quantized), ranges, wq)[m.output]
            return round(float(10 * torch.log10((ref ** 2).sum() / ((o - ref) ** 2).sum())), 2)
        acts = [m.input] + [k for k in m.activations if k in ranges]
        single = sorted((sqnr([k]), k) for k in acts)
        print(json.dumps({'model': a.dir.rstrip('/').split('/')[-1], 'quantized_tensors': len(acts),
                          'input_only_db': sqnr([m.input]), 'weights_only_db': sqnr(wq=True),
                          'activations_only_db': sqnr(acts), 'all_db': sqnr(acts, True),
                          'costliest_alone': [{'tensor': k, 'db': d} for d, k in single[:a.top]]}))


if __name__ == '__main__':
    main()
