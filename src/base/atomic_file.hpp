// Writing a whole file or none of it, for the files containerv writes at a user's request
// (run --report json:FILE, report -o, profile learn -o).
#pragma once

#include <containerv/error.hpp>

#include <string>

namespace containerv {

// Writes TEXT to PATH through a temporary file beside it (mkostemp: a name no one else can
// have planted a symlink at), fsync, rename. An existing PATH that is not a regular file (a
// device, a symlink, a FIFO) is refused, never replaced or written through. STEP names the
// caller in errors.
Status write_file_atomically(const std::string& path, const std::string& text, const char* step);

// What write_file_atomically would refuse, checked ahead: a long run (profile learn) should
// not be lost to a typo in its output path.
Status check_output_path(const std::string& path, const char* step);

}  // namespace containerv
