"""quantc from Python: quantize ONNX models for microcontrollers.

The same C++ code as the ``quantc`` command, so options, validation, error
messages and output bytes are the command's::

    import numpy as np, quantc
    result = quantc.quantize("model.onnx", np.load("calib.npy"), target="generic")
    open("model_int8.onnx", "wb").write(result.model)
    print(result.report["outputs"])       # the --report JSON, as a dict
    y = quantc.run(result.model, x)       # {output name: ndarray}

Models are a path, ONNX bytes or an ``onnx.ModelProto``. Arrays are numpy
arrays of the model input's dtype, shaped like the input or N samples of it
(a leading N, or N in place of a batch dimension of 1); a dict of input
name -> array feeds several inputs. ``quantc.train`` runs quantization-aware
training in the quantc-train program beside the module (libtorch is never
loaded into Python); ``quantc.eval`` measures accuracy. Options are the
command's flags in snake_case (``weight_bits=4``, ``bias_correction=True`` or
``=0.5``, ``float_ops=["Softmax"]``); ``quantc.help("quantize")`` lists them
with their defaults. Failures raise a ``quantc.Error`` subclass per exit code of
the command: UsageError (2), InvalidInputError (3), UnsupportedError (4),
InternalError (1). Warnings (repairs that cost accuracy) are Python warnings
of category ``quantc.QuantizationWarning``. quantc releases the GIL while it
works.
"""
import collections
import json
import os
import sys
import warnings

import numpy as np

from . import _quantc

__version__ = _quantc.__version__

__all__ = [
    "quantize", "run", "inspect", "convert", "compile", "eval", "train", "help", "list_passes",
    "supported_ops", "QuantizeResult", "CompileResult", "EvalResult", "TrainResult", "Error",
    "UsageError",
    "InvalidInputError", "UnsupportedError", "InternalError", "QuantizationWarning",
]


class Error(Exception):
    """A quantc failure. ``exit_code`` is the command's exit code for it and
    ``category`` its name; ``message`` is the command's error message."""
    exit_code = 1
    category = "internal"

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class InternalError(Error):
    """A quantc bug or an I/O failure on output (exit code 1)."""
    exit_code, category = 1, "internal"


class UsageError(Error, ValueError):
    """An unknown or malformed option (exit code 2)."""
    exit_code, category = 2, "usage"


class InvalidInputError(Error, ValueError):
    """A malformed or inconsistent model or data (exit code 3)."""
    exit_code, category = 3, "invalid input"


class UnsupportedError(Error):
    """Valid input that quantc does not handle (exit code 4)."""
    exit_code, category = 4, "unsupported"


class QuantizationWarning(UserWarning):
    """A repair that costs accuracy (the command's "quantc: warning:" lines)."""


_ERRORS = {c.exit_code: c for c in (InternalError, UsageError, InvalidInputError, UnsupportedError)}

QuantizeResult = collections.namedtuple("QuantizeResult", ["model", "report"])
QuantizeResult.__doc__ = """quantize()'s result: ``model``, the quantized model's bytes (what
``quantc quantize -o`` writes), and ``report``, the ``--report=FILE.json``
document as a dict."""
CompileResult = collections.namedtuple("CompileResult", ["files", "report"])
CompileResult.__doc__ = """compile()'s result: ``files``, {file name: C source}, and
``report``, the report as a dict (None unless ``report=`` named a .json or
.html file, which is then written too)."""


EvalResult = collections.namedtuple("EvalResult", ["metric", "value", "samples", "correct"])
EvalResult.__doc__ = """eval()'s result: ``metric`` ("top1" or "mse"), ``value`` (top-1
accuracy in percent, or the mean squared error), ``samples``, and ``correct``
(top1: the samples whose argmax equals the label)."""
TrainResult = collections.namedtuple("TrainResult", ["model", "report"])
TrainResult.__doc__ = """train()'s result: ``model``, the emitted model's bytes (what
``quantc train -o`` writes), and ``report``, the ``--report=FILE.json``
document as a dict (per-epoch numbers, ``report["final"]``: float,
fake-quant and emitted metric)."""


def _call(fn, *args):
    try:
        return fn(*args)
    except _quantc.Failure as failure:
        code, message = failure.args
        raise _ERRORS.get(code, InternalError)(message) from None


def _model(model):
    """(path, bytes, display name) for the C++ side."""
    if isinstance(model, (str, os.PathLike)):
        return os.fspath(model), None, ""
    if isinstance(model, (bytes, bytearray, memoryview)):
        return None, bytes(model), "<model bytes>"
    if hasattr(model, "SerializeToString") and hasattr(model, "graph"):
        return None, model.SerializeToString(), "<onnx.ModelProto '%s'>" % model.graph.name
    raise TypeError("model must be a path, ONNX bytes or an onnx.ModelProto, not %s"
                    % type(model).__name__)


def _array(value, source):
    """A C-contiguous little-endian ndarray; the dtype is never changed (a
    wrong dtype is quantc's error to report, with the command's message)."""
    a = np.asarray(value)
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    return np.ascontiguousarray(a)


def _arrays(data, what):
    """[(input name or "", ndarray, source label)]."""
    if isinstance(data, dict):
        return [(str(name), _array(v, "%s[%r]" % (what, name)), "%s[%r]" % (what, name))
                for name, v in data.items()]
    return [("", _array(data, what), what)]


def _options(options):
    """[(snake_case name, str value or None, bool)] for the C++ side."""
    out = []
    for name, value in options.items():
        if value is None:
            continue
        if isinstance(value, (bool, np.bool_)):
            out.append((name, None, bool(value)))
        elif isinstance(value, (list, tuple)):
            out.append((name, ",".join(str(v) for v in value), False))
        else:
            out.append((name, str(value), False))
    return out


def _data(value, what):
    """(path, None) for a file name, (None, ndarray) for an array."""
    if isinstance(value, (str, os.PathLike)):
        return os.fspath(value), None
    return None, _array(value, what)


def _warn(report, options):
    """The report's diagnostics as the command prints them: warnings always
    (as QuantizationWarning), notes with verbose=True."""
    for d in report["diagnostics"]:
        text = "%s: %s" % (d["subject"], d["message"])
        if d["cost_db"] is not None:
            text += "; costs %.2f dB of output SQNR" % d["cost_db"]
        if d["severity"] == "warning":
            warnings.warn(text, QuantizationWarning, stacklevel=3)
        elif options.get("verbose"):
            print("quantc: note: " + text, file=sys.stderr)


def _write_report(path, contents):
    """Writes the report file as the command does: whole, or not at all."""
    if path is None:
        return
    tmp = "%s.tmp%d" % (path, os.getpid())
    try:
        with open(tmp, "wb") as f:
            f.write(contents)
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise InternalError("%s: cannot write the report (%s)" % (path, e.strerror)) from None


def quantize(model, calib=None, target="generic", *, progress=None, **options):
    """Post-training quantization, as ``quantc quantize``.

    ``calib`` is an ndarray (N, ...) for a single-input model, or a dict of
    input name -> ndarray; a float model needs it, a model quantized
    elsewhere keeps its own quantization and needs it only for ranges it
    lacks (``report["source"]`` is then "imported quantized model"). ``target`` is "generic" (int8 ONNX QDQ) or
    "tinpu" (TI's NPU integer format). ``options`` are quantize's flags in
    snake_case (see ``quantc.help("quantize")``); ``report="r.html"`` or
    ``"r.json"`` also writes the report file. ``progress``, if given, is
    called as progress(stage, done, total) with stage "calibrate" or
    "report"; an exception it raises is raised once quantc returns.
    Returns QuantizeResult(model bytes, report dict)."""
    options = dict(options, target=target)
    blob, report_json, report_file = _call(
        _quantc.quantize, *_model(model), None if calib is None else _arrays(calib, "calib"),
        _options(options), progress, True)
    report = json.loads(report_json)
    _warn(report, options)
    _write_report(options.get("report"), report_file)
    return QuantizeResult(blob, report)


def run(model, inputs, *, integer=False):
    """Runs ``model`` with quantc's reference interpreter, as ``quantc run``.

    ``inputs``: an ndarray for a single-input model or a dict of input name
    -> ndarray, each shaped like the input or N samples of it (the outputs
    are then stacked). ``integer=True`` runs the integer program instead
    (what ``quantc compile`` emits; float32 or int8 input, int8 output
    codes). Returns {output name: ndarray} in graph output order."""
    outs = _call(_quantc.run, *_model(model), _arrays(inputs, "inputs"),
                 _options({"integer": integer}))
    return collections.OrderedDict(outs)


def inspect(model, *, target="generic"):
    """``quantc inspect --format=json`` as a dict: opset, inputs, outputs, op
    histogram, parameters, weight bytes, MACs per layer, peak activation
    bytes; with target="tinpu" also "npu", each layer's NPU eligibility."""
    return json.loads(_call(_quantc.inspect, *_model(model), _options({"target": target})))


def convert(model, passes=None, **options):
    """``quantc convert``: the model after the canonical cleanup pipeline, or
    the registered ``passes`` (a list or "a,b,c"), as ONNX bytes. Options:
    verify_each, print_ir_after_all, print_ir_after (printed to stdout)."""
    options = dict(options, passes=passes)
    return _call(_quantc.convert, *_model(model), _options(options), True)


def compile(model, **options):  # noqa: A001 (the command's name)
    """``quantc compile``: a quantized model as C files, returned as
    CompileResult({name: text}, report). Options: name, io ("int8" or
    "float"), arena_align, report (a .json or .html path, also written)."""
    files, report = _call(_quantc.compile, *_model(model), _options(options))
    path = options.get("report")
    _write_report(path, report)
    parsed = json.loads(report) if path and path.endswith(".json") else None
    return CompileResult(collections.OrderedDict(files), parsed)


def eval(model, data, labels, *, progress=None, **options):  # noqa: A001 (the command's name)
    """A model's top-1 accuracy or mean squared error on labelled data, as
    ``quantc eval``, with quantc's reference interpreter (float, generic or
    TINPU models).

    ``data``: (N, ...) inputs and ``labels``: (N,) integer classes, or
    float32 targets with ``metric="mse"``; each an ndarray or a .npy path.
    ``progress``, if given, is called as progress("evaluate", done, total).
    Returns EvalResult(metric, value, samples, correct)."""
    metric, value, samples, correct = _call(
        _quantc.eval, *_model(model), _data(data, "data"), _data(labels, "labels"),
        _options(options), progress)
    return EvalResult(metric, value, samples, correct)


def train(model, data, labels, target="generic", *, epochs, val_data=None, val_labels=None,
          progress=None, **options):
    """Quantization-aware training, as ``quantc train``: fine-tunes the float
    ``model`` with fake quantization that simulates the emitted model, then
    emits it for ``target`` ("generic" or "tinpu").

    ``data``/``labels`` (and ``val_data``/``val_labels``) are ndarrays or
    .npy paths, shaped as the command's files. ``options`` are train's flags
    in snake_case (``weight_bits=4``, ``bn_update_epochs="never"``,
    ``threads=1``, ``report="train.html"``, ...; see
    ``quantc.help("train")``). Training runs in the quantc-train program
    beside this module (libtorch never loads into Python), so the bytes and
    errors are the command's. Its per-epoch lines go to sys.stderr unless
    ``quiet=True``; ``progress``, if given, is called as
    progress("epoch", epoch, epochs). Ctrl-C (or an exception from
    ``progress``) stops training after the current batch and is raised.
    Returns TrainResult(model bytes, report dict)."""
    options = dict(options, target=target, epochs=epochs)
    val = [None if v is None else _data(v, name)
           for v, name in ((val_data, "val_data"), (val_labels, "val_labels"))]
    blob, report_json, summary = _call(
        _quantc.train, *_model(model), _data(data, "data"), _data(labels, "labels"), val[0],
        val[1], _options(options), progress, os.path.dirname(os.path.abspath(__file__)))
    if not options.get("quiet"):
        print(summary, file=sys.stderr)
    report = json.loads(report_json)
    _warn(report, options)
    return TrainResult(blob, report)


def help(command):  # noqa: A001 (like the command's `quantc help`)
    """The help of a quantc command: every option with its default. Python
    takes the same options in snake_case."""
    return _call(_quantc.help, command)


def list_passes():
    """The registered passes, "name  summary" per line."""
    return _quantc.list_passes()


def supported_ops():
    """The operators quantc's reference interpreter runs."""
    return list(_quantc.supported_ops())
