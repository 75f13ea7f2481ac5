// A cache of compiled BPF programs on disk, so that a warm start loads a program instead of
// compiling the policy with libseccomp again (several milliseconds for Docker's list).
#pragma once

#include "seccomp/compile.hpp"

#include <containerv/profile.hpp>

#include <string>

namespace containerv::seccomp {

// The directory the cache uses: $CONTAINERV_CACHE_DIR/seccomp when set; as root
// /var/cache/containerv/seccomp; else $XDG_CACHE_HOME (absolute) or ~/.cache, then
// containerv/seccomp. Empty when no directory can be chosen (no HOME).
std::string cache_dir();

// Every input that decides what compile() produces, serialised without ambiguity: the format
// version, the kind of program, the build of the compiler and of libseccomp, libseccomp's
// version and API level, the native architecture, the options and the policy. Two inputs with the
// same key compile to the same program.
std::string cache_key(const SyscallPolicy& policy, const CompileOptions& options);

// The key of compile_init_filter()'s program: the same fields before the policy's.
std::string init_filter_cache_key();

// The file name of the entry for a key (a hash of it; the file holds the full key).
std::string cache_file_name(const std::string& key);

// compile(), through the cache: a valid entry for exactly this key is loaded, otherwise the
// policy is compiled and the entry written. A cache that is missing, foreign, corrupt or
// unwritable never fails the call; it only costs the compilation. *hit tells which happened.
// CONTAINERV_NO_SECCOMP_CACHE=1 turns the cache off.
Result<BpfProgram> compile_cached(const SyscallPolicy& policy, const CompileOptions& options,
                                  bool* hit = nullptr);

// compile_init_filter(), through the same cache and on the same terms: libseccomp's export
// of pid 1's filter cost more than loading it.
Result<BpfProgram> compile_init_filter_cached(bool* hit = nullptr);

}  // namespace containerv::seccomp
