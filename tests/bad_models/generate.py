#!/usr/bin/python3
"""Writes the malformed models that tests/cli_test.sh feeds to quantc.

Each file exercises one class of bad input; the expected exit code and
message fragment of the files written here live in cli_test.sh, those of
the hostile models (hostile.py, one or more per crash class of issue 11)
in the manifest hostile.tsv that hostile.py writes. Regenerate with
`/usr/bin/python3 tests/bad_models/generate.py` (Debian's python3-onnx).
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper

import hostile

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

    # Opset 6, as PyTorch exported before ONNX 1.2: upgraded to 7 on import.
    save(good_model(opset=6), "old_opset6.onnx")
    # Tile-1 (input, tiles, axis) has no adapter in ONNX's version converter.
    m = good_model(opset=5)
    m.graph.node[1].CopyFrom(helper.make_node("Tile", ["c", "t", "a"], ["y"], name="tile1"))
    m.graph.initializer.extend([helper.make_tensor("t", TensorProto.INT64, [1], [2]),
                                helper.make_tensor("a", TensorProto.INT64, [1], [1])])
    m.graph.output[0].type.tensor_type.shape.dim[1].dim_value = 6
    save(m, "old_opset_tile.onnx")

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
    quantized_models()
    hostile.main(HERE)


def qdq_model(scale=0.05, zp=128, dq_scale=None, zp_node=None):
    """x -> QuantizeLinear 'q_x' -> DequantizeLinear 'dq_x' -> Conv (int8
    weight, int32 bias through DequantizeLinear) -> QuantizeLinear 'q_y' ->
    DequantizeLinear 'dq_y' -> y: a small model quantized elsewhere."""
    inits = [
        helper.make_tensor("x_scale", TensorProto.FLOAT, [], [scale]),
        helper.make_tensor("x_zp", TensorProto.UINT8, [], [zp]),
        helper.make_tensor("x_dq_scale", TensorProto.FLOAT, [], [dq_scale or scale]),
        helper.make_tensor("w_q", TensorProto.INT8, [3, 2, 1, 1], [1, -2, 3, -4, 5, -6]),
        helper.make_tensor("w_scale", TensorProto.FLOAT, [3], [0.1, 0.2, 0.3]),
        helper.make_tensor("w_zp", TensorProto.INT8, [3], [0, 0, 0]),
        helper.make_tensor("y_scale", TensorProto.FLOAT, [], [0.1]),
        helper.make_tensor("y_zp", TensorProto.UINT8, [], [0]),
    ]
    nodes = ([zp_node] if zp_node else []) + [
        helper.make_node("QuantizeLinear", ["x", "x_scale", "x_zp"], ["xq"], name="q_x"),
        helper.make_node("DequantizeLinear", ["xq", "x_dq_scale", "x_zp"], ["xd"], name="dq_x"),
        helper.make_node("DequantizeLinear", ["w_q", "w_scale", "w_zp"], ["wd"], name="dq_w", axis=0),
        helper.make_node("Conv", ["xd", "wd"], ["c"], name="conv1", kernel_shape=[1, 1]),
        helper.make_node("QuantizeLinear", ["c", "y_scale", "y_zp"], ["yq"], name="q_y"),
        helper.make_node("DequantizeLinear", ["yq", "y_scale", "y_zp"], ["y"], name="dq_y"),
    ]
    graph = helper.make_graph(
        nodes, "qdq",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def quantized_models():
    """Bad models quantized elsewhere (quantc quantize/inspect import them)."""
    save(qdq_model(), "qdq_good.onnx")
    save(qdq_model(scale=0.0), "qdq_scale_zero.onnx")
    save(qdq_model(scale=-0.05), "qdq_scale_negative.onnx")
    save(qdq_model(scale=float("nan")), "qdq_scale_nan.onnx")
    save(qdq_model(scale=float("inf")), "qdq_scale_inf.onnx")
    save(qdq_model(dq_scale=0.1), "qdq_inconsistent_pair.onnx")
    # PyTorch's export casts an int32 zero point in the graph; 300 is not a uint8.
    m = qdq_model(zp_node=helper.make_node("Cast", ["x_zp_i32"], ["x_zp_cast"], name="zp_cast",
                                           to=TensorProto.UINT8))
    m.graph.initializer.append(helper.make_tensor("x_zp_i32", TensorProto.INT32, [], [300]))
    for n in m.graph.node:
        if n.name in ("q_x", "dq_x"):
            n.input[2] = "x_zp_cast"
    save(m, "qdq_zero_point_range.onnx")
    # A float8 zero point (ONNX 1.14's FLOAT8E4M3FN = 17): not a type quantc knows.
    m = qdq_model()
    zp = [t for t in m.graph.initializer if t.name == "x_zp"][0]
    zp.data_type = 17
    zp.ClearField("int32_data")
    zp.raw_data = b"\0"
    save(m, "qdq_float8.onnx")
    # A DequantizeLinear of an activation no QuantizeLinear made (a uint8 input).
    m = qdq_model()
    del m.graph.node[0]
    m.graph.node[0].input[0] = "x"
    m.graph.input[0].type.tensor_type.elem_type = TensorProto.UINT8
    save(m, "qdq_dq_without_q.onnx")


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
