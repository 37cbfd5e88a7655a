#!/usr/bin/python3
"""Writes the benchmark models used by bench/compare_ort.sh.

Single layers shaped like the ones that dominate small CNNs (first conv,
3x3, depthwise, pointwise, classifier Gemm) plus a small MobileNet-style
block, all float32 opset 13, batch 1, with fixed-seed random weights.

Usage: /usr/bin/python3 bench/make_models.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(0)


def conv_model(name, c_in, c_out, hw, k, stride=1, group=1, pad=None):
    pad = k // 2 if pad is None else pad
    w = RNG.standard_normal((c_out, c_in // group, k, k)).astype(np.float32) * 0.1
    b = RNG.standard_normal(c_out).astype(np.float32) * 0.1
    out_hw = (hw + 2 * pad - k) // stride + 1
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], group=group,
                            kernel_shape=[k, k], pads=[pad] * 4, strides=[stride] * 2)
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c_in, hw, hw])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, c_out, out_hw, out_hw])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    return graph


def gemm_model(name, k, n):
    w = RNG.standard_normal((n, k)).astype(np.float32) * 0.05
    b = RNG.standard_normal(n).astype(np.float32) * 0.05
    node = helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)
    return helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])


def mobilenet_block(name, c, hw, expand=6):
    """Inverted residual: 1x1 expand, ReLU6 (Clip), 3x3 depthwise, Clip,
    1x1 project, residual Add."""
    e = c * expand
    inits, nodes = [], []

    def add_conv(inp, out, c_in, c_out, k, group):
        w = RNG.standard_normal((c_out, c_in // group, k, k)).astype(np.float32) * 0.1
        b = RNG.standard_normal(c_out).astype(np.float32) * 0.1
        inits.extend([numpy_helper.from_array(w, out + "_w"), numpy_helper.from_array(b, out + "_b")])
        nodes.append(helper.make_node("Conv", [inp, out + "_w", out + "_b"], [out], group=group,
                                      kernel_shape=[k, k], pads=[k // 2] * 4))

    inits.extend([numpy_helper.from_array(np.array(0, np.float32), "lo"),
                  numpy_helper.from_array(np.array(6, np.float32), "hi")])
    add_conv("x", "e", c, e, 1, 1)
    nodes.append(helper.make_node("Clip", ["e", "lo", "hi"], ["e6"]))
    add_conv("e6", "d", e, e, 3, e)
    nodes.append(helper.make_node("Clip", ["d", "lo", "hi"], ["d6"]))
    add_conv("d6", "p", e, c, 1, 1)
    nodes.append(helper.make_node("Add", ["p", "x"], ["y"]))
    return helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, hw, hw])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, c, hw, hw])], inits)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    graphs = [
        conv_model("conv_first_3x32_s2_224", 3, 32, 224, 3, stride=2),
        conv_model("conv3x3_64_56", 64, 64, 56, 3),
        conv_model("conv3x3_16_32", 16, 32, 32, 3),
        conv_model("depthwise3x3_128_56", 128, 128, 56, 3, group=128),
        conv_model("pointwise_128_256_28", 128, 256, 28, 1),
        gemm_model("gemm_1024_1000", 1024, 1000),
        mobilenet_block("mobilenet_block_32_28", 32, 28),
    ]
    for g in graphs:
        model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)],
                                  producer_name="quantc-bench")
        model.ir_version = 8
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(out, g.name + ".onnx"))


if __name__ == "__main__":
    main()
