/* Arm semihosting (the debugger/emulator services behind `bkpt 0xAB` on
 * M-profile cores): files and exit, enough for the QEMU test harness. */
#ifndef QUANTC_TESTS_C_TARGET_SEMIHOST_H_
#define QUANTC_TESTS_C_TARGET_SEMIHOST_H_

#include <stdint.h>

int sh_open(const char* name, int write);    /* handle, or -1 */
int sh_read(int handle, void* buf, int len); /* bytes read */
int sh_write(int handle, const void* buf, int len);
void sh_close(int handle);
void sh_puts(const char* s); /* to the console */
void sh_put_uint(uint32_t v);
int sh_cmdline(char* buf, int len); /* 0 on success */
void sh_exit(int ok) __attribute__((noreturn));

#endif
