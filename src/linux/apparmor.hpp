// AppArmor: a profile text generated from a security profile, for `profile export --format
// apparmor` and for hosts whose kernel has AppArmor (loading it is not implemented yet).
#pragma once

#include <containerv/profile.hpp>

#include <string>

namespace containerv::linux_ {

// "containerv-NAME": the AppArmor profile's name.
std::string apparmor_profile_name(const Profile& profile);

// The AppArmor profile: the allowed capabilities, file rules for the root, writable, read-only
// and masked paths, network rules, and denials of mounts, of ptrace and signals across the
// profile's boundary, and of the kernel's knobs under /proc and /sys. Needs no include file.
std::string apparmor_profile_text(const Profile& profile);

}  // namespace containerv::linux_
