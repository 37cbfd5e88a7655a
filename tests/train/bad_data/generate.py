#!/usr/bin/python3
"""Writes the bad-input data of tests/train (run with Debian's python3).

Small arrays derived from tests/fixtures/digits_cnn (the first 40 test
samples), each broken in one way that `quantc eval` / `quantc train` must
reject with a clear error and no output:

  x.npy / y.npy        40 good samples and labels
  y_short.npy          39 labels for 40 samples
  y_out_of_range.npy   sample 7 labelled 10 (the model has classes 0..9)
  y_negative.npy       sample 3 labelled -1
  y_float.npy          float labels for top1
  x_nan.npy            NaN in sample 5
  x_wrong_shape.npy    (40, 1, 7, 7) for a (1, 1, 8, 8) model
  y_wrong_length_val.npy  38 labels, for --val-labels with x.npy
  erf_model.onnx       a (1,1,8,8) -> 10 classifier with an Erf node ('erf1'),
                       which training does not support
  sigmoid_model.onnx   the same with a Sigmoid ('sig1'): trainable, but
                       TINPU has no integer form for it

Deterministic: a re-run writes identical bytes.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "..", "fixtures", "digits_cnn")


def save(name, arr):
    with open(os.path.join(HERE, name), "wb") as f:
        np.lib.format.write_array(f, np.ascontiguousarray(arr), version=(1, 0),
                                  allow_pickle=False)


def main():
    x = np.load(os.path.join(FIX, "test_x.npy"))[:40].astype("<f4")
    y = np.load(os.path.join(FIX, "test_y.npy"))[:40].astype("<i8")
    save("x.npy", x)
    save("y.npy", y)
    save("y_short.npy", y[:39])
    bad = y.copy()
    bad[7] = 10
    save("y_out_of_range.npy", bad)
    neg = y.copy()
    neg[3] = -1
    save("y_negative.npy", neg)
    save("y_float.npy", y.astype("<f4"))
    xn = x.copy()
    xn[5, 0, 2, 3] = np.nan
    save("x_nan.npy", xn)
    save("x_wrong_shape.npy", x[:, :, :7, :7].copy())
    save("y_wrong_length_val.npy", y[:38])
    classifier("erf_model.onnx", "Erf")
    classifier("sigmoid_model.onnx", "Sigmoid")


def classifier(path, act):
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.normal(0, 0.3, (4, 1, 3, 3)).astype(np.float32), "w")
    fc = numpy_helper.from_array(rng.normal(0, 0.3, (10, 256)).astype(np.float32), "fc")
    nodes = [
        helper.make_node("Conv", ["input", "w"], ["c"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node(act, ["c"], ["a"], name=act.lower()[:3] + "1"),
        helper.make_node("Flatten", ["a"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "fc"], ["logits"], name="fc1", transB=1),
    ]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 8, 8])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], [w, fc])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="bad_data")
    m.ir_version = 8
    onnx.checker.check_model(m)
    with open(os.path.join(HERE, path), "wb") as f:
        f.write(m.SerializeToString(deterministic=True))


if __name__ == "__main__":
    main()
