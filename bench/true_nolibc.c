/* A /bin/true without a C library: the kernel starts it at _start, which exits at once.
 * Beside /bin/true it shows what a C library's start-up costs every exec on the machine
 * measured (bench/run's row bare-nolibc): every runtime pays that once for its own binary and
 * once for the command. On a virtual machine it is mostly glibc reading the CPU's features
 * and caches with CPUID, which traps to the hypervisor each time. */
void _start(void) {
#if defined(__x86_64__)
    __asm__ volatile("syscall" : : "a"(231), "D"(0)); /* exit_group(0) */
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = 94; /* exit_group */
    register long x0 __asm__("x0") = 0;
    __asm__ volatile("svc #0" : : "r"(x8), "r"(x0));
#else
#error "bench/true_nolibc.c: exit_group for this architecture"
#endif
    __builtin_unreachable();
}
