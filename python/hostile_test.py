"""The hostile models of tests/bad_models/hostile.tsv (one or more per crash
class of issue 11) through the Python module's entry points, as
tests/cli_test.sh runs them through the command: convert, inspect, run and
quantize must return (where the manifest's exit code is 0) or raise the
quantc.Error subclass of that exit code, naming the model and the node;
compile must raise exactly what the command prints. A crash would end this
process, and with it the test. The out-of-memory case runs in a child
Python under a 4 GB address-space limit, as the command does."""
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import quantc

QUANTC = os.environ["QUANTC"]
BAD = os.path.join(os.environ["ROOT"], "tests", "bad_models")
SANITIZED = os.environ.get("QUANTC_SANITIZED") == "1"
AS_LIMIT = 4 << 30

CALLS = {
    "convert": lambda m, x: quantc.convert(m),
    "inspect": lambda m, x: quantc.inspect(m),
    "run": lambda m, x: quantc.run(m, x),
    "quantize": lambda m, x: quantc.quantize(m, x),
}

# The out-of-memory case in a child: argv = model, input, command.
CHILD = """
import sys, numpy as np, quantc
calls = {"run": lambda m, x: quantc.run(m, x), "quantize": lambda m, x: quantc.quantize(m, x),
         "convert": lambda m, x: quantc.convert(m), "inspect": lambda m, x: quantc.inspect(m)}
try:
    calls[sys.argv[3]](sys.argv[1], np.load(sys.argv[2]))
    print(0)
except quantc.Error as e:
    print(e.exit_code)
    print(e)
"""


def manifest():
    """[(name, {command: allowed exit codes}, fragments, flags)]."""
    cases = []
    with open(os.path.join(BAD, "hostile.tsv")) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            name, *codes, fragment, flags = line.rstrip("\n").split("\t")
            want = {c: {int(v) for v in code.split("|")} for c, code in zip(CALLS, codes)}
            cases.append((name, want, fragment.split("|"), flags.split(",")))
    return cases


def limit_address_space():
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


class HostileModels(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def stage(self, name, flags):
        """The model, its input and ext_weights.bin copied to a fresh folder
        (plus the symlink or FIFO the case needs); returns (model, input)."""
        d = os.path.join(self.tmp.name, name)
        os.makedirs(d)
        for f in (name + ".onnx", name + ".input.npy", "ext_weights.bin"):
            shutil.copy(os.path.join(BAD, f), d)
        if "setup=symlink" in flags:
            outside = os.path.join(self.tmp.name, "outside")
            os.makedirs(outside, exist_ok=True)
            shutil.copy(os.path.join(BAD, "ext_weights.bin"), os.path.join(outside, "weights.bin"))
            os.symlink(outside, os.path.join(d, "escape"))
        if "setup=fifo" in flags:
            os.mkfifo(os.path.join(d, "fifo.bin"))
        return os.path.join(d, name + ".onnx"), os.path.join(d, name + ".input.npy")

    def check_error(self, label, error, codes, model, fragments):
        self.assertIn(error.exit_code, codes - {0}, "%s: %s" % (label, error))
        self.assertIsInstance(error, quantc.Error)
        self.assertTrue(str(error).startswith(model + ": "), "%s: %s" % (label, error))
        for frag in fragments:
            self.assertIn(frag, str(error), label)

    def test_entry_points(self):
        cases = manifest()
        self.assertGreaterEqual(len(cases), 30, "hostile.tsv missing or truncated")
        for name, want, fragments, flags in cases:
            if "ulimit" in flags:
                continue  # test_out_of_memory
            model, inp = self.stage(name, flags)
            x = np.load(inp)
            for command, call in CALLS.items():
                label = "%s %s" % (name, command)
                with self.subTest(label):
                    try:
                        out = call(model, x)
                    except quantc.Error as e:
                        self.check_error(label, e, want[command], model, fragments)
                        continue
                    self.assertIn(0, want[command], label + " returned")
                    if command == "run" and "expect" in flags:
                        np.testing.assert_array_equal(
                            out["y"], np.load(os.path.join(BAD, name + ".expected.npy")))
            with self.subTest(name + " compile"):
                p = subprocess.run([QUANTC, "compile", model, "-o", model + ".c"],
                                   capture_output=True, text=True)
                cli_message = re.search(r"^quantc: error: (.*)$", p.stderr, re.M).group(1)
                with self.assertRaises(quantc.Error) as ctx:
                    quantc.compile(model)
                self.assertEqual((ctx.exception.exit_code, str(ctx.exception)),
                                 (p.returncode, cli_message))

    @unittest.skipIf(SANITIZED, "ASan reserves terabytes of address space")
    def test_out_of_memory(self):
        """QUANTC_MAX_TENSOR_BYTES (8 GiB here) reaches the module as the
        command: the allocation fails under the 4 GB limit, which is the
        command's out-of-memory error, never a crash."""
        cases = [c for c in manifest() if "ulimit" in c[3]]
        self.assertTrue(cases)
        for name, want, fragments, flags in cases:
            model, inp = self.stage(name, flags)
            env = dict(os.environ)
            env.update(f[len("env="):].split("=", 1) for f in flags if f.startswith("env="))
            for command in CALLS:
                label = "%s %s" % (name, command)
                p = subprocess.run([sys.executable, "-c", CHILD, model, inp, command],
                                   capture_output=True, text=True, env=env, timeout=60,
                                   preexec_fn=limit_address_space)
                self.assertEqual(p.returncode, 0, "%s: %s" % (label, p.stderr[-2000:]))
                code, *message = p.stdout.splitlines()
                self.assertIn(int(code), want[command], "%s: %s" % (label, message))
                if int(code):
                    self.assertTrue(message[0].startswith(model + ": "), message)
                    for frag in fragments:
                        self.assertIn(frag, message[0], label)

    def test_tensor_cap_variable(self):
        """A bad QUANTC_MAX_TENSOR_BYTES fails the import with the command's
        message."""
        env = dict(os.environ, QUANTC_MAX_TENSOR_BYTES="lots")
        p = subprocess.run([sys.executable, "-c", "import quantc"], capture_output=True,
                           text=True, env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("QUANTC_MAX_TENSOR_BYTES='lots' is not a positive byte count", p.stderr)
        p = subprocess.run([QUANTC, "inspect", os.path.join(BAD, "good.onnx")],
                           capture_output=True, text=True, env=env)
        self.assertEqual(p.returncode, 2)
        self.assertIn("QUANTC_MAX_TENSOR_BYTES='lots' is not a positive byte count", p.stderr)


if __name__ == "__main__":
    unittest.main()
