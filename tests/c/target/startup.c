/* Minimal Cortex-M start-up for the QEMU test boards: a vector table whose
 * reset handler copies .data from flash, zeroes .bss, calls main and exits
 * through semihosting. Faults also exit (with failure). */
#include <stdint.h>

#include "semihost.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);

void qc_reset(void) {
  uint32_t* src = &_sidata;
  uint32_t* dst;
  for (dst = &_sdata; dst < &_edata;) *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  sh_exit(main() == 0);
}

void qc_fault(void) {
  sh_puts("harness: fault\n");
  sh_exit(0);
}

__attribute__((section(".vectors"), used))
const void* const qc_vectors[16] = {&_estack,
                                    (const void*)qc_reset,
                                    (const void*)qc_fault,
                                    (const void*)qc_fault,
                                    (const void*)qc_fault,
                                    (const void*)qc_fault,
                                    (const void*)qc_fault,
                                    0,
                                    0,
                                    0,
                                    0,
                                    (const void*)qc_fault,
                                    (const void*)qc_fault,
                                    0,
                                    (const void*)qc_fault,
                                    (const void*)qc_fault};
