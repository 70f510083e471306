/* A custom-runtime bootstrap as small as one gets: Guard judges the ELF (machine, interpreter, glibc versions), not
   what it does. build/test-fixtures.sh compiles it with gcc (x86_64, dynamic: glibc 2.34's __libc_start_main) and
   aarch64-linux-gnu-gcc (the wrong CPU for the x86_64 functions that get it). */
#include <stdio.h>

int main(void)
{
    puts("bootstrap");
    return 0;
}
