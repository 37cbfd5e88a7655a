#!/usr/bin/python3
"""Writes the malformed models that tests/cli_test.sh feeds to quantc.

Each file exercises one class of bad input; the expected exit code and
message fragment live in cli_test.sh. Regenerate with
`/usr/bin/python3 tests/bad_models/generate.py` (Debian's python3-onnx).
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))


def good_model(opset=13):
    w = helper.make_tensor("w", TensorProto.FLOAT, [3, 2, 1, 1], [1, 2, 3, 4, 5, 6])
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv1", kernel_shape=[1, 1]),
        helper.make_node("Relu", ["c"], ["y"], name="relu1"),
    ]
    graph = helper.make_graph(
        nodes, "good",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])],
        [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def save(model, name):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(model.SerializeToString(deterministic=True))


def main():
    good = good_model()
    save(good, "good.onnx")
    data = good.SerializeToString(deterministic=True)

    with open(os.path.join(HERE, "empty.onnx"), "wb"):
        pass
    with open(os.path.join(HERE, "random.onnx"), "wb") as f:
        state = 12345
        out = bytearray()
        for _ in range(2048):
            state = (state * 1103515245 + 12345) % (1 << 31)
            out.append(state >> 23)
        f.write(bytes(out))
    with open(os.path.join(HERE, "truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])

    m = good_model()
    m.graph.node[1].input[0] = "ghost"
    save(m, "undefined_input.onnx")

    m = good_model()
    m.graph.node[0].input[0] = "y"  # conv1 reads relu1's output: a cycle
    save(m, "cycle.onnx")

    m = good_model()
    m.graph.node[1].domain = "com.example"
    m.opset_import.append(helper.make_opsetid("com.example", 1))
    save(m, "unknown_domain.onnx")

    save(good_model(opset=18), "opset_too_new.onnx")

    m = good_model()
    m.graph.initializer[0].ClearField("float_data")
    m.graph.initializer[0].raw_data = b"\0" * 12  # 3 floats for 6 elements
    save(m, "initializer_size_mismatch.onnx")

    m = good_model()
    w = m.graph.initializer[0]
    w.ClearField("float_data")
    w.data_location = TensorProto.EXTERNAL
    w.external_data.append(onnx.StringStringEntryProto(key="location", value="missing_weights.bin"))
    save(m, "missing_external_data.onnx")

    calibration_files()


def calibration_files():
    """Bad calibration data for quantc quantize on good.onnx (input x: [1,2,4,4])."""
    rng = np.random.default_rng(0)
    good = rng.standard_normal((10, 2, 4, 4)).astype(np.float32)
    np.save(os.path.join(HERE, "calib_good.npy"), good)
    np.save(os.path.join(HERE, "calib_wrong_shape.npy"), good[:, :, :3, :])
    np.save(os.path.join(HERE, "calib_int64.npy"), good.astype(np.int64))
    nan = good.copy()
    nan[3, 1, 2, 2] = np.nan
    np.save(os.path.join(HERE, "calib_nan.npy"), nan)
    np.save(os.path.join(HERE, "calib_empty.npy"), good[:0])

    # A Sigmoid producing the model output: no TINPU integer form, so it must
    # stay float (--float-ops) at the very end of the graph.
    m = good_model()
    m.graph.node[1].op_type = "Sigmoid"
    m.graph.node[1].name = "sigmoid1"
    save(m, "sigmoid_head.onnx")

    # An op quantc cannot evaluate (LRN) in a quantizable position.
    m = good_model()
    m.graph.node.insert(1, helper.make_node("LRN", ["c"], ["n"], name="lrn1", size=3))
    m.graph.node[2].input[0] = "n"
    save(m, "unsupported_op.onnx")


if __name__ == "__main__":
    main()
