#include "linux/identity.hpp"

#include "linux/step_error.hpp"

#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace containerv::linux_ {

int set_identity(std::uint32_t uid, std::uint32_t gid, bool clear_groups) {
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
        return fail("identity", "prctl(PR_SET_KEEPCAPS)", "");
    if (clear_groups && setgroups(0, nullptr) != 0) return fail("identity", "setgroups", "");
    if (setresgid(gid, gid, gid) != 0) return fail("identity", "setresgid", "");
    if (setresuid(uid, uid, uid) != 0) return fail("identity", "setresuid", "");
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
        return fail("identity", "prctl(PR_SET_KEEPCAPS)", "");
    return 0;
}

}  // namespace containerv::linux_
