// Code that runs after a seccomp filter is loaded may make no call the filter refuses, and
// AddressSanitizer adds calls of its own: before each call to a function that does not
// return, a hook that asks sigaltstack(2) for the signal stack. Under pid 1's init filter
// that call killed pid 1 at every exit in the sanitizer build, and under a profile refusing
// it the command crashed before its execve. Functions that run after a load are marked
// CV_AFTER_FILTER: compiled without ASan's instrumentation, so the sanitizer build runs the
// same filters as a release build. In other builds the mark is empty.
#pragma once

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CV_AFTER_FILTER __attribute__((no_sanitize("address")))
#endif
#endif
#if !defined(CV_AFTER_FILTER) && defined(__SANITIZE_ADDRESS__)
#define CV_AFTER_FILTER __attribute__((no_sanitize_address))
#endif
#ifndef CV_AFTER_FILTER
#define CV_AFTER_FILTER
#endif
