// The escape battery without privilege: every row an unprivileged caller can set up (all but
// the setuid and file-capability rows, whose binaries need the host's root, and the exhaustion
// rows, which need cgroups), under every built-in profile, compared with the same matrix as
// the root run: a rootless sandbox must stop what a root one stops. web-server and database
// run with --accept-weaker network.allowed_ports here (run_args); Landlock still holds TCP.
#include "escape_battery.hpp"

namespace cvtest::escape {
namespace {

class RootlessEscape : public ::testing::TestWithParam<Config> {
protected:
    void SetUp() override {
        CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
        probe_dir();
        battery();
    }
};

TEST_P(RootlessEscape, EveryRowAsTheMatrixSays) {
    check_every_row(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Builtin, RootlessEscape, ::testing::ValuesIn(configs()),
                         [](const auto& info) { return test_name_of(info.param.column); });

}  // namespace
}  // namespace cvtest::escape
