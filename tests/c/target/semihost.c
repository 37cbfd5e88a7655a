#include "semihost.h"

#include <stddef.h>

static int sh_call(int op, void* arg) {
  register int r0 __asm__("r0") = op;
  register void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static int sh_strlen(const char* s) {
  int n = 0;
  while (s[n]) ++n;
  return n;
}

int sh_open(const char* name, int write) {
  /* Modes: 1 = "rb", 5 = "wb". */
  uintptr_t args[3] = {(uintptr_t)name, write ? 5u : 1u, (uintptr_t)sh_strlen(name)};
  return sh_call(0x01, args);
}

int sh_read(int handle, void* buf, int len) {
  uintptr_t args[3] = {(uintptr_t)handle, (uintptr_t)buf, (uintptr_t)len};
  return len - sh_call(0x06, args); /* returns the bytes NOT read */
}

int sh_write(int handle, const void* buf, int len) {
  uintptr_t args[3] = {(uintptr_t)handle, (uintptr_t)buf, (uintptr_t)len};
  return len - sh_call(0x05, args);
}

void sh_close(int handle) {
  uintptr_t args[1] = {(uintptr_t)handle};
  sh_call(0x02, args);
}

void sh_puts(const char* s) { sh_call(0x04, (void*)s); }

void sh_put_uint(uint32_t v) {
  char b[12];
  int i = 11;
  b[i] = 0;
  do {
    b[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  sh_puts(b + i);
}

int sh_cmdline(char* buf, int len) {
  uintptr_t args[2] = {(uintptr_t)buf, (uintptr_t)len};
  return sh_call(0x15, args);
}

void sh_exit(int ok) {
  /* ADP_Stopped_ApplicationExit ends QEMU with status 0, anything else 1. */
  sh_call(0x18, (void*)(uintptr_t)(ok ? 0x20026u : 0x20023u));
  for (;;) {
  }
}
