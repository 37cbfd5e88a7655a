#!/usr/bin/env python3
"""Renders tests/accuracy/results.tsv (written by evaluate.sh) as RESULTS.md.

    render_results.py RESULTS.tsv [--bench=SECONDS] [--ort=VERSION]
                      [--commit=TEXT] [--has-run=0|1] [--imported=IMPORTED.tsv] > RESULTS.md

Standard library only. Each accuracy cell is "opt=disabled / opt=all"; the
best observer has the highest opt=disabled accuracy, ties broken by the
smallest mean |logit - float logit|.
"""
import argparse
import csv
import sys

OBSERVERS = ["minmax", "ema", "percentile", "mse", "entropy"]
VARIANTS = ["w7", "w4", "power2", "uint8"]
TINPU = ["tinpu_w8", "tinpu_w4"]  # --target=tinpu (TI NPU integer ONNX)
LABELS = {
    "float": "float",
    "minmax": "int8 minmax (default)",
    "ema": "ema",
    "percentile": "percentile",
    "mse": "mse",
    "entropy": "entropy",
    "w7": "7-bit weights",
    "w4": "4-bit weights",
    "power2": "power-of-2 scales",
    "uint8": "uint8 activations",
    "tinpu_w8": "TINPU 8-bit weights",
    "tinpu_w4": "TINPU 4-bit weights",
}
TOLERANCE_PP = 1.0  # the acceptance criterion for the default configuration
TINPU_TOLERANCE_PP = 1.5  # //tests/tinpu:tinpu_test's, at 8-bit weights


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def pct(s):
    v = num(s)
    return "ERR" if v is None else f"{100 * v:.2f}"


def fmt(s, digits=4):
    v = num(s)
    if v is None:
        return s if s in ("-",) else "ERR"
    return f"{v:.{digits}f}"


def short(s):
    v = num(s)
    return "ERR" if v is None else f"{v:g}"


def cell(row):
    d, a = pct(row["acc_disabled"]), pct(row["acc_all"])
    return f"**{d}** / {a}" + (" ⚠" if a != d else "")


def imported_section(path, w):
    """Models quantized elsewhere (tests/imported/import_test.sh's numbers)."""
    try:
        with open(path) as f:
            rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    except OSError:
        w("## Models quantized elsewhere")
        w("")
        w(f"not measured (`{path}` missing: tests/imported/import_test.sh did not run)")
        w("")
        return
    imp = [r for r in rows if r[0] == "import"]
    qat = [r for r in rows if r[0] == "qat"]
    w("## Models quantized elsewhere")
    w("")
    w("`quantc quantize MODEL --target=generic|tinpu` on models quantized by other tools")
    w("(`tests/imported`, README \"Models quantized elsewhere\"), no calibration data except")
    w("`mixed` (a float tensor between quantized regions needs `--calib`). Accuracy in %,")
    w("ORT opt=disabled; *source* is the imported model itself. Generic: argmax equal to the")
    w("source's on that share of samples. TINPU: the exact integer evaluation equals ORT")
    w("opt=disabled, opt=all and `quantc run` on that many of 3 (for `mixed`, on the integers")
    w("its final float Softmax reads). Asserted by `bazel test //tests/imported:import_test`")
    w("(generic within 0.2 points of the source and >= 99% argmax equal; TINPU within 0.5).")
    w("")
    w("| fixture | source | generic | argmax = source | TINPU | TINPU exact | TINPU warnings |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    by = {(r[1], r[2]): r for r in imp}
    for fx in dict.fromkeys(r[1] for r in imp):
        g, t = by.get((fx, "generic")), by.get((fx, "tinpu"))
        src = (g or t)[3]
        w(f"| {fx} | {pct(src)} | {pct(g[4]) if g else '-'} | {pct(g[5]) + '%' if g else '-'} "
          f"| {pct(t[4]) if t else '-'} | {t[6] if t else '-'} | {t[7] if t else '-'} |")
    w("")
    if qat:
        w("### QAT in PyTorch, imported, against quantc's own PTQ of the same float model")
        w("")
        w("`float.onnx` is the float model each QAT run started from (trained on four fifths")
        w("of the training split; the QAT learning rate and length were chosen on the last")
        w("fifth, then QAT ran on the whole split, as a user would). quantc PTQ calibrates")
        w("that float model on `calib.npy`.")
        w("")
        w("| fixture | float | quantc PTQ generic | imported QAT generic | quantc PTQ TINPU | imported QAT TINPU |")
        w("|---|---:|---:|---:|---:|---:|")
        qb = {(r[1], r[2]): r for r in qat}
        for fx in dict.fromkeys(r[1] for r in qat):
            g, t = qb.get((fx, "generic")), qb.get((fx, "tinpu"))
            w(f"| {fx} | {pct((g or t)[5])} | {pct(g[4]) if g else '-'} | **{pct(g[3]) if g else '-'}** "
              f"| {pct(t[4]) if t else '-'} | **{pct(t[3]) if t else '-'}** |")
        w("")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("tsv")
    p.add_argument("--bench", default="-")
    p.add_argument("--ort", default="?")
    p.add_argument("--commit", default="?")
    p.add_argument("--has-run", default="0")
    p.add_argument("--imported", default="")
    args = p.parse_args()

    with open(args.tsv, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    fixtures = list(dict.fromkeys(r["fixture"] for r in rows))
    by = {(r["fixture"], r["config"]): r for r in rows}
    out = []
    w = out.append

    w("# quantc accuracy results")
    w("")
    w("Generated by `tests/accuracy/evaluate.sh`; do not edit by hand. Regenerate with")
    w("`bash tests/accuracy/evaluate.sh` (builds `//tools:quantc`, then about 40")
    w("seconds on 2 cores); the raw numbers are in `tests/accuracy/results.tsv`. The")
    w("acceptance criteria are asserted by `bazel test //tests/accuracy:accuracy_test`.")
    w("")
    w(f"quantc at {args.commit}; ONNX Runtime {args.ort} (onnxruntime-node), one")
    w("thread, one sample per run. Accuracy is top-1 on each fixture's test split")
    w("(`tests/fixtures/<name>/test_{x,y}.npy`); models are calibrated on `calib.npy`.")
    w("")
    w("Each cell reads **opt=disabled** / opt=all:")
    w("")
    w("* **opt=disabled** (`graphOptimizationLevel: disabled`): ORT executes the QDQ")
    w("  graph literally, QuantizeLinear/DequantizeLinear around float kernels, which")
    w("  is the exact arithmetic the QDQ model specifies. This is the accuracy judge.")
    w("* opt=all: ORT's default session, which fuses Q/DQ groups into integer")
    w("  kernels (QLinearConv, QGemm, ...). On this non-VNNI x86 CPU those kernels can")
    w("  saturate 16-bit pair sums and round differently, so the number may differ;")
    w("  it is shown for information only (⚠ marks a difference).")
    w("")

    w("## Accuracy (%)")
    w("")
    cols = ["float"] + OBSERVERS + ["best observer"] + VARIANTS + TINPU
    w("| fixture | n | " + " | ".join(LABELS.get(c, c) for c in cols) + " |")
    w("|---|---:|" + "---:|" * len(cols))
    best_of = {}
    for fx in fixtures:
        cells = []
        for c in cols:
            if c == "best observer":
                cand = [by[(fx, o)] for o in OBSERVERS if (fx, o) in by
                        and num(by[(fx, o)]["acc_disabled"]) is not None]
                if not cand:
                    cells.append("ERR")
                    continue
                top = max(num(r["acc_disabled"]) for r in cand)
                tied = [r for r in cand if num(r["acc_disabled"]) == top]
                best = min(tied, key=lambda r: num(r["float_mean_diff"]) or float("inf"))
                best_of[fx] = best["config"]
                note = f" (tie of {len(tied)})" if len(tied) > 1 else ""
                cells.append(f"{best['config']} {pct(best['acc_disabled'])}{note}")
            elif (fx, c) in by:
                cells.append(cell(by[(fx, c)]))
            else:
                cells.append("-")
        n = by.get((fx, "float"), {}).get("n", "-")
        w(f"| {fx} | {n} | " + " | ".join(cells) + " |")
    w("")
    w("Best observer: highest opt=disabled accuracy; a tie goes to the observer whose")
    w("logits are closest to the float model's (smallest mean |Δlogit| below). The TINPU")
    w("columns are `--target=tinpu` (TI's NPU integer ONNX, see the next section); all")
    w("other columns are the generic int8 QDQ target.")
    w("")

    w("## TINPU target")
    w("")
    w("`quantc quantize --target=tinpu [--weight-bits=4]`: TI's NPU integer ONNX format")
    w("(float32 tensors holding integers, offset-scale-shift requantization), integer")
    w("outputs (the last layer's int8 logits). Accuracy in % (points vs float); the")
    w("generic int8 default is repeated for comparison. Bit-exactness columns: largest")
    w("|Δ| between ORT opt=all and opt=disabled, and between `quantc run` and ORT")
    w("opt=disabled, over every logit of the test split (0 = identical).")
    w("`bazel test //tests/tinpu:tinpu_test` asserts bit-exactness against an independent")
    w("integer evaluator, the format rules, and accuracy within "
      f"{TINPU_TOLERANCE_PP:g} points of float at 8-bit")
    w("weights.")
    w("")
    w("| fixture | float | generic int8 | TINPU 8-bit | TINPU 4-bit | 8-bit: opt=all / run max \\|Δ\\| "
      "| 4-bit: opt=all / run max \\|Δ\\| | bytes 8-bit / 4-bit |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    for fx in fixtures:
        f = num(by.get((fx, "float"), {}).get("acc_disabled"))

        def acc_delta(cfg):
            r = by.get((fx, cfg))
            d = num(r["acc_disabled"]) if r else None
            if d is None:
                return "ERR" if r else "-"
            delta = "" if f is None else f" ({100 * (d - f):+.2f})"
            return f"{100 * d:.2f}{delta}"

        def exactness(cfg):
            r = by.get((fx, cfg))
            if not r:
                return "-"
            run = "n/a" if r["run_max_diff"] == "-" else short(r["run_max_diff"])
            return f"{short(r['all_vs_disabled_max_diff'])} / {run}"

        sizes = " / ".join(by[(fx, c)]["model_bytes"] if (fx, c) in by else "-" for c in TINPU)
        w(f"| {fx} | {pct(by.get((fx, 'float'), {}).get('acc_disabled'))} | {acc_delta('minmax')} "
          f"| {acc_delta('tinpu_w8')} | {acc_delta('tinpu_w4')} | {exactness('tinpu_w8')} "
          f"| {exactness('tinpu_w4')} | {sizes} |")
    w("")

    w("## Details")
    w("")
    w("Quantize wall time and warning count (`quantc: warning:` lines, e.g. the non-VNNI")
    w("saturation warning); output size; `quantc inspect` exit code (its import runs the")
    w("ONNX checker); agreement of top-1 with the float model and |Δlogit| against it")
    w("(both opt=disabled); opt=all against opt=disabled; `quantc run` (reference")
    w("interpreter) against ORT opt=disabled. TINPU models output the last layer's")
    w("integers, not real values, so their |Δlogit| against the float model only shows")
    w("the output scale (the top-1 agreement still compares).")
    w("")
    w("| fixture | config | quantize s | warnings | bytes | inspect | top-1 = float | mean / max \\|Δlogit\\| vs float "
      "| opt=all vs disabled: agree / max \\|Δ\\| | quantc run vs ORT: agree / max \\|Δ\\| |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        run = ("n/a" if r["run_agree"] == "-" else
               f"{pct(r['run_agree'])}% / {fmt(r['run_max_diff'], 6)}")
        w(f"| {r['fixture']} | {r['config']} | {r['quantize_s']} | {r['quantize_warnings']} "
          f"| {r['model_bytes']} "
          f"| {r['inspect_rc']} | {pct(r['float_agree'])}% "
          f"| {fmt(r['float_mean_diff'])} / {fmt(r['float_max_diff'])} "
          f"| {pct(r['all_vs_disabled_agree'])}% / {fmt(r['all_vs_disabled_max_diff'])} | {run} |")
    w("")
    if args.has_run != "1":
        w("`quantc run` was not available in this build, so the interpreter comparison is n/a.")
        w("")

    if args.imported:
        imported_section(args.imported, w)

    w("## Quantize benchmark")
    w("")
    w("`bash tests/accuracy/bench_quantize.sh`: `quantc quantize` of digits_cnn, default")
    w("configuration, 1000 calibration samples (calib.npy + test_x.npy + calib.npy's")
    bench = "not run (`--no-bench`)" if args.bench == "-" else f"**{args.bench} s**"
    w(f"first 50 rows), median of 5 runs: {bench}.")
    w("")

    w("## Flags")
    w("")
    flags = []
    for r in rows:
        fx, c = r["fixture"], r["config"]
        tag = f"{fx} / {c}"
        if r["quantize_rc"] not in ("-", "0"):
            flags.append(f"{tag}: quantize exited {r['quantize_rc']}")
        if r["inspect_rc"] != "0":
            flags.append(f"{tag}: `quantc inspect` exited {r['inspect_rc']}")
        if num(r["acc_disabled"]) is None or num(r["acc_all"]) is None:
            flags.append(f"{tag}: ORT could not run the model")
            continue
        f = num(by.get((fx, "float"), {}).get("acc_disabled"))
        d = num(r["acc_disabled"])
        tolerance = TINPU_TOLERANCE_PP if c in TINPU else TOLERANCE_PP
        if f is not None and 100 * (f - d) > tolerance:
            flags.append(f"{tag}: opt=disabled accuracy {100 * d:.2f}% is "
                         f"{100 * (f - d):.2f} points below float")
        if r["acc_all"] != r["acc_disabled"]:
            flags.append(f"{tag}: opt=all accuracy {pct(r['acc_all'])}% differs from "
                         f"opt=disabled {pct(r['acc_disabled'])}%")
        if r["run_agree"] not in ("-",) and (num(r["run_agree"]) or 0) < 0.995:
            flags.append(f"{tag}: quantc run agrees with ORT on only {pct(r['run_agree'])}% of top-1")
    for line in flags or ["None: every model quantized, loaded, ran in ORT, and stayed within "
                          f"{TOLERANCE_PP:g} point of float ({TINPU_TOLERANCE_PP:g} for TINPU)."]:
        w(f"* {line}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
