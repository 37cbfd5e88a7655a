#!/usr/bin/env bash
# `quantc compile` on emulated microcontrollers, for every fixture x
# {generic, tinpu}:
#   1. the generated C (--io=float) builds with Debian's arm-none-eabi-gcc
#      -std=c99 -Wall -Wextra -Werror -Os for -mcpu=cortex-m4 and
#      -mcpu=cortex-m0plus, with the bare-metal harness in tests/c/target;
#   2. each firmware runs the first $SAMPLES (default 100) test samples under
#      qemu-system-arm (Cortex-M4: mps2-an386; Cortex-M0+ code: microbit,
#      whose Cortex-M0 runs the same ARMv6-M instructions), reading and
#      writing files through semihosting, and its int8 outputs equal the
#      host build's (tests/c/host_main.c) byte for byte;
#   3. prints one README table row: flash bytes of the --io=int8 build for
#      Cortex-M4 -Os (arm-none-eabi-size of NAME_weights.o and of NAME.o +
#      quantc_kernels.o), arena vs lower bound, instructions per inference
#      (QEMU -icount: the harness times each inference with SysTick on the
#      virtual clock, calibrated by a loop of known instruction count; an
#      instruction count, not a cycle count), and agreement with the exact
#      float evaluation on the whole test split (c_tool agreement).
# A missing toolchain or QEMU is a failure, never a skip. Prints
# "N passed, M failed"; exit 1 on any failure. About 2 minutes on 2 cores.
set -uo pipefail
# shellcheck source=tests/c/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TARGET_DIR="$ROOT/tests/c/target"
SAMPLES="${SAMPLES:-100}"

for tool in gcc arm-none-eabi-gcc arm-none-eabi-size qemu-system-arm; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: '$tool' is missing (tools/setup.sh installs gcc, gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm)"
    echo "0 passed, 1 failed"
    exit 1
  fi
done

# cpu | QEMU machine | linker script
BOARDS=("cortex-m4|mps2-an386|mps2_an386" "cortex-m0plus|microbit|microbit")
ARM_FLAGS=(-std=c99 -Wall -Wextra -Werror -Os -mthumb -ffunction-sections -fdata-sections)

# firmware CASE_DIR CPU LDSCRIPT: builds $d/fw_CPU.elf.
firmware() {
  local d="$1" cpu="$2" ld="$3"
  arm-none-eabi-gcc "${ARM_FLAGS[@]}" -mcpu="$cpu" -nostartfiles --specs=nano.specs \
    -T "$TARGET_DIR/$ld.ld" -I"$d/c" -I"$TARGET_DIR" "$TARGET_DIR"/*.c "$d"/c/*.c \
    -Wl,--gc-sections -o "$d/fw_$cpu.elf" 2>"$d/fw_$cpu.err"
}

# flash_bytes FILE.o: text + data.
flash_bytes() { arm-none-eabi-size "$1" | awk 'NR == 2 { print $1 + $2 }'; }

echo "| model | target | flash: weights | flash: code | arena / lower bound (bytes) | instructions per inference, M4 | M0+ | output codes differing from float QDQ | argmax agreement |"
echo "|---|---|---|---|---|---|---|---|---|"
for fixture in digits_cnn digits_cnn1d digits_resnet wine_mlp; do
  for target in generic tinpu; do
    name="${fixture}_$target"
    d="$TMP/$name"
    fx="$FIXTURES_DIR/$fixture"
    mkdir -p "$d"
    if ! "$QUANTC" quantize "$fx/model.onnx" -o "$d/m.onnx" --calib "$fx/calib.npy" -q \
        --target="$target" >/dev/null 2>"$d/q.err"; then
      fail "$name: quantize: $(head -c 300 "$d/q.err")"
      continue
    fi
    if ! "$QUANTC" compile "$d/m.onnx" -o "$d/c" --io=float --name=net --report="$d/r.json" >/dev/null 2>"$d/c.err" ||
       ! "$QUANTC" compile "$d/m.onnx" -o "$d/c8" --io=int8 --name=net >/dev/null 2>>"$d/c.err"; then
      fail "$name: compile: $(head -c 300 "$d/c.err")"
      continue
    fi
    "$C_TOOL" raw "$fx/test_x.npy" "$d/in.f32" "$SAMPLES" || { fail "$name: raw"; continue; }
    n=$(( $(stat -c %s "$d/in.f32") / 4 / $(sed -n "s/#define NET_INPUT_SIZE //p" "$d/c/net.h") ))
    gcc -std=c99 -O2 -I"$d/c" "$ROOT/tests/c/host_main.c" "$d"/c/*.c -o "$d/host" &&
      "$d/host" "$d/in.f32" "$n" "$d/host.i8" || { fail "$name: host build/run"; continue; }
    declare -A insns=()
    for b in "${BOARDS[@]}"; do
      IFS='|' read -r cpu machine ld <<<"$b"
      if ! firmware "$d" "$cpu" "$ld"; then
        fail "$name $cpu: build: $(head -c 600 "$d/fw_$cpu.err")"
        continue
      fi
      pass
      out="$d/qemu_$cpu.txt"
      if ! (cd "$d" && timeout 600 qemu-system-arm -machine "$machine" -nographic -monitor none \
            -serial none -icount shift=0 \
            -semihosting-config "enable=on,target=native,arg=h,arg=in.f32,arg=$n,arg=out_$cpu.i8" \
            -kernel "fw_$cpu.elf" >"$out" 2>&1); then
        fail "$name $cpu: QEMU run failed: $(head -c 300 "$out")"
        continue
      fi
      if cmp -s "$d/out_$cpu.i8" "$d/host.i8"; then
        pass
      else
        fail "$name $cpu: outputs differ from the host's on $n samples"
        continue
      fi
      calib=$(sed -n 's/.*calibration_ticks=\([0-9]*\).*/\1/p' "$out")
      run=$(sed -n 's/.*run_ticks=\([0-9]*\).*/\1/p' "$out")
      insns[$cpu]=$(awk -v r="$run" -v c="$calib" -v n="$n" 'BEGIN { printf "%d", r * 200000 / c / n }')
    done
    for f in net_weights net quantc_kernels; do
      arm-none-eabi-gcc "${ARM_FLAGS[@]}" -mcpu=cortex-m4 -c "$d/c8/$f.c" -I"$d/c8" -o "$d/$f.o"
    done
    weights=$(flash_bytes "$d/net_weights.o")
    code=$(( $(flash_bytes "$d/net.o") + $(flash_bytes "$d/quantc_kernels.o") ))
    report="$(tr -d '\n' <"$d/r.json")"
    agreement=$("$C_TOOL" agreement "$d/m.onnx" "$fx/test_x.npy")
    echo "| $fixture | $target | $weights | $code | $(json_field "$report" arena_bytes) / $(json_field "$report" lower_bound_bytes) | ${insns[cortex-m4]:-?} | ${insns[cortex-m0plus]:-?} | $(json_field "$agreement" output_differ) of $(json_field "$agreement" output_elements) (max $(json_field "$agreement" output_max_lsb) LSB) | $(json_field "$agreement" argmax_agree) |"
    unset insns
  done
done

finish
