#include "linux/capabilities.hpp"

#include "linux/step_error.hpp"

#include <cerrno>

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace containerv::linux_ {

int drop_bounding(CapSet keep, int cap_last_cap) {
    for (int cap = 0; cap <= cap_last_cap && cap < 64; ++cap) {
        if (keep & cap_bit(cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
            return fail("capabilities", "prctl(PR_CAPBSET_DROP)", capability_name(cap).data());
    }
    return 0;
}

int set_capabilities(CapSet caps, bool ambient, int cap_last_cap) {
    // Raw capset rather than libcap: three words to fill, and no allocation between clone
    // and exec.
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    for (int i = 0; i < 2; ++i) {
        auto word = static_cast<__u32>(caps >> (32 * i));
        data[i].effective = data[i].permitted = data[i].inheritable = word;
    }
    if (syscall(SYS_capset, &header, data) != 0) return fail("capabilities", "capset", "");

    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
        return fail("capabilities", "prctl(PR_CAP_AMBIENT_CLEAR_ALL)", "");
    if (!ambient) return 0;
    for (int cap = 0; cap <= cap_last_cap && cap < 64; ++cap) {
        if (!(caps & cap_bit(cap))) continue;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
            return fail("capabilities", "prctl(PR_CAP_AMBIENT_RAISE)", capability_name(cap).data());
    }
    return 0;
}

}  // namespace containerv::linux_
