#!/usr/bin/python3
"""Writes a model of N nodes (default 200,000) that stresses every
super-linear path of import, verification and inspection.

Half the nodes are Relu(x): one value with N/2 users (use lists, the
verifier's use checks) and N/2 nodes ready at once (topological sort). The
other half is a chain y_i = Add(y_{i-1}, r_i). The nodes are written in
reverse order, so the importer must sort all of them.

    make_big_graph.py OUT.onnx [N]
"""
import sys

import onnx
from onnx import TensorProto, helper


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
    half = n // 2
    nodes = []
    for i in range(half):
        nodes.append(helper.make_node("Relu", ["x"], [f"r{i}"], name=f"relu{i}"))
    prev = "x"
    for i in range(half):
        nodes.append(helper.make_node("Add", [prev, f"r{i}"], [f"a{i}"], name=f"add{i}"))
        prev = f"a{i}"
    nodes.reverse()
    graph = helper.make_graph(
        nodes, "big",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info(prev, TensorProto.FLOAT, [1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    with open(out, "wb") as f:
        f.write(model.SerializeToString())


if __name__ == "__main__":
    main()
