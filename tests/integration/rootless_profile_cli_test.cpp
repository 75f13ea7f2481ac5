// `containerv profile ...` and `run --profile NAME|FILE` through the real CLI, with the store's
// directories ($CONTAINERV_PROFILE_PATH, $XDG_CONFIG_HOME) in temporary directories.
#include "sandbox_run.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace cvtest {
namespace {

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The line of `profile list` for NAME, or "".
std::string list_line(const std::string& list, const std::string& name) {
    for (const std::string& line : split(list, '\n')) {
        if (line.rfind(name + " ", 0) == 0) return line;
    }
    return "";
}

class ProfileCli : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char* name : {"CONTAINERV_PROFILE_PATH", "XDG_CONFIG_HOME"}) {
            const char* value = std::getenv(name);
            saved_[name] = value ? std::optional<std::string>(value) : std::nullopt;
        }
        // The children get this process's environment.
        ::setenv("CONTAINERV_PROFILE_PATH", env_.path().c_str(), 1);
        ::setenv("XDG_CONFIG_HOME", xdg_.path().c_str(), 1);
    }

    void TearDown() override {
        for (const auto& [name, value] : saved_) {
            if (value) {
                ::setenv(name.c_str(), value->c_str(), 1);
            } else {
                ::unsetenv(name.c_str());
            }
        }
    }

    std::string user_dir() const { return xdg_.path() + "/containerv/profiles"; }

    std::string file(const std::string& name, const std::string& text) const {
        const std::string path = files_.path() + "/" + name;
        write_file(path, text);
        return path;
    }

    // `run` flags this host needs besides the profile (rootless supplementary groups).
    static std::vector<std::string> run_flags() {
        if (!rootless_caller_has_other_groups()) return {};
        return {"--accept-weaker", "process.groups"};
    }

    TempDir env_;
    TempDir xdg_;
    TempDir files_;
    std::map<std::string, std::optional<std::string>> saved_;
};

TEST_F(ProfileCli, SaveListShowExportDiffDelete) {
    const std::string mine = file("mine.json", R"({
  "name": "mine",
  "extends": "untrusted",
  "description": "made by the CLI test",
  "filesystem": {"writable_paths": ["/var/tmp"]}
})");
    Outcome saved = containerv({"profile", "save", mine});
    ASSERT_EQ(saved.code(), 0) << saved.describe();
    EXPECT_EQ(saved.out, user_dir() + "/mine.json\n");
    ASSERT_TRUE(path_exists(user_dir() + "/mine.json"));

    Outcome list = containerv({"profile", "list"});
    ASSERT_EQ(list.code(), 0) << list.describe();
    EXPECT_TRUE(has(list.out, "NAME")) << list.out;
    EXPECT_TRUE(has(list_line(list.out, "mine"), "paranoid")) << list.out;
    EXPECT_TRUE(has(list_line(list.out, "mine"), user_dir() + "/mine.json")) << list.out;
    EXPECT_TRUE(has(list_line(list.out, "untrusted"), "built-in")) << list.out;

    Outcome show = containerv({"profile", "show", "mine"});
    ASSERT_EQ(show.code(), 0) << show.describe();
    EXPECT_TRUE(has(show.out, "\"name\": \"mine\"")) << show.out;
    EXPECT_TRUE(has(show.out, "\"level\": \"paranoid\"")) << show.out;
    EXPECT_TRUE(has(show.out, "\"/var/tmp\"")) << show.out;
    // The store holds the whole profile, byte for byte what show prints.
    EXPECT_EQ(read_file(user_dir() + "/mine.json"), show.out);

    Outcome exported = containerv({"profile", "export", "mine", "--format", "json"});
    ASSERT_EQ(exported.code(), 0) << exported.describe();
    EXPECT_EQ(exported.out, show.out);
    const std::string copy = file("copy.json", exported.out);
    Outcome same = containerv({"profile", "diff", "mine", copy});
    EXPECT_EQ(same.code(), 0) << same.describe();
    EXPECT_EQ(same.out, "");

    Outcome diff = containerv({"profile", "diff", "untrusted", "mine"});
    EXPECT_EQ(diff.code(), 1) << diff.describe();
    EXPECT_TRUE(has(diff.out, "/filesystem/writable_paths: +/var/tmp\n")) << diff.out;
    EXPECT_TRUE(has(diff.out, "/name: \"untrusted\" -> \"mine\"\n")) << diff.out;

    Outcome again = containerv({"profile", "save", mine});
    EXPECT_EQ(again.code(), 1) << again.describe();
    ASSERT_EQ(again.err_lines().size(), 1u) << again.describe();
    EXPECT_TRUE(has(again.err, "containerv: profile: profile \"mine\" already exists"))
        << again.err;
    EXPECT_EQ(containerv({"profile", "save", mine, "--replace"}).code(), 0);

    Outcome removed = containerv({"profile", "delete", "mine"});
    EXPECT_EQ(removed.code(), 0) << removed.describe();
    EXPECT_FALSE(path_exists(user_dir() + "/mine.json"));
    Outcome gone = containerv({"profile", "show", "mine"});
    EXPECT_EQ(gone.code(), 1);
    EXPECT_TRUE(has(gone.err, "containerv: profile: unknown profile \"mine\"")) << gone.err;

    Outcome bad_format = containerv({"profile", "export", "untrusted", "--format", "yaml"});
    EXPECT_EQ(bad_format.code(), 2) << bad_format.describe();
}

TEST_F(ProfileCli, BuiltinsAreShadowedOnlyOnRequestAndNeverDeleted) {
    const std::string own =
        file("default.json", R"({"name": "default", "extends": "default", "level": "strict"})");
    Outcome refused = containerv({"profile", "save", own});
    EXPECT_EQ(refused.code(), 1) << refused.describe();
    EXPECT_TRUE(has(refused.err, "is a built-in profile")) << refused.err;

    Outcome saved = containerv({"profile", "save", own, "--shadow-builtin"});
    ASSERT_EQ(saved.code(), 0) << saved.describe();
    Outcome list = containerv({"profile", "list"});
    EXPECT_TRUE(has(list_line(list.out, "default"), "strict")) << list.out;
    EXPECT_TRUE(has(list_line(list.out, "default"), "(shadows built-in)")) << list.out;
    // A run under that name says whose "default" it is.
    Outcome run = containerv({"run", "--dry-run", "--profile", "default", "--", "true"});
    EXPECT_TRUE(has(run.err, "which shadows the built-in profile")) << run.describe();

    EXPECT_EQ(containerv({"profile", "delete", "default"}).code(), 0);
    Outcome builtin = containerv({"profile", "delete", "default"});
    EXPECT_EQ(builtin.code(), 1);
    EXPECT_TRUE(has(builtin.err, "built-ins cannot be deleted")) << builtin.err;
    EXPECT_TRUE(has(list_line(containerv({"profile", "list"}).out, "default"), "built-in"));

    Outcome unsafe = containerv({"profile", "delete", "../x"});
    EXPECT_EQ(unsafe.code(), 1);
    EXPECT_TRUE(has(unsafe.err, "profile name \"../x\"")) << unsafe.err;
}

TEST_F(ProfileCli, CreateFromAnotherProfile) {
    Outcome made = containerv(
        {"profile", "create", "made", "--level", "strict", "--from", "web-server", "--system"});
    // The system directory is /etc/containerv/profiles: only root may write there.
    if (::geteuid() != 0) {
        EXPECT_EQ(made.code(), 1) << made.describe();
        made =
            containerv({"profile", "create", "made", "--level", "strict", "--from", "web-server"});
    }
    ASSERT_EQ(made.code(), 0) << made.describe();
    const std::string path = split(made.out, '\n')[0];
    Outcome show = containerv({"profile", "show", "made"});
    EXPECT_TRUE(has(show.out, "\"level\": \"strict\"")) << show.out;
    EXPECT_TRUE(has(show.out, "\"tcp:443\"")) << show.out;
    // Leave no profile in /etc behind.
    if (path.rfind("/etc/", 0) == 0) {
        EXPECT_EQ(containerv({"profile", "delete", "made", "--system"}).code(), 0);
    }

    // --from alone copies the profile, level included; neither is a usage error.
    Outcome copy = containerv({"profile", "create", "copy", "--from", "web-server"});
    EXPECT_EQ(copy.code(), 0) << copy.describe();
    EXPECT_TRUE(has(containerv({"profile", "show", "copy"}).out, "\"level\": \"restricted\""));
    EXPECT_EQ(containerv({"profile", "create", "y"}).code(), 2);
    EXPECT_EQ(containerv({"profile", "create", "y", "--from", "default", "--level", ""}).code(), 2);

    Outcome level = containerv({"profile", "create", "x", "--level", "stricter"});
    EXPECT_EQ(level.code(), 2) << level.describe();
    // Without --from a level starts from its own profile, so the label is never all it
    // changes: paranoid is untrusted's values, strict holds no capability.
    Outcome paranoid = containerv({"profile", "create", "p", "--level", "paranoid"});
    EXPECT_EQ(paranoid.code(), 0) << paranoid.describe();
    EXPECT_TRUE(has(containerv({"profile", "show", "p"}).out, "\"isolated\": true"));
    Outcome strict = containerv({"profile", "create", "s", "--level", "strict"});
    EXPECT_EQ(strict.code(), 0) << strict.describe();
    EXPECT_TRUE(has(containerv({"profile", "show", "s"}).out, "\"allowed\": []"));
    // Relabelling a shared-network profile as paranoid is a contradiction.
    Outcome relabel =
        containerv({"profile", "create", "r", "--level", "paranoid", "--from", "web-server"});
    EXPECT_EQ(relabel.code(), 1) << relabel.describe();
    EXPECT_TRUE(has(relabel.err, "level paranoid needs an isolated network")) << relabel.err;
}

TEST_F(ProfileCli, ValidateExitsZeroForAValidProfile) {
    CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
    const std::string ok = file("ok.json", R"({"extends": "untrusted", "description": "x"})");
    Outcome valid = containerv({"profile", "validate", ok});
    if (rootless_caller_has_other_groups()) {
        // This caller's groups cannot be shed without privilege: a host problem, named.
        EXPECT_EQ(valid.code(), 1) << valid.describe();
        for (const std::string& line : split(valid.out, '\n')) {
            if (!line.empty()) {
                EXPECT_TRUE(has(line, "process.groups")) << line;
            }
        }
        return;
    }
    EXPECT_EQ(valid.code(), 0) << valid.describe();
    EXPECT_EQ(valid.out, "");
    EXPECT_EQ(containerv({"profile", "validate", "untrusted"}).code(), 0);
}

TEST_F(ProfileCli, ValidateReportsEveryProblemWithItsPosition) {
    const std::string bad = file("bad.json", R"({
  "capabilities": {"allowed": ["SYS_ADMINN"]},
  "network": {"allowed_ports": ["tcp:0"]},
  "levle": "strict"
})");
    Outcome invalid = containerv({"profile", "validate", bad});
    EXPECT_EQ(invalid.code(), 1) << invalid.describe();
    EXPECT_EQ(split(invalid.out, '\n'),
              (std::vector<std::string>{
                  bad + ":2:32: /capabilities/allowed/0: unknown capability \"SYS_ADMINN\" (did "
                        "you mean SYS_ADMIN?)",
                  bad + ":3:33: /network/allowed_ports/0: \"tcp:0\" is not a port or port range "
                        "(expected tcp:PORT, udp:PORT or tcp:LOW-HIGH, ports 1-65535)",
                  bad + ":4:3: /levle: unknown key \"levle\" (did you mean level?)",
                  "",
              }))
        << invalid.describe();

    const std::string cut = file("cut.json", "{\n  \"level\": ");
    Outcome truncated = containerv({"profile", "validate", cut});
    EXPECT_EQ(truncated.code(), 1);
    EXPECT_TRUE(has(truncated.out, cut + ":2:12: syntax error")) << truncated.describe();

    // A field this host cannot enforce is a problem too, at its pointer.
    const auto [profile, field] = unenforceable_profile();
    Outcome ports = containerv({"profile", "validate", profile});
    EXPECT_EQ(ports.code(), 1) << ports.describe();
    EXPECT_TRUE(has(ports.out, ::geteuid() != 0 ? "built-in:database:" : profile + ":"))
        << ports.out;
    EXPECT_TRUE(
        has(ports.out, field == "mac.selinux" ? ": /mac/selinux: " : ": /network/allowed_ports: "))
        << ports.out;
}

TEST_F(ProfileCli, ValidateExitsTwoWhenThereIsNothingToValidate) {
    Outcome none = containerv({"profile", "validate"});
    EXPECT_EQ(none.code(), 2) << none.describe();
    Outcome missing = containerv({"profile", "validate", files_.path() + "/missing.json"});
    EXPECT_EQ(missing.code(), 2) << missing.describe();
    EXPECT_TRUE(has(missing.err, "containerv: profile: open(")) << missing.err;
    Outcome unknown = containerv({"profile", "validate", "no-such-profile"});
    EXPECT_EQ(unknown.code(), 2) << unknown.describe();
    EXPECT_EQ(unknown.err_lines().size(), 1u) << unknown.describe();
}

// A file that is there but cannot be a profile is invalid (1), said as a problem of the file.
TEST_F(ProfileCli, ValidateExitsOneForAFileTooLargeToBeAProfile) {
    const std::string big = files_.path() + "/big.json";
    std::ofstream(big) << std::string(2 << 20, ' ');
    Outcome outcome = containerv({"profile", "validate", big});
    EXPECT_EQ(outcome.code(), 1) << outcome.describe();
    EXPECT_TRUE(has(outcome.out, big + ":1:1: /: ")) << outcome.describe();
}

TEST_F(ProfileCli, RunTakesAFileOrAStoredName) {
    CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
    const std::string text = R"({"name": "runnable", "extends": "untrusted"})";
    file("runnable.json", text);

    // A relative path to a file, as a user types it.
    std::vector<std::string> args{"run", "--profile", "./runnable.json"};
    for (const std::string& flag : run_flags()) args.push_back(flag);
    args.insert(args.end(), {"--", "true"});
    char cwd[4096];
    ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
    ASSERT_EQ(::chdir(files_.path().c_str()), 0);
    Outcome by_file = containerv(args);
    ASSERT_EQ(::chdir(cwd), 0);
    EXPECT_EQ(by_file.code(), 0) << by_file.describe();

    ASSERT_EQ(containerv({"profile", "save", files_.path() + "/runnable.json"}).code(), 0);
    args[2] = "runnable";
    Outcome by_name = containerv(args);
    EXPECT_EQ(by_name.code(), 0) << by_name.describe();

    args[2] = files_.path() + "/missing.json";
    Outcome missing = containerv(args);
    EXPECT_EQ(missing.code(), 125) << missing.describe();
    EXPECT_TRUE(has(missing.err, "containerv: profile: open(")) << missing.err;

    args[2] = "no-such-profile";
    Outcome unknown = containerv(args);
    EXPECT_EQ(unknown.code(), 125) << unknown.describe();
    EXPECT_TRUE(has(unknown.err, "unknown profile \"no-such-profile\"")) << unknown.err;
}

TEST_F(ProfileCli, AProfileExtendingUntrustedIsIsolated) {
    CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
    // It changes what it may: a capability and a writable path, but not the network.
    const std::string path = file("isolated.json", R"({
  "name": "isolated-child",
  "extends": "untrusted",
  "level": "strict",
  "capabilities": {"allowed": ["CHOWN"]},
  "filesystem": {"writable_paths": ["/var/tmp"]}
})");
    ASSERT_EQ(containerv({"profile", "save", path}).code(), 0);
    for (const std::string& profile : {std::string("isolated-child"), path}) {
        auto report = probe(profile, {"netdevs"});
        EXPECT_EQ(report["netdevs"], "lo") << profile;
        auto status = probe(profile, {"status"});
        EXPECT_EQ(status["CapEff"], "0000000000000001") << profile;
    }
}

// The CLI's own answers, as bwrap's, crun's and runc's: a version, and usage errors with 2.
TEST(Cli, VersionAndUsageErrors) {
    Outcome version = containerv({"--version"});
    EXPECT_EQ(version.code(), 0) << version.describe();
    EXPECT_EQ(version.out.rfind("containerv ", 0), 0u) << version.describe();
    EXPECT_TRUE(has(version.out, ".")) << version.describe();  // a dotted version number

    Outcome unknown = containerv({"frobnicate"});
    EXPECT_EQ(unknown.code(), 2) << unknown.describe();
    EXPECT_TRUE(has(unknown.err, "unknown subcommand \"frobnicate\"")) << unknown.describe();
    Outcome early = containerv({"--profile", "untrusted", "run", "--", "true"});
    EXPECT_EQ(early.code(), 2) << early.describe();
    EXPECT_TRUE(has(early.err, "\"--profile\" before the subcommand")) << early.describe();
    Outcome empty = containerv({""});
    EXPECT_EQ(empty.code(), 2) << empty.describe();
    EXPECT_TRUE(has(empty.err, "unknown subcommand \"\"")) << empty.describe();
    // learn names a misspelt option before it asks for its required -o.
    Outcome learn = containerv({"profile", "learn", "--profle", "x", "--", "true"});
    EXPECT_EQ(learn.code(), 125) << learn.describe();
    EXPECT_TRUE(has(learn.err, "unknown option \"--profle\"")) << learn.describe();
    Outcome none = containerv({});
    EXPECT_EQ(none.code(), 2) << none.describe();
    EXPECT_TRUE(has(none.err, "containerv --help")) << none.describe();
}

// The caller's words come back in error messages; an escape sequence among them is written
// out rather than sent to the terminal (\e[2J would clear it).
TEST(Cli, ControlBytesInErrorsAreWrittenOut) {
    const std::string clear = "\x1b[2J";
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{clear},
          std::vector<std::string>{"run", "--accept-weaker", clear, "--", "true"},
          std::vector<std::string>{"run", "--cwd", "/cv-no-such-dir" + clear, "--", "true"}}) {
        Outcome outcome = containerv(args);
        EXPECT_NE(outcome.code(), 0) << outcome.describe();
        EXPECT_EQ(outcome.err.find('\x1b'), std::string::npos) << outcome.describe();
        EXPECT_TRUE(has(outcome.err, "\\x1b[2J")) << outcome.describe();
    }
}

}  // namespace
}  // namespace cvtest
