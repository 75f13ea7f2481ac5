// The escape battery as root: every row of tests/escape/matrix.tsv run by cv-escape inside a
// real sandbox under every built-in profile (and build-environment without a filter), through
// the CLI, compared with the matrix. Root: the setuid and file-capability rows need files owned
// by the host's root and by the sandbox's root, and the exhaustion rows need cgroup limits.
#include "escape_battery.hpp"

namespace cvtest::escape {
namespace {

class EscapeBattery : public ::testing::TestWithParam<Config> {
protected:
    void SetUp() override {
        if (::geteuid() != 0) {
            // Not a kernel feature: scripts/test runs this executable as root only.
            if (skips_forbidden()) FAIL() << "needs root for setuid, file caps and cgroups";
            GTEST_SKIP() << "needs root for setuid and file-capability files and cgroup limits"
                         << " (run as uid " << ::geteuid() << ")";
        }
        CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
        probe_dir();
        battery();
    }
};

TEST(EscapeMatrix, EveryProbeRowHasOneMatrixRowWithAnExpectationPerProfile) {
    std::vector<Row> rows = read_matrix();
    Outcome listed = Child({CV_ESCAPE_BIN, "--list"}).wait();
    ASSERT_EQ(listed.code(), 0) << listed.describe();
    std::vector<std::string> ids = split(listed.out, '\n');
    if (!ids.empty() && ids.back().empty()) ids.pop_back();
    std::vector<std::string> matrix_ids;
    for (const Row& row : rows) {
        matrix_ids.push_back(row.id);
        for (const Config& config : configs()) {
            auto it = row.expected.find(config.column);
            ASSERT_NE(it, row.expected.end()) << row.id << " lacks " << config.column;
            EXPECT_TRUE(it->second == "blocked" || it->second == "allowed" || it->second == "host")
                << row.id << " under " << config.column << ": " << it->second;
        }
        // The issue: under untrusted every row is blocked.
        EXPECT_EQ(row.expected.at("untrusted"), "blocked") << row.id;
    }
    std::sort(matrix_ids.begin(), matrix_ids.end());
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(matrix_ids, ids) << "cv-escape --list and matrix.tsv name different rows";
}

TEST_P(EscapeBattery, EveryRowAsTheMatrixSays) {
    check_every_row(GetParam());
}

// One sandbox per row: filling a tmpfs can end the whole sandbox at its memory limit (the
// pages are charged to the group, not to a process the OOM killer could pick alone), and
// that counts as blocked when containerv's exit report says so.
TEST_P(EscapeBattery, ExhaustionRowsStopAtTheLimits) {
    const Config& config = GetParam();
    TempDir dir;
    const std::string limited = with_limits(dir, config.profile);
    for (const Row& row : read_matrix()) {
        if (row.kind != "exhaustion") continue;
        Outcome outcome = run_rows(limited, {row.id}, config.options);
        std::map<std::string, Result> results = parse_rows(outcome.out);
        if (results.empty() && outcome.code() == 128 + SIGKILL &&
            outcome.err.find("out of memory") != std::string::npos) {
            results[row.id] = {"blocked", "sandbox-killed-at-memory-limit"};
        } else {
            EXPECT_EQ(outcome.code(), 0) << config.column << ": " << outcome.describe();
        }
        compare(config.column, {row}, results, outcome.describe());
    }
}

INSTANTIATE_TEST_SUITE_P(Builtin, EscapeBattery, ::testing::ValuesIn(configs()),
                         [](const auto& info) { return test_name_of(info.param.column); });

}  // namespace
}  // namespace cvtest::escape
