// The i386 system call entry point, reached from a 64-bit test process, for checking that
// filters hold (or kill) on every ABI of the machine.
#pragma once

#if defined(__x86_64__)

namespace containerv::test {

// int 0x80 with up to three arguments; returns -errno as the kernel does.
inline long int80(long nr, long a = 0, long b = 0, long c = 0) {
    long ret = nr;
    asm volatile("int $0x80"
                 : "+a"(ret)
                 : "b"(a), "c"(b), "d"(c)
                 : "memory", "r8", "r9", "r10", "r11");
    return ret;
}

// i386 numbers used by the tests.
constexpr long kI386Getppid = 64;
constexpr long kI386Socketcall = 102;
constexpr long kI386Socket = 359;

}  // namespace containerv::test

#endif
