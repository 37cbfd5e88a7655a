#!/usr/bin/env bash
# Builds quantc's Python module with Bazel and installs it the Debian way:
# as the package python3-quantc, made here with dpkg-deb (no network), into
# /usr/lib/python3/dist-packages/quantc, where Debian's /usr/bin/python3
# finds it. `dpkg -L python3-quantc` lists it; `apt remove python3-quantc`
# removes it. Run as root (tools/setup.sh runs it).
set -euo pipefail
cd "$(dirname "$0")/.."

bazel build //python:_quantc.so //tools:quantc-train
version="$(sed -n 's/.*kQuantcVersion\[\] = "\(.*\)";/\1/p' api/version.h)"
arch="$(dpkg --print-architecture)"
suffix="$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
pyver="$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/python3-quantc"
dest="$root/usr/lib/python3/dist-packages/quantc"
install -d "$dest" "$root/DEBIAN" "$root/usr/share/doc/python3-quantc/examples"
install -m 644 python/quantc/*.py "$dest/"
install -m 644 bazel-bin/python/_quantc.so "$dest/_quantc$suffix"
# quantc.train runs it from the package folder (libtorch stays out of Python).
install -m 755 bazel-bin/tools/quantc-train "$dest/quantc-train"
install -m 644 python/examples/quantize_digits.py "$root/usr/share/doc/python3-quantc/examples/"

# Depends: the packages of the shared libraries the extension and
# quantc-train link (libtorch's for the latter).
deps=()
while read -r lib; do
  pkg="$(dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null || true)"
  [[ -n "$pkg" ]] && deps+=("${pkg%%:*}")
done < <(ldd "$dest/_quantc$suffix" "$dest/quantc-train" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u)
depends="$(printf '%s\n' "${deps[@]}" python3-numpy | sort -u | paste -sd, | sed 's/,/, /g')"
next="${pyver%.*}.$((${pyver#*.} + 1))"
cat >"$root/DEBIAN/control" <<CONTROL
Package: python3-quantc
Version: ${version}-1~local
Architecture: ${arch}
Maintainer: quantc developers <quantc@localhost>
Section: python
Priority: optional
Depends: python3 (>= ${pyver}), python3 (<< ${next}), ${depends}
Description: quantize neural networks for microcontrollers (Python module)
 quantc's Python module: quantize, run, inspect, convert, compile, evaluate
 and train (quantization-aware) ONNX models from numpy, with the same code,
 options and errors as the quantc command. Built locally from the quantc
 source tree.
CONTROL
deb="$stage/python3-quantc_${version}-1~local_${arch}.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
dpkg -i "$deb" >/dev/null
/usr/bin/python3 -c 'import quantc; print("python3-quantc", quantc.__version__, "installed:", quantc.__file__)'
