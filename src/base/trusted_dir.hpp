// A directory that only the caller (and root) can change, opened by walking its path from /.
#pragma once

#include <string>

namespace containerv {

// Opens PATH (absolute) as a directory, making missing components (mode 0700) when CREATE is
// set. Every directory on the way must belong to root or to the caller's euid and be writable
// by nobody else, unless it is sticky (as /tmp is), where others cannot move what the caller
// owns; a link on the way must belong to root or the caller too, and its target is walked by
// the same rules. The last directory must belong to the caller and be writable by nobody
// else. So no other user can swap any step of the path, before or after the checks, for a
// link to a directory of their choosing. Returns a read-only descriptor, or -1 with *WHY
// saying which step failed.
int open_trusted_dir(const std::string& path, bool create, std::string* why);

}  // namespace containerv
