"""Hostile models, one or more per crash class of issue 11, and their manifest.

Called by generate.py. Each case is NAME.onnx (plus NAME.input.npy, the
input `run` and `quantize` are given) and one line of hostile.tsv:

    name  convert  inspect  run  quantize  fragment  flags

The four middle columns are the exit codes each command must give ("3|4"
allows either); every '|'-separated part of `fragment` must appear in the
error, after "quantc: error: <file>" -- it names the node (or the value and
the node that reads it) and the reason. tests/cli_test.sh runs every case
through all four commands under a 4 GB address-space limit and a 10 s
timeout.

Most cases are visible to the importer (the file itself is bad, or ONNX
shape inference propagates a shape whose size does not fit int64), so all
four commands reject them. A static shape that fits int64 but exceeds the
tensor cap (class 4) is only a description: the importer accepts it (a model
may describe a huge intermediate nothing materializes, tests/quantize item
9), `inspect` and `convert` (which evaluate nothing but small constants)
succeed, and `run` and `quantize` refuse the node before allocating. The
*_runtime cases hide the bad size in tensor data (behind an Identity): only
evaluation sees it, as for the huge static shapes -- unless convert's shape
inference meets the folded shape on an intermediate value.
Flags:
  ulimit          only meaningful under the address-space limit (an
                  out-of-memory case; skipped under the sanitizers, which
                  need terabytes of address space)
  setup=symlink   cli_test makes escape/ a symlink out of the model's folder
  setup=fifo      cli_test makes fifo.bin a FIFO nobody writes to
  env=NAME=VALUE  run quantc with this environment variable
  expect          an edge case that must succeed: `run` must write y.npy
                  equal to NAME.expected.npy (computed here with numpy)
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
I64 = TensorProto.INT64
INT64_MAX = 2**63 - 1
INT64_MIN = -2**63
INVERSE_OF_7 = 0x6db6db6db6db6db7  # 7 * this == 1 (mod 2^64)


class Writer:
    def __init__(self, folder):
        self.folder = folder
        self.rows = []

    def path(self, name):
        return os.path.join(self.folder, name)

    def add(self, name, model, codes, fragment, flags="", x=None, expected=None):
        """codes: convert, inspect, run, quantize."""
        with open(self.path(name + ".onnx"), "wb") as f:
            f.write(model.SerializeToString(deterministic=True))
        if codes[1] != "0":
            x = np.ones((1,), np.float32)  # import rejects the model first
        elif x is None:
            x = np.ones((1, 4), np.float32)
        np.save(self.path(name + ".input.npy"), x)
        if expected is not None:
            np.save(self.path(name + ".expected.npy"), expected)
            flags = ",".join(filter(None, [flags, "expect"]))
        self.rows.append("\t".join([name, *codes, fragment, flags or "-"]))

    def finish(self):
        with open(self.path("hostile.tsv"), "w") as f:
            f.write("# name\tconvert\tinspect\trun\tquantize\tfragment\tflags\n")
            f.write("\n".join(self.rows) + "\n")


def vi(name, dtype, shape):
    if isinstance(shape, int):  # a rank: symbolic dims
        shape = ["d%d" % i for i in range(shape)]
    return helper.make_tensor_value_info(name, dtype, shape)


def model(nodes, inputs, outputs, inits=(), opset=13):
    graph = helper.make_graph(nodes, "hostile", inputs, outputs, list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def ints(name, values):
    return helper.make_tensor(name, I64, [len(values)], values)


def node(op, ins, outs, name, **attrs):
    return helper.make_node(op, ins, outs, name=name, **attrs)


REJECT = ("3", "3", "3", "3")        # seen by the importer
RUNTIME = ("0", "0", "3", "3")       # only evaluation sees it (see above)
HUGE = RUNTIME                       # a static shape over the tensor cap (see above)


def one_op(op, name, extra_inputs, inits, out_rank, x_shape=(1, 4), runtime=False, **attrs):
    """x -> op(x, extra...) -> y; with runtime=True the initializers reach
    the op through Identity nodes, hiding their values from inference."""
    nodes, args = [], ["x"]
    for e in extra_inputs:
        if runtime:
            nodes.append(node("Identity", [e], [e + "_id"], "id_" + e))
            args.append(e + "_id")
        else:
            args.append(e)
    nodes.append(node(op, args, ["y"], name, **attrs))
    return model(nodes, [vi("x", F, list(x_shape))], [vi("y", F, out_rank)], inits)


def wraps(w):
    """Class 1: shape products and sums that wrap around 64 bits."""
    for runtime in (False, True):
        sfx, codes = ("_runtime", RUNTIME) if runtime else ("", REJECT)
        # Split's outputs are intermediate: convert infers their folded shape.
        split_codes = ("3",) + codes[1:]
        w.add("reshape_wrap" + sfx,
              one_op("Reshape", "reshape1", ["shape"], [ints("shape", [7, INVERSE_OF_7])], 2,
                     x_shape=[1], runtime=runtime),
              codes, "node 'reshape1' (Reshape)", x=np.ones([1], np.float32))
        big = 2**62
        w.add("split_wrap" + sfx,
              model(([node("Identity", ["s"], ["s_id"], "id_s")] if runtime else []) +
                    [node("Split", ["x", "s_id" if runtime else "s"],
                          ["a", "b", "c", "d", "e"], "split1", axis=1),
                     node("Relu", ["a"], ["y"], "relu1")],
                    [vi("x", F, [1, 4])], [vi("y", F, 2)], [ints("s", [big, big, big, big, 4])]),
              split_codes, "node 'split1' (Split)")
    w.add("declared_shape_wrap",
          model([node("Relu", ["x"], ["y"], "relu1")], [vi("x", F, [7, INVERSE_OF_7])],
                [vi("y", F, [7, INVERSE_OF_7])]),
          REJECT, "graph input 'x' (read by node 'relu1' (Relu))")
    w.add("initializer_dims_wrap",
          model([node("Add", ["x", "c"], ["y"], "add1")], [vi("x", F, [1, 4])], [vi("y", F, 2)],
                [TensorProto(name="c", data_type=TensorProto.UINT8, dims=[7, INVERSE_OF_7],
                             raw_data=b"\x01")]),
          REJECT, "initializer 'c' (read by node 'add1' (Add))")


def external(w):
    """Class 2: external data that lies about its range or leaves the folder."""
    weights = np.arange(1, 7, dtype=np.float32).tobytes()
    with open(w.path("ext_weights.bin"), "wb") as f:
        f.write(weights)

    def ext(name, kv, fragment, flags=""):
        init = helper.make_tensor("w", F, [3, 2, 1, 1], [0] * 6)
        init.ClearField("float_data")
        init.data_location = TensorProto.EXTERNAL
        for k, v in kv:
            init.external_data.append(onnx.StringStringEntryProto(key=k, value=v))
        m = model([node("Conv", ["x", "w"], ["y"], "conv1", kernel_shape=[1, 1])],
                  [vi("x", F, [1, 2, 4, 4])], [vi("y", F, [1, 3, 4, 4])], [init])
        w.add(name, m, REJECT, "initializer 'w' (read by node 'conv1' (Conv)): external data|" +
              fragment, flags)

    loc = ("location", "ext_weights.bin")
    ext("ext_offset_overflow", [loc, ("offset", str(INT64_MAX - 7)), ("length", "24")],
        "is outside the file's 24 bytes")
    ext("ext_offset_past_end", [loc, ("offset", "4096")], "is outside the file's 24 bytes")
    ext("ext_offset_garbage", [loc, ("offset", "12abc")], "'offset' is '12abc'")
    ext("ext_length_negative", [loc, ("length", "-24")], "'length' is '-24'")
    ext("ext_length_mismatch", [loc, ("length", "12")], "length 12 but shape [3,2,1,1]")
    ext("ext_symlink_escape", [("location", "escape/weights.bin")], "outside the model's folder",
        "setup=symlink")
    ext("ext_fifo", [("location", "fifo.bin")], "not a regular file", "setup=fifo")


def empty_tensors(w):
    """Class 3: zero-sized channels and other empty tensors (edge cases that
    must give the right answer, checked against numpy)."""
    b = np.array([0.5, -1.0, 2.0], np.float32)
    m = model([node("Conv", ["x", "w", "b"], ["y"], "conv0", kernel_shape=[1, 1])],
              [vi("x", F, [1, 0, 2, 2])], [vi("y", F, [1, 3, 2, 2])],
              [helper.make_tensor("w", F, [3, 0, 1, 1], []), numpy_helper.from_array(b, "b")])
    # A sum over zero input channels is 0; the bias remains.
    w.add("conv_zero_channels", m, ("0", "0", "0", "3|4"), "node '", x=np.zeros((1, 0, 2, 2),
          np.float32), expected=np.broadcast_to(b.reshape(1, 3, 1, 1), (1, 3, 2, 2)).copy())
    m = model([node("MatMul", ["x", "w"], ["y"], "mm0")], [vi("x", F, [2, 0])],
              [vi("y", F, [2, 3])], [helper.make_tensor("w", F, [0, 3], [])])
    w.add("matmul_empty_inner", m, ("0", "0", "0", "3|4"), "node '",
          x=np.zeros((2, 0), np.float32), expected=np.zeros((2, 3), np.float32))


def unbounded(w):
    """Class 4: outputs far over the tensor cap."""
    cases = [
        ("conv_huge_pads", "Conv", "conv1", ["w"],
         [helper.make_tensor("w", F, [1, 1, 1, 1], [1.0])], 4, [1, 1, 4, 4],
         dict(kernel_shape=[1, 1], pads=[2**30] * 4)),
        ("expand_huge", "Expand", "expand1", ["shape"], [ints("shape", [2**20, 2**20])], 2, [1], {}),
        ("tile_huge", "Tile", "tile1", ["reps"], [ints("reps", [2**31])], 1, [1], {}),
        ("constant_pad_huge", "Pad", "pad1", ["pads"], [ints("pads", [0, 0, 2**20, 2**20])], 2,
         [1, 1], {}),
        ("resize_huge", "Resize", "resize1", ["roi", "scales"],
         [helper.make_tensor("roi", F, [0], []),
          helper.make_tensor("scales", F, [4], [1, 1, 1e6, 1e6])], 4, [1, 1, 2, 2], {}),
        ("gather_huge", "Gather", "gather1", ["idx"],
         [numpy_helper.from_array(np.zeros(2**14, np.int64), "idx")], 2, [1, 2**15], {}),
    ]
    for name, op, node_name, extra, inits, rank, x_shape, attrs in cases:
        x = np.ones(x_shape, np.float32)
        # The padded Conv's shape does not fit int64 at all: import rejects it.
        codes = REJECT if op == "Conv" else HUGE
        w.add(name, one_op(op, node_name, extra, inits, rank, x_shape, **attrs), codes,
              "node '%s' (%s)" % (node_name, op), x=x)
        if op in ("Expand", "Tile", "Pad"):
            w.add(name + "_runtime",
                  one_op(op, node_name, extra, inits, rank, x_shape, runtime=True, **attrs),
                  RUNTIME, "node '%s' (%s)" % (node_name, op), x=x)
    ones = np.ones(2**15, np.float32)
    m = model([node("MatMul", ["a", "b"], ["p"], "mm1"), node("Add", ["x", "p"], ["y"], "add1")],
              [vi("x", F, [1])], [vi("y", F, 2)],
              [numpy_helper.from_array(ones.reshape(-1, 1), "a"),
               numpy_helper.from_array(ones.reshape(1, -1), "b")])
    w.add("matmul_outer_huge", m, HUGE, "node 'mm1' (MatMul)", x=np.ones([1], np.float32))
    m = model([node("ConstantOfShape", ["s"], ["c"], "cos1"), node("Add", ["x", "c"], ["y"], "add1")],
              [vi("x", F, [1])], [vi("y", F, 1)], [ints("s", [2**40])])
    w.add("constant_of_shape_huge", m, HUGE, "node 'cos1' (ConstantOfShape)",
          x=np.ones([1], np.float32))
    # With the cap raised to 8 GiB (QUANTC_MAX_TENSOR_BYTES), a 4 GiB tensor
    # passes every check but cannot be allocated under the 4 GB limit: the
    # failure must end as an error naming the node, exit 4, instead of
    # std::bad_alloc escaping main.
    m = model([node("Expand", ["x", "s"], ["y"], "expand1")], [vi("x", F, [1])],
              [vi("y", F, [2**30])], [ints("s", [2**30])])
    w.add("memory_exhausted", m, ("0", "0", "4", "4"), "node 'expand1' (Expand)|out of memory",
          "ulimit,env=QUANTC_MAX_TENSOR_BYTES=8589934592", x=np.ones([1], np.float32))


def types(w):
    """Class 5: element types and bool data the file should not have."""
    w.add("unknown_elem_type",
          model([node("Relu", ["x"], ["y"], "relu1")], [vi("x", 99, [1, 4])], [vi("y", 99, [1, 4])]),
          REJECT, "graph input 'x' (read by node 'relu1' (Relu)): element type 99 is not")
    c = helper.make_tensor("c", TensorProto.COMPLEX64, [1], [1 + 2j])
    w.add("complex_initializer",
          model([node("Identity", ["c"], ["k"], "id1"), node("Relu", ["x"], ["y"], "relu1")],
                [vi("x", F, [1, 4])], [vi("y", F, [1, 4])], [c]),
          ("4", "4", "4", "4"), "node 'id1' (Identity): input 'c' has data type COMPLEX64")
    bools = helper.make_tensor("b", TensorProto.BOOL, [4], b"\x00\x01\x02\xff", raw=True)
    w.add("bool_garbage",
          model([node("Not", ["b"], ["n"], "not1"), node("Relu", ["x"], ["y"], "relu1")],
                [vi("x", F, [1, 4])], [vi("y", F, [1, 4])], [bools]),
          REJECT, "initializer 'b' (read by node 'not1' (Not))|bool data holds the byte 2")
    # ONNX's checker lets any `to` through: only evaluation sees it.
    w.add("cast_unknown_type",
          model([node("Cast", ["x"], ["y"], "cast1", to=99)], [vi("x", F, [1, 4])],
                [vi("y", F, [1, 4])]),
          RUNTIME, "node 'cast1' (Cast): attribute 'to': element type 99")


def main(folder):
    w = Writer(folder)
    wraps(w)
    external(w)
    empty_tensors(w)
    unbounded(w)
    types(w)
    w.finish()
