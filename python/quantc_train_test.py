"""quantc.train and quantc.eval against the quantc command (python_test.sh
runs this with quantc_test.py): the same model and report bytes, the same
errors as quantc.Error subclasses, and libtorch never loaded into Python."""
import json
import os
import subprocess
import time
import unittest

import numpy as np

import quantc
from quantc_test import FIXTURES, QUANTC, ROOT, Base, cli, cli_error

BAD = os.path.join(ROOT, "tests", "train", "bad_data")
DIGITS = os.path.join(FIXTURES, "digits_cnn")
MODEL = os.path.join(DIGITS, "model.onnx")


def npy(name, folder=DIGITS):
    return os.path.join(folder, name)


class Eval(Base):
    def test_same_as_command(self):
        _, out, _ = cli("eval", MODEL, "--data", npy("test_x.npy"), "--labels", npy("test_y.npy"))
        r = quantc.eval(MODEL, np.load(npy("test_x.npy")), np.load(npy("test_y.npy")))
        self.assertEqual(out.strip(), "top1 %.2f%% (%d/%d)" % (r.value, r.correct, r.samples))
        self.assertEqual(r.metric, "top1")
        self.assertEqual(quantc.eval(MODEL, npy("test_x.npy"), npy("test_y.npy")), r)  # paths
        with open(MODEL, "rb") as f:
            self.assertEqual(quantc.eval(f.read(), npy("test_x.npy"), npy("test_y.npy")), r)

    def test_mse_and_progress(self):
        x = np.load(os.path.join(BAD, "x.npy"))
        logits = np.stack([quantc.run(MODEL, s[None])["logits"][0] for s in x])
        calls = []
        r = quantc.eval(MODEL, x, logits + 1, metric="mse", progress=lambda *a: calls.append(a))
        self.assertEqual(r.metric, "mse")
        self.assertAlmostEqual(r.value, 1.0, places=6)
        self.assertEqual(calls[-1], ("evaluate", len(x), len(x)))

    def test_errors(self):
        x = np.load(os.path.join(BAD, "x.npy"))
        code, message = cli_error("eval", MODEL, "--data", os.path.join(BAD, "x.npy"),
                                  "--labels", os.path.join(BAD, "y_out_of_range.npy"))
        with self.assertRaises(quantc.InvalidInputError) as ctx:
            quantc.eval(MODEL, x, np.load(os.path.join(BAD, "y_out_of_range.npy")))
        self.assertEqual(ctx.exception.exit_code, code)
        self.assertEqual(str(ctx.exception),
                         message.replace(os.path.join(BAD, "y_out_of_range.npy"), "labels"))
        with self.assertRaisesRegex(quantc.InvalidInputError, "^labels: 39 labels for 40 samples"):
            quantc.eval(MODEL, x, np.load(os.path.join(BAD, "y_short.npy")))
        with self.assertRaisesRegex(quantc.UsageError, "unknown metric 'top5'"):
            quantc.eval(MODEL, x, np.zeros(40, np.int64), metric="top5")
        with self.assertRaisesRegex(quantc.UsageError, "option 'quiet' does not apply here"):
            quantc.eval(MODEL, x, np.zeros(40, np.int64), quiet=True)


class Train(Base):
    """Two epochs on the digits CNN (1347 samples): a few seconds each."""

    FLAGS = ["--epochs", "2", "--threads", "1", "--seed", "3", "--target=tinpu", "--weight-bits=4"]

    def command(self, *extra):
        code, out, err = cli("train", MODEL, "-o", self.path("cli.onnx"), "--train",
                             npy("train_x.npy"), "--labels", npy("train_y.npy"), *self.FLAGS,
                             *extra)
        self.assertEqual(code, 0, err)
        return out.strip()

    def test_same_bytes_and_report_as_command(self):
        summary = self.command("--report", self.path("cli.json"))
        r = quantc.train(MODEL, np.load(npy("train_x.npy")), np.load(npy("train_y.npy")), "tinpu",
                         epochs=2, threads=1, seed=3, weight_bits=4, quiet=True,
                         report=[self.path("py.json"), self.path("py.html")])
        self.assertEqual(r.model, self.read("cli.onnx"))
        self.assertEqual(self.read("py.json"), self.read("cli.json"))
        self.assertEqual(r.report, json.loads(self.read("cli.json")))
        self.assertEqual(summary, "float %.2f%%, fake-quant %.2f%%, emitted %.2f%%" % (
            r.report["final"]["float"], r.report["final"]["fake_quant"],
            r.report["final"]["emitted"]))
        self.assertEqual([e["epoch"] for e in r.report["epochs"]], [0, 1, 2])
        self.assertIn(b'id="loss-curve"', self.read("py.html"))
        # The emitted model scores what the report says, with quantc.eval.
        self.assertAlmostEqual(quantc.eval(r.model, npy("train_x.npy"), npy("train_y.npy")).value,
                               r.report["final"]["emitted"], places=4)

    def test_paths_bytes_and_validation_data(self):
        with open(MODEL, "rb") as f:
            blob = f.read()
        x, y = np.load(npy("train_x.npy"))[:300], np.load(npy("train_y.npy"))[:300]
        calls = []
        r = quantc.train(blob, x, y, epochs=2, threads=1, val_data=npy("test_x.npy"),
                         val_labels=npy("test_y.npy"), quiet=True,
                         progress=lambda *a: calls.append(a))
        self.assertEqual(calls, [("epoch", 0, 2), ("epoch", 1, 2), ("epoch", 2, 2)])
        self.assertEqual(r.report["final"]["data"], "val")
        self.assertTrue(all(e["val"] is not None for e in r.report["epochs"]))
        self.assertEqual(r.report["target"], "generic")

    def test_errors_are_the_commands(self):
        x = np.load(os.path.join(BAD, "x.npy"))
        y = np.load(os.path.join(BAD, "y.npy"))
        cases = [
            (quantc.InvalidInputError, ["--train", os.path.join(BAD, "x_nan.npy"), "--labels",
                                        os.path.join(BAD, "y.npy")],
             (np.load(os.path.join(BAD, "x_nan.npy")), y), {}),
            (quantc.InvalidInputError, ["--train", os.path.join(BAD, "x.npy"), "--labels",
                                        os.path.join(BAD, "y_out_of_range.npy")],
             (x, np.load(os.path.join(BAD, "y_out_of_range.npy"))), {}),
            (quantc.UsageError, ["--train", "x.npy", "--labels", "y.npy", "--weight-bits=3"],
             (x, y), {"weight_bits": 3}),
        ]
        renames = [(os.path.join(BAD, "x_nan.npy"), "data"),
                   (os.path.join(BAD, "y_out_of_range.npy"), "labels")]
        for cls, flags, (data, labels), options in cases:
            code, message = cli_error("train", MODEL, "-o", self.path("x.onnx"), "--epochs=1",
                                      *flags)
            for old, new in renames:
                message = message.replace(old, new)
            with self.assertRaises(cls) as ctx:
                quantc.train(MODEL, data, labels, epochs=1, quiet=True, **options)
            self.assertEqual((ctx.exception.exit_code, str(ctx.exception)), (code, message))
        erf = os.path.join(BAD, "erf_model.onnx")
        code, message = cli_error("train", erf, "-o", self.path("x.onnx"), "--epochs=1",
                                  "--train", os.path.join(BAD, "x.npy"), "--labels",
                                  os.path.join(BAD, "y.npy"))
        with self.assertRaises(quantc.UnsupportedError) as ctx:
            quantc.train(erf, x, y, epochs=1, quiet=True)
        self.assertEqual((ctx.exception.exit_code, str(ctx.exception)), (code, message))
        self.assertIn("node 'erf1' (Erf): unsupported in training", message)
        with self.assertRaisesRegex(quantc.UsageError, "option 'output' does not apply here"):
            quantc.train(MODEL, x, y, epochs=1, output="m.onnx")
        with self.assertRaisesRegex(quantc.UsageError, "--val and --val-labels go together"):
            quantc.train(MODEL, x, y, epochs=1, val_data=x)
        self.assertEqual(os.listdir(self.dir), [])  # nothing written anywhere

    def test_progress_exception_stops_training(self):
        def boom(stage, epoch, epochs):
            if epoch == 1:
                raise KeyError("stop")

        start = time.monotonic()
        with self.assertRaises(KeyError):
            quantc.train(MODEL, npy("train_x.npy"), npy("train_y.npy"), epochs=40, threads=1,
                         quiet=True, progress=boom)
        self.assertLess(time.monotonic() - start, 60)  # 40 epochs would take minutes

    def test_missing_trainer(self):
        old = os.environ.get("QUANTC_TRAIN")
        os.environ["QUANTC_TRAIN"] = self.path("nowhere")
        try:
            with self.assertRaisesRegex(quantc.UnsupportedError, "needs the quantc-train binary"):
                quantc.train(MODEL, npy("train_x.npy"), npy("train_y.npy"), epochs=1)
        finally:
            if old is None:
                del os.environ["QUANTC_TRAIN"]
            else:
                os.environ["QUANTC_TRAIN"] = old

    def test_help(self):
        self.assertEqual(quantc.help("train"), cli("train", "--help")[1])
        self.assertEqual(quantc.help("eval"), cli("help", "eval")[1])


class NoLibtorch(unittest.TestCase):
    def test_import_and_eval_do_not_load_libtorch(self):
        code = ("import numpy as np, quantc; quantc.eval(%r, %r, %r); "
                "print(sum('libtorch' in l for l in open('/proc/self/maps')))"
                % (MODEL, npy("test_x.npy"), npy("test_y.npy")))
        p = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True,
                           env=os.environ)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "0")
        self.assertTrue(os.path.exists(QUANTC))


if __name__ == "__main__":
    unittest.main()
