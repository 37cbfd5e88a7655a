/* Bare-metal harness for the C that `quantc compile --name=net --io=float`
 * emits, run under qemu-system-arm with semihosting:
 *
 *   -semihosting-config enable=on,target=native,arg=h,arg=IN.f32,arg=N,arg=OUT.i8
 *
 * Reads N float32 samples from IN.f32 on the host, runs each through
 * net_quantize_input + net_run, writes the int8 codes to OUT.i8 and prints
 *
 *   calibration_insns=<k> calibration_ticks=<t> run_ticks=<sum over samples>
 *
 * The ticks are SysTick counts of QEMU's virtual clock; under `-icount
 * shift=0` that clock advances 1 ns per executed instruction, so the
 * calibration loop (exactly k instructions) gives instructions per tick. */
#include <stdint.h>

#include "net.h"
#include "semihost.h"

#define SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t*)0xE000E018u)

static float x[NET_INPUT_SIZE];
static int8_t codes[NET_INPUT_SIZE];
static int8_t y[NET_OUTPUT_SIZE];
static uint32_t arena_words[(NET_ARENA_SIZE + 3) / 4 + 1];

/* Restarts SysTick from its 24-bit maximum; ticks() counts up from 0. */
static void ticks_reset(void) {
  SYST_CSR = 0;
  SYST_RVR = 0xFFFFFFu;
  SYST_CVR = 0;
  SYST_CSR = 5; /* enable, processor clock, no interrupt */
  while (SYST_CVR == 0) {
  }
}
static uint32_t ticks(void) { return 0xFFFFFFu - SYST_CVR; }

/* 200000 instructions (and a few to set up): subs, bne 100000 times. */
static void calibration_loop(void) {
  uint32_t k = 100000u;
  __asm__ volatile(".syntax unified\n1: subs %0, %0, #1\n bne 1b\n" : "+l"(k) : : "cc");
}

static int parse(const char* s, long* v) {
  long n = 0;
  if (*s == 0) return 0;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9') return 0;
    n = n * 10 + (*s - '0');
  }
  *v = n;
  return 1;
}

int main(void) {
  static char cmd[512];
  char* argv[5];
  int argc = 0, in, out;
  long n, i;
  uint32_t run = 0, calib;
  char* p = cmd;
  if (sh_cmdline(cmd, sizeof cmd) != 0) return 1;
  while (*p && argc < 5) {
    while (*p == ' ') *p++ = 0;
    if (*p) argv[argc++] = p;
    while (*p && *p != ' ') ++p;
  }
  if (argc != 4 || !parse(argv[2], &n)) {
    sh_puts("usage: h IN.f32 N OUT.i8\n");
    return 1;
  }
  in = sh_open(argv[1], 0);
  out = sh_open(argv[3], 1);
  if (in < 0 || out < 0) {
    sh_puts("harness: cannot open files\n");
    return 1;
  }
  ticks_reset();
  calibration_loop();
  calib = ticks();
  for (i = 0; i < n; ++i) {
    uint32_t t;
    if (sh_read(in, x, (int)sizeof x) != (int)sizeof x) {
      sh_puts("harness: short input\n");
      return 1;
    }
    net_quantize_input(x, codes);
    ticks_reset();
    if (net_run(codes, y, arena_words) != NET_OK) return 1;
    t = ticks();
    run += t;
    if (sh_write(out, y, NET_OUTPUT_SIZE) != NET_OUTPUT_SIZE) return 1;
  }
  sh_close(in);
  sh_close(out);
  sh_puts("calibration_insns=200000 calibration_ticks=");
  sh_put_uint(calib);
  sh_puts(" run_ticks=");
  sh_put_uint(run);
  sh_puts("\n");
  return 0;
}
