// CV_PROFILE_*: the built-in profiles (src/profile/builtins.cpp) as C structs. Converted from
// the C++ built-ins rather than written out again, so the two cannot drift apart; the unit
// test checks that each converts back to its built-in exactly.
#include "capi/convert.hpp"

#include <containerv/containerv.h>

#include <stdexcept>
#include <string>

namespace {

containerv_security_profile predefined(const char* name) {
    const containerv::Profile* profile = containerv::find_builtin(name);
    if (!profile) throw std::logic_error(std::string("built-in profile missing: ") + name);
    return containerv::capi::to_c(*profile);
}

}  // namespace

// Filled by dynamic initialisation before main(); their strings and lists live as long as
// the process and are never freed.
extern "C" {
const containerv_security_profile CV_PROFILE_DEFAULT = predefined("default");
const containerv_security_profile CV_PROFILE_WEB_SERVER = predefined("web-server");
const containerv_security_profile CV_PROFILE_DATABASE = predefined("database");
const containerv_security_profile CV_PROFILE_BUILD_ENVIRONMENT = predefined("build-environment");
const containerv_security_profile CV_PROFILE_UNTRUSTED = predefined("untrusted");
}
