#!/usr/bin/python3
"""Quantize the shipped digits CNN from Python; print float vs int8 accuracy.

    /usr/bin/python3 python/examples/quantize_digits.py [OUT_DIR]

writes OUT_DIR/digits_cnn_int8.onnx and OUT_DIR/report.html (default
/tmp/quantc-python-example). Accuracy is measured with quantc's reference
interpreter on the fixture's held-out test split.
"""
import os
import sys

import numpy as np

import quantc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(os.environ.get("QUANTC_FIXTURES", os.path.join(ROOT, "tests", "fixtures")),
                       "digits_cnn")


def accuracy(model, x, y):
    logits = next(iter(quantc.run(model, x).values()))  # (N, 10), one run per sample
    return float(np.mean(logits.reshape(len(y), -1).argmax(axis=1) == y))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/quantc-python-example"
    os.makedirs(out, exist_ok=True)
    model = os.path.join(FIXTURE, "model.onnx")
    calib = np.load(os.path.join(FIXTURE, "calib.npy"))
    x, y = np.load(os.path.join(FIXTURE, "test_x.npy")), np.load(os.path.join(FIXTURE, "test_y.npy"))

    result = quantc.quantize(model, calib, target="generic",
                             report=os.path.join(out, "report.html"))
    with open(os.path.join(out, "digits_cnn_int8.onnx"), "wb") as f:
        f.write(result.model)

    print("quantc %s, %d calibration samples, output SQNR %.1f dB (on %d of them)"
          % (quantc.__version__, result.report["calibration_samples"],
             result.report["outputs"][0]["sqnr_db"], result.report["samples"]))
    print("float accuracy %.4f" % accuracy(model, x, y))
    print("int8 accuracy  %.4f" % accuracy(result.model, x, y))
    print("wrote %s/digits_cnn_int8.onnx and %s/report.html" % (out, out))


if __name__ == "__main__":
    main()
