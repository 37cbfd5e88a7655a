#!/usr/bin/python3
"""Writes the small models and calibration data of regression_test.sh.

Each model isolates one behaviour of `quantc quantize` that once went wrong
(issue 8); regression_test.sh says which. Deterministic: fixed seeds,
deterministic serialization. Regenerate with
`/usr/bin/python3 tests/quantize/generate.py` (Debian's python3-onnx).
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
X = [1, 4, 8, 8]


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def save(name, nodes, inits, out_shape, in_shape=X):
    graph = helper.make_graph(
        nodes, name, [vi("x", in_shape)], [vi("y", out_shape)],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    with open(os.path.join(HERE, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString(deterministic=True))


def conv(name, x, w, y, b=None, pad=1):
    ins = [x, w] + ([b] if b else [])
    return helper.make_node("Conv", ins, [y], name=name, pads=[pad] * 4)


def main():
    rng = np.random.default_rng(8)
    f32 = np.float32
    w1 = (rng.standard_normal((8, 4, 3, 3)) * 0.3).astype(f32)
    b1 = (rng.standard_normal(8) * 0.1).astype(f32)
    w2 = (rng.standard_normal((4, 8, 1, 1)) * 0.3).astype(f32)

    # Items 2, 3, 8: a plain layer.
    save("conv", [conv("conv", "x", "w1", "y", "b1")], {"w1": w1, "b1": b1}, [1, 8, 8, 8])
    # Item 1: a Mul by a small constant, a float op, and a Concat.
    save("conv_mul", [conv("conv", "x", "w1", "c", "b1"),
                      helper.make_node("Mul", ["c", "k"], ["y"], name="mul")],
         {"w1": w1, "b1": b1, "k": np.array(0.01, f32)}, [1, 8, 8, 8])
    save("conv_sigmoid_conv", [conv("conv", "x", "w1", "c", "b1"),
                               helper.make_node("Sigmoid", ["c"], ["s"], name="sig"),
                               conv("conv2", "s", "w2", "y", pad=0)],
         {"w1": w1, "b1": b1, "w2": w2}, [1, 4, 8, 8])
    wa = (rng.standard_normal((2, 4, 3, 3)) * 1.0).astype(f32)
    wb = (rng.standard_normal((14, 4, 3, 3)) * 0.05).astype(f32)
    save("concat", [conv("wide", "x", "wa", "a"), conv("narrow", "x", "wb", "b"),
                    helper.make_node("Concat", ["a", "b"], ["y"], name="cat", axis=1)],
         {"wa": wa, "wb": wb}, [1, 16, 8, 8])

    # Items 5 and 6: a bias far larger than input x weight scales allow in
    # int32, and one channel of tiny (but non-zero) weights (channel 0, so
    # `quantc inspect` prints its first values).
    w5 = (rng.standard_normal((8, 4, 3, 3)) * 1e-4).astype(f32)
    b5 = (rng.standard_normal(8) * 1.0).astype(f32)
    save("bias_overflow", [conv("conv", "x", "w5", "y", "b5")], {"w5": w5, "b5": b5},
         [1, 8, 8, 8])
    w6 = w1.copy()
    w6[0] *= 1e-5 / np.abs(w6[0]).max()
    save("tiny_channel", [conv("conv", "x", "w6", "y", "b1")], {"w6": w6, "b1": b1},
         [1, 8, 8, 8])

    # Item 7: a layer whose output scale is finer than one channel's
    # accumulator scale: channel 0 has large weights that cancel (input
    # channels 0 and 1 are equal in calib_dup.npy), the others small ones.
    # Every weight is exact at 4 bits (k * s, |k| <= 7, some |k| = 7), so
    # the output resolution, not weight rounding, decides the SQNR.
    k = rng.integers(-7, 8, size=(8, 4, 1, 1))
    k[:, 3] = 7
    w7 = (k * 0.01).astype(f32)
    w7[0, :, 0, 0] = [2, -2, 0, 0]
    save("fine_output", [conv("conv", "x", "w7", "y", pad=0)], {"w7": w7}, [1, 8, 8, 8])

    # Item 9: ConstantOfShape of 2^31 doubles (16 GiB) whose values nothing
    # needs: only its static shape is read.
    shape = np.array([1 << 31], np.int64)
    big = helper.make_tensor("v", TensorProto.DOUBLE, [1], [1.0])
    save("huge_constant", [
        helper.make_node("ConstantOfShape", ["shape"], ["big"], name="fill", value=big),
        helper.make_node("Shape", ["big"], ["n"], name="shape_of"),
        helper.make_node("Cast", ["n"], ["nf"], name="cast", to=TensorProto.FLOAT),
        helper.make_node("Add", ["x", "nf"], ["y"], name="add")],
        {"shape": shape}, [1], in_shape=[1])

    # Item 11: a LogSoftmax head (unbounded below).
    wl = (rng.standard_normal((256, 10)) * 0.2).astype(f32)
    save("logsoftmax", [helper.make_node("Flatten", ["x"], ["f"], name="flat"),
                        helper.make_node("MatMul", ["f", "wl"], ["l"], name="fc"),
                        helper.make_node("LogSoftmax", ["l"], ["y"], name="lsm", axis=1)],
         {"wl": wl}, [1, 10])

    calib = rng.standard_normal([64] + X[1:]).astype(f32)
    np.save(os.path.join(HERE, "calib.npy"), calib)
    # Items 2, 3, 8: features with std 0.003, too fine for TINPU's input block.
    np.save(os.path.join(HERE, "calib_small.npy"), (calib * 0.003).astype(f32))
    # Item 8: features offset from zero by more than their spread, both far
    # below the input block's finest scale: quantizing them shifts means.
    np.save(os.path.join(HERE, "calib_offset.npy"), (calib * 0.0005 + 0.002).astype(f32))
    dup = calib.copy()
    dup[:, 1] = dup[:, 0]
    np.save(os.path.join(HERE, "calib_dup.npy"), dup)


if __name__ == "__main__":
    main()
