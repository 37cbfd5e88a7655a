#!/usr/bin/python3
"""Writes the models of suggestion_test.sh: small float ONNX models whose
nodes TINPU cannot lower as integers, each kind once, plus calibration
data. Deterministic (fixed seed, deterministic serialization). Regenerate
with `/usr/bin/python3 tests/tinpu_ops/generate.py` (Debian's python3-onnx).
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.default_rng(14)
F32 = np.float32


def vi(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def save(name, nodes, inits, outputs):
    graph = helper.make_graph(nodes, name, [vi("x", [1, 4, 8, 8])], outputs,
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    model = onnx.shape_inference.infer_shapes(model)
    with open(os.path.join(HERE, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString(deterministic=True))


def conv(name, x, y, cin, cout, inits, k=3):
    inits[name + "_w"] = (RNG.standard_normal((cout, cin, k, k)) * (1.5 / np.sqrt(cin * k * k))).astype(F32)
    inits[name + "_b"] = (RNG.standard_normal(cout) * 0.1).astype(F32)
    return helper.make_node("Conv", [x, name + "_w", name + "_b"], [y], name=name, pads=[k // 2] * 4)


def node(op, ins, outs, name, **attrs):
    return helper.make_node(op, ins, outs, name=name, **attrs)


def gates():
    """HardSwish as opset 13 exports it (x * HardSigmoid(x)), a
    squeeze-excitation gate with Sigmoid, and SiLU."""
    i = {}
    return [conv("c1", "x", "a", 4, 8, i),
            node("HardSigmoid", ["a"], ["ha"], "hsig", alpha=1 / 6),
            node("Mul", ["a", "ha"], ["hs"], "hswish"),
            node("GlobalAveragePool", ["hs"], ["p"], "squeeze"),
            conv("fc", "p", "e", 8, 8, i, k=1),
            node("Sigmoid", ["e"], ["g"], "gate"),
            node("Mul", ["hs", "g"], ["se"], "excite"),
            conv("c2", "se", "b", 8, 8, i),
            node("Sigmoid", ["b"], ["sb"], "silu_gate"),
            node("Mul", ["b", "sb"], ["y"], "silu")], i, [vi("y", [1, 8, 8, 8])]


def activations():
    """Activations with no integer form, mid-graph."""
    i = {}
    return [conv("c1", "x", "a", 4, 8, i),
            node("Tanh", ["a"], ["t"], "tanh"),
            conv("c2", "t", "b", 8, 8, i),
            node("LeakyRelu", ["b"], ["l"], "leaky", alpha=0.1),
            conv("c3", "l", "c", 8, 8, i),
            node("Softmax", ["c"], ["s"], "softmax", axis=1),
            conv("c4", "s", "y", 8, 4, i)], i, [vi("y", [1, 4, 8, 8])]


def some_pools():
    """Two AveragePools: one divides by the full window (integer form), one
    excludes padding (no integer form): only that node is named."""
    i = {}
    return [conv("c1", "x", "a", 4, 8, i),
            node("Relu", ["a"], ["r"], "relu"),
            node("AveragePool", ["r"], ["p1"], "pool_full", kernel_shape=[2, 2], strides=[2, 2]),
            node("AveragePool", ["p1"], ["p2"], "pool_exclusive", kernel_shape=[3, 3],
                 pads=[1, 1, 1, 1], count_include_pad=0),
            conv("c2", "p2", "y", 8, 4, i)], i, [vi("y", [1, 4, 4, 4])]


def moves():
    """Value-moving ops outside TINPU's vocabulary, and an ArgMax reading
    integers."""
    i = {"rep": np.array([1, 1, 2, 2], np.int64)}
    return [conv("c1", "x", "a", 4, 8, i),
            node("Relu", ["a"], ["r"], "relu"),
            node("GlobalMaxPool", ["r"], ["g"], "gmax"),
            node("Tile", ["g", "rep"], ["t"], "tile"),
            conv("c2", "t", "y", 8, 4, i, k=1),
            node("ArgMax", ["r"], ["k"], "argmax", axis=1)], i, [
                vi("y", [1, 4, 2, 2]), vi("k", [1, 1, 8, 8], TensorProto.INT64)]


def main():
    for name, build in [("gates", gates), ("activations", activations),
                        ("some_pools", some_pools), ("moves", moves)]:
        nodes, inits, outputs = build()
        save(name, nodes, inits, outputs)
    calib = RNG.standard_normal((32, 4, 8, 8)).astype(F32)
    np.save(os.path.join(HERE, "calib.npy"), calib)


if __name__ == "__main__":
    main()
