// The C profile struct and the C++ model, converted both ways; the only place that knows the
// struct's layout rules (NULL-terminated lists, CV_UID_UNSET, args_filter text).
#pragma once

#include <containerv/containerv.h>
#include <containerv/profile.hpp>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace containerv::capi {

// A C caller may store any int in an enum field or pass one as an enum argument, and reading
// a value outside the enumerators' range as the C++ enum is undefined behaviour (UBSan found
// both in the C API test): such values are read as the int C stored until they are checked.
template <class Enum>
int raw(const Enum& value) {
    static_assert(sizeof(Enum) == sizeof(int));
    int n = 0;
    std::memcpy(&n, &value, sizeof n);
    return n;
}

// Reads any profile, library-made or built by a caller. Errors name the C field, e.g.
// "syscall_filters[2].args_filter: ...". The design's counts are not read (see the header).
Result<Profile> to_profile(const containerv_security_profile& profile);

// A C profile whose every string and list is malloc'd, so containerv_security_profile_delete
// and a caller replacing a field with strdup() agree. A rule naming several syscalls becomes
// one filter per name. Throws std::bad_alloc, having freed what it had allocated.
containerv_security_profile to_c(const Profile& profile);

// The same, on the heap: what create, load and copy hand out.
containerv_security_profile* new_c_profile(const Profile& profile);

// Frees every string, list and filter of a library-made profile; scalars stay as they were.
void free_fields(containerv_security_profile& profile) noexcept;

// Replaces the syscall fields (default action and errno, lists, filters) with `policy`'s.
// All or nothing: on std::bad_alloc the profile is unchanged.
void set_syscalls(containerv_security_profile& profile, const SyscallPolicy& policy);

// args_filter text, in the grammar the header documents.
std::string format_args(const std::vector<ArgCondition>& args);
Result<std::vector<ArgCondition>> parse_args(std::string_view text);

// A malloc'd copy; throws std::bad_alloc.
char* copy_string(std::string_view text);

}  // namespace containerv::capi
