"""The quantc Python module against the quantc command (python/python_test.sh
runs this with Debian's /usr/bin/python3). The command is the reference:
the module must produce its bytes, its report and its errors."""
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import unittest
import warnings

import numpy as np
import onnx

import quantc

QUANTC = os.environ["QUANTC"]
ROOT = os.environ["ROOT"]
FIXTURES = os.environ["QUANTC_FIXTURES"]
CNN = os.path.join(FIXTURES, "digits_cnn")
BAD = os.path.join(ROOT, "tests", "bad_models")


def cli(*args):
    """(exit code, stdout, stderr) of the quantc command."""
    p = subprocess.run([QUANTC, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def cli_error(*args):
    """The command's exit code and the message of its 'quantc: error:' line."""
    code, _, err = cli(*args)
    m = re.search(r"^quantc: error: (.*)$", err, re.M)
    return code, m.group(1) if m else err


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()


class SameAsTheCommand(Base):
    def test_version(self):
        self.assertEqual(cli("--version")[1].splitlines()[0], "quantc " + quantc.__version__)

    def check_quantize(self, cli_flags, **options):
        model, calib = os.path.join(CNN, "model.onnx"), os.path.join(CNN, "calib.npy")
        code, _, err = cli("quantize", model, "-o", self.path("cli.onnx"), "--calib", calib,
                           "--report", self.path("cli.json"), *cli_flags)
        self.assertEqual(code, 0, err)
        r = quantc.quantize(model, np.load(calib), **options)
        self.assertEqual(r.model, self.read("cli.onnx"))
        with open(self.path("cli.json")) as f:
            self.assertEqual(r.report, json.load(f))
        return r

    def test_generic_bytes_and_report(self):
        r = self.check_quantize([])
        self.assertEqual(r.report["target"], "generic")
        # The model as bytes or as an onnx.ModelProto quantizes identically.
        calib = np.load(os.path.join(CNN, "calib.npy"))
        with open(os.path.join(CNN, "model.onnx"), "rb") as f:
            blob = f.read()
        self.assertEqual(quantc.quantize(blob, calib).model, r.model)
        self.assertEqual(quantc.quantize(onnx.load_from_string(blob), calib).model, r.model)

    def test_tinpu_with_options(self):
        r = self.check_quantize(["--target=tinpu", "--weight-bits", "4", "--bias-correction=0.5",
                                 "--calib-limit=200"],
                                target="tinpu", weight_bits=4, bias_correction=0.5, calib_limit=200)
        self.assertIn("npu", r.report)

    def test_generic_flags_and_lists(self):
        self.check_quantize(["--observer=percentile", "--percentile", "99.9", "--act-dtype=uint8",
                             "--bias-correction", "--float-ops=MaxPool,Gemm"],
                            observer="percentile", percentile=99.9, act_dtype="uint8",
                            bias_correction=True, float_ops=["MaxPool", "Gemm"])

    def test_run_inspect_convert_compile(self):
        model = os.path.join(CNN, "model.onnx")
        x = np.load(os.path.join(CNN, "test_x.npy"))[:20]
        np.save(self.path("x.npy"), x)
        self.assertEqual(cli("run", model, "--input", self.path("x.npy"), "-o", self.path("run"))[0], 0)
        (name, y), = quantc.run(model, x).items()
        np.testing.assert_array_equal(y, np.load(self.path("run/%s.npy" % name)))

        self.assertEqual(quantc.inspect(model), json.loads(cli("inspect", model, "--format=json")[1]))
        tinpu = json.loads(cli("inspect", model, "--format=json", "--target=tinpu")[1])
        self.assertEqual(quantc.inspect(model, target="tinpu"), tinpu)

        self.assertEqual(cli("convert", model, "-o", self.path("c.onnx"))[0], 0)
        self.assertEqual(quantc.convert(model), self.read("c.onnx"))
        self.assertEqual(cli("convert", model, "-o", self.path("p.onnx"),
                             "--passes=remove_identity,remove_dead_nodes")[0], 0)
        self.assertEqual(quantc.convert(model, passes=["remove_identity", "remove_dead_nodes"]),
                         self.read("p.onnx"))

        q = quantc.quantize(model, np.load(os.path.join(CNN, "calib.npy"))).model
        with open(self.path("q.onnx"), "wb") as f:
            f.write(q)
        code, _, err = cli("compile", self.path("q.onnx"), "-o", self.path("c"), "--name=net",
                           "--report", self.path("c.json"))
        self.assertEqual(code, 0, err)
        r = quantc.compile(self.path("q.onnx"), name="net", report=self.path("p.json"))
        for name, text in r.files.items():
            with open(self.path("c/" + name)) as f:
                self.assertEqual(text, f.read(), name)
        self.assertEqual(sorted(r.files), sorted(os.listdir(self.path("c"))))
        self.assertEqual(r.report, json.loads(self.read("c.json")))
        # From bytes, only the name of the source in the banners differs.
        from_bytes = quantc.compile(q, name="net").files
        self.assertIn("<model bytes>", from_bytes["net.h"])

        ints = quantc.run(q, x, integer=True)
        code, _, err = cli("run", self.path("q.onnx"), "--integer", "--input", self.path("x.npy"),
                           "-o", self.path("ri"))
        self.assertEqual(code, 0, err)
        (name, codes), = ints.items()
        self.assertEqual(codes.dtype, np.int8)
        np.testing.assert_array_equal(codes, np.load(self.path("ri/%s.npy" % name)))

    def test_model_quantized_elsewhere(self):
        model = os.path.join(ROOT, "tests", "imported", "torch_qat", "model.onnx")
        code, _, err = cli("quantize", model, "-o", self.path("cli.onnx"), "--target=tinpu",
                           "--report", self.path("cli.json"))
        self.assertEqual(code, 0, err)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = quantc.quantize(model, target="tinpu")
        self.assertEqual(r.model, self.read("cli.onnx"))
        self.assertEqual(r.report, json.loads(self.read("cli.json")))
        self.assertEqual(r.report["source"], "imported quantized model")
        self.assertEqual(len([w for w in caught if w.category is quantc.QuantizationWarning]),
                         err.count("quantc: warning:"))
        with self.assertRaisesRegex(quantc.UsageError, "does not apply to a model that is already"):
            quantc.quantize(model, weight_bits=4)

    def test_html_report(self):
        model, calib = os.path.join(CNN, "model.onnx"), os.path.join(CNN, "calib.npy")
        self.assertEqual(cli("quantize", model, "-o", self.path("q.onnx"), "--calib", calib,
                             "--report", self.path("cli.html"))[0], 0)
        quantc.quantize(model, np.load(calib), report=self.path("py.html"))
        self.assertEqual(self.read("py.html"), self.read("cli.html"))
        self.assertTrue(self.read("py.html").startswith(b"<!DOCTYPE html>"))


class Errors(Base):
    """Every exit-code category raises its quantc.Error subclass with the
    command's message (the data's source named as Python knows it)."""

    def assert_same_error(self, cls, cli_args, call, replace=()):
        code, message = cli_error(*cli_args)
        for old, new in replace:
            message = message.replace(old, new)
        with self.assertRaises(cls) as ctx:
            call()
        self.assertIsInstance(ctx.exception, quantc.Error)
        self.assertEqual(ctx.exception.exit_code, code)
        self.assertEqual(str(ctx.exception), message)

    def good(self):
        return os.path.join(BAD, "good.onnx"), np.load(os.path.join(BAD, "calib_good.npy"))

    def test_usage(self):
        model, calib = self.good()
        self.assert_same_error(
            quantc.UsageError,
            ["quantize", model, "-o", self.path("q.onnx"), "--calib=x.npy", "--weight-bits=5"],
            lambda: quantc.quantize(model, calib, weight_bits=5))
        self.assert_same_error(
            quantc.UsageError,
            ["quantize", model, "-o", self.path("q.onnx"), "--calib=x.npy", "--input-mode=prequantized"],
            lambda: quantc.quantize(model, calib, input_mode="prequantized"))
        self.assert_same_error(
            quantc.UsageError, ["convert", model, "-o", self.path("c.onnx"), "--print-ir-after=nope"],
            lambda: quantc.convert(model, print_ir_after="nope"))
        with self.assertRaisesRegex(quantc.UsageError, "unknown option 'bogus'"):
            quantc.quantize(model, calib, bogus=1)
        with self.assertRaisesRegex(quantc.UsageError, "option 'output' does not apply here"):
            quantc.quantize(model, calib, output="x.onnx")
        with self.assertRaisesRegex(quantc.UsageError, "option 'verbose' takes True or False"):
            quantc.quantize(model, calib, verbose="yes")
        with self.assertRaisesRegex(quantc.UsageError, "option 'weight_bits' needs a value"):
            quantc.quantize(model, calib, weight_bits=True)
        with self.assertRaises(ValueError):  # UsageError is a ValueError too
            quantc.quantize(model, calib, target="npu9")

    def test_invalid_calibration_arrays(self):
        model, _ = self.good()
        for bad in ("calib_int64.npy", "calib_wrong_shape.npy", "calib_nan.npy", "calib_empty.npy"):
            path = os.path.join(BAD, bad)
            self.assert_same_error(
                quantc.InvalidInputError,
                ["quantize", model, "-o", self.path("q.onnx"), "--calib", path],
                lambda: quantc.quantize(model, np.load(path)), replace=[(path, "calib")])
        # By name, as --calib NAME=FILE.
        path = os.path.join(BAD, "calib_int64.npy")
        self.assert_same_error(
            quantc.InvalidInputError,
            ["quantize", model, "-o", self.path("q.onnx"), "--calib", "x=" + path],
            lambda: quantc.quantize(model, {"x": np.load(path)}), replace=[(path, "calib['x']")])
        with self.assertRaisesRegex(quantc.InvalidInputError,
                                    "calib names input 'nope', which the model does not have"):
            quantc.quantize(model, {"nope": np.load(os.path.join(BAD, "calib_good.npy"))})

    def test_invalid_run_arrays(self):
        model, _ = self.good()
        for bad in ("calib_int64.npy", "calib_wrong_shape.npy"):
            path = os.path.join(BAD, bad)
            self.assert_same_error(
                quantc.InvalidInputError, ["run", model, "--input", path, "-o", self.path("r")],
                lambda: quantc.run(model, np.load(path)), replace=[(path, "inputs")])
        with self.assertRaisesRegex(quantc.InvalidInputError, "has no quantc element type"):
            quantc.run(model, np.zeros((1, 2, 4, 4), np.complex64))

    def test_invalid_and_unsupported_models(self):
        _, calib = self.good()
        for name, cls in (("truncated.onnx", quantc.InvalidInputError),
                          ("cycle.onnx", quantc.InvalidInputError),
                          ("unsupported_op.onnx", quantc.UnsupportedError),
                          ("opset_too_new.onnx", quantc.UnsupportedError),
                          ("old_opset_tile.onnx", quantc.UnsupportedError)):
            path = os.path.join(BAD, name)
            self.assert_same_error(cls, ["quantize", path, "-o", self.path("q.onnx"), "--calib",
                                         os.path.join(BAD, "calib_good.npy")],
                                   lambda: quantc.quantize(path, calib))
        with open(os.path.join(BAD, "random.onnx"), "rb") as f:
            with self.assertRaisesRegex(quantc.InvalidInputError,
                                        r"^<model bytes>: not a valid ONNX model"):
                quantc.inspect(f.read())
        with self.assertRaises(TypeError):
            quantc.inspect(42)

    def test_internal(self):
        model, calib = self.good()
        report = self.path("no/such/dir/r.json")
        self.assertEqual(cli("quantize", model, "-o", self.path("q.onnx"), "--calib",
                             os.path.join(BAD, "calib_good.npy"), "--report", report)[0], 1)
        with self.assertRaises(quantc.InternalError) as ctx:
            quantc.quantize(model, calib, report=report)
        self.assertEqual(ctx.exception.exit_code, 1)


class Behaviour(Base):
    def test_gil_released(self):
        model = os.path.join(CNN, "model.onnx")
        calib = np.load(os.path.join(CNN, "calib.npy"))
        ticks, stop, running = [0], threading.Event(), threading.Event()

        def spin():
            running.set()
            while not stop.is_set():
                ticks[0] += 1

        # A long switch interval: a thread holding the GIL keeps it (Python
        # code here never blocks), so the spinner counts only while quantc
        # has released it.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(1.0)
        t = threading.Thread(target=spin)
        try:
            t.start()
            running.wait()
            before = ticks[0]
            quantc.quantize(model, calib)
            during = ticks[0] - before
        finally:
            stop.set()
            t.join()
            sys.setswitchinterval(interval)
        self.assertGreater(during, 1000)

    def test_progress(self):
        model = os.path.join(CNN, "model.onnx")
        calls = []
        quantc.quantize(model, np.load(os.path.join(CNN, "calib.npy")),
                        progress=lambda *a: calls.append(a))
        calibrate = [c for c in calls if c[0] == "calibrate"]
        report = [c for c in calls if c[0] == "report"]
        self.assertEqual(calibrate[-1], ("calibrate", 500, 500))
        # The report measures 16 evenly spaced samples unless told otherwise.
        self.assertEqual(len(report), 16)
        self.assertEqual(calls[-1], ("report", 16, 16))
        self.assertEqual(calls.index(report[0]), len(calibrate))  # calibration first
        calls.clear()
        quantc.quantize(model, np.load(os.path.join(CNN, "calib.npy")), report_samples=0,
                        progress=lambda *a: calls.append(a))
        self.assertEqual(calls[-1], ("report", 500, 500))

    def test_progress_exception_is_raised(self):
        model, calib = os.path.join(CNN, "model.onnx"), np.load(os.path.join(CNN, "calib.npy"))

        def boom(stage, done, total):
            raise KeyError("stop")

        with self.assertRaises(KeyError):
            quantc.quantize(model, calib, progress=boom)

    def test_warnings_are_python_warnings(self):
        model = os.path.join(BAD, "good.onnx")
        calib = np.load(os.path.join(BAD, "calib_good.npy"))
        m = onnx.load(model)
        m.opset_import[0].version = 7  # per-channel needs 13: upgraded, so no warning
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            quantc.quantize(m, calib)
        self.assertEqual([w for w in caught if issubclass(w.category, quantc.QuantizationWarning)], [])
        # A repair costing more than 1 dB warns, as the command does.
        reg = os.path.join(ROOT, "tests", "quantize")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = quantc.quantize(os.path.join(reg, "bias_overflow.onnx"),
                                np.load(os.path.join(reg, "calib_small.npy")))
        texts = [str(w.message) for w in caught if issubclass(w.category, quantc.QuantizationWarning)]
        self.assertTrue(any("int32" in t for t in texts), texts)
        self.assertTrue(any(d["severity"] == "warning" for d in r.report["diagnostics"]))

    def test_deterministic_and_help(self):
        model, calib = os.path.join(CNN, "model.onnx"), np.load(os.path.join(CNN, "calib.npy"))
        self.assertEqual(quantc.quantize(model, calib).model, quantc.quantize(model, calib).model)
        self.assertEqual(quantc.help("quantize"), cli("quantize", "--help")[1])
        self.assertIn("canonicalize", quantc.list_passes())
        self.assertIn("Conv", quantc.supported_ops())

    def test_example_script(self):
        p = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "python", "examples",
                                                              "quantize_digits.py"), self.dir],
                           capture_output=True, text=True, env=os.environ)
        self.assertEqual(p.returncode, 0, p.stderr)
        acc = dict(re.findall(r"^(float|int8) accuracy +([0-9.]+)$", p.stdout, re.M))
        self.assertEqual(set(acc), {"float", "int8"}, p.stdout)
        self.assertGreater(float(acc["float"]), 0.9)
        self.assertGreater(float(acc["int8"]), float(acc["float"]) - 0.02)
        self.assertTrue(os.path.getsize(self.path("report.html")) > 10000)


if __name__ == "__main__":
    unittest.main()
