/* Host harness for the C that `quantc compile --name=net --io=float` emits.
 *
 *   host_main IN.f32 N OUT.i8 [OUT.f32]
 *
 * Reads N float32 samples (net_quantize_input's input), and for each runs
 * net_quantize_input + net_run on exactly sized heap buffers (so the
 * sanitizers see any access outside the input, output or the
 * NET_ARENA_SIZE arena) and writes the int8 output codes to OUT.i8. It
 * also runs net_run_float on the same sample and checks that its floats are
 * the dequantized codes bit for bit (written to OUT.f32 if given), and
 * checks the API's error returns. Exit 0 on success. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

static int fail(const char* what) {
  fprintf(stderr, "host_main: %s\n", what);
  return 1;
}

int main(int argc, char** argv) {
  FILE *in, *out, *fout = NULL;
  long n, i;
  int j;
  float* x = malloc(sizeof(float) * NET_INPUT_SIZE);
  int8_t* codes = malloc(NET_INPUT_SIZE);
  int8_t* y = malloc(NET_OUTPUT_SIZE);
  float* fy = malloc(sizeof(float) * NET_OUTPUT_SIZE);
  float* dq = malloc(sizeof(float) * NET_OUTPUT_SIZE);
  void* arena = malloc(NET_ARENA_SIZE > 0 ? NET_ARENA_SIZE : 1);
  void* farena = malloc(NET_FLOAT_ARENA_SIZE);
  if (argc < 4) return fail("usage: host_main IN.f32 N OUT.i8 [OUT.f32]");
  if (!x || !codes || !y || !fy || !dq || !arena || !farena) return fail("out of memory");
  n = strtol(argv[2], NULL, 10);
  in = fopen(argv[1], "rb");
  out = fopen(argv[3], "wb");
  if (argc > 4) fout = fopen(argv[4], "wb");
  if (!in || !out || (argc > 4 && !fout)) return fail("cannot open files");
  if (net_run(NULL, y, arena) != NET_ERROR_NULL || net_run(codes, NULL, arena) != NET_ERROR_NULL ||
      net_run(codes, y, NULL) != NET_ERROR_NULL || net_run_float(x, fy, NULL) != NET_ERROR_NULL) {
    return fail("NULL arguments not rejected");
  }
#if NET_ARENA_ALIGN > 1
  if (net_run(codes, y, (char*)farena + 1) != NET_ERROR_ALIGNMENT)
    return fail("misaligned arena accepted");
#endif
  for (i = 0; i < n; ++i) {
    if (fread(x, sizeof(float), NET_INPUT_SIZE, in) != NET_INPUT_SIZE) return fail("short input");
    net_quantize_input(x, codes);
    if (net_run(codes, y, arena) != NET_OK) return fail("net_run failed");
    if (net_run_float(x, fy, farena) != NET_OK) return fail("net_run_float failed");
    net_dequantize_output(y, dq);
    for (j = 0; j < NET_OUTPUT_SIZE; ++j) {
      if (memcmp(&fy[j], &dq[j], sizeof(float)) != 0) return fail("run_float != dequantized run");
    }
    if (fwrite(y, 1, NET_OUTPUT_SIZE, out) != NET_OUTPUT_SIZE) return fail("write failed");
    if (fout && fwrite(fy, sizeof(float), NET_OUTPUT_SIZE, fout) != NET_OUTPUT_SIZE) {
      return fail("write failed");
    }
  }
  fclose(in);
  if (fclose(out) != 0 || (fout && fclose(fout) != 0)) return fail("close failed");
  free(x);
  free(codes);
  free(y);
  free(fy);
  free(dq);
  free(arena);
  free(farena);
  return 0;
}
