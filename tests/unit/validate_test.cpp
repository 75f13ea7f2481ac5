// Validation: every problem at once, each at its line, column and JSON pointer; the position
// scanner; the JSON Schema against the built-ins.
#include "profile/json.hpp"
#include "profile/positions.hpp"
#include "profile/validate.hpp"

#include <containerv/profile.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace containerv {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

Strings lines_of(const std::vector<Problem>& problems) {
    Strings out;
    for (const Problem& p : problems) out.push_back(p.to_string());
    return out;
}

Strings check(const std::string& text, const ValidateOptions& options = {}) {
    return lines_of(validate_profile_text(text, "p.json", options));
}

// One problem expected: its text.
std::string only(const std::string& text, const ValidateOptions& options = {}) {
    const Strings problems = check(text, options);
    if (problems.size() != 1) {
        std::string all;
        for (const auto& p : problems) all += "\n  " + p;
        ADD_FAILURE() << problems.size() << " problems for " << text << ":" << all;
        return "";
    }
    return problems.front();
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// ---- every problem, each where it is ------------------------------------------------------

// Columns counted by hand from the text below (1-based, characters).
constexpr const char* kCrafted = R"({
  "name": "crafted",
  "level": "strict",
  "capabilities": {
    "allowed": ["CHOWN", "SYS_ADMINN"],
    "dropped": ["chown"]
  },
  "filesystem": {
    "writable_paths": ["/proc/kcore/x", "var/log"],
    "masked_paths": ["/proc/kcore"]
  },
  "network": {"allowed_ports": ["tcp:80", "tcp:70000"]},
  "syscalls": {
    "default_errno": 4095,
    "allowed": ["ptrac"],
    "rules": [{"names": ["read"], "actoin": "allow"}]
  },
  "extra": true
}
)";

TEST(Validate, EveryProblemOfACraftedFileWithLineColumnAndPointer) {
    EXPECT_EQ(check(kCrafted),
              (Strings{
                  "p.json:5:26: /capabilities/allowed/1: unknown capability \"SYS_ADMINN\" "
                  "(did you mean SYS_ADMIN?)",
                  "p.json:6:17: /capabilities/dropped/0: capability CHOWN is in both "
                  "/capabilities/allowed and /capabilities/dropped (expected it in one of them)",
                  "p.json:9:24: /filesystem/writable_paths/0: writable path \"/proc/kcore/x\" is "
                  "inside the masked path \"/proc/kcore\", which hides it (expected it outside "
                  "every masked path)",
                  "p.json:9:41: /filesystem/writable_paths/1: \"var/log\" is not an absolute "
                  "path (expected a path starting with /)",
                  "p.json:12:43: /network/allowed_ports/1: \"tcp:70000\" is not a port or port "
                  "range (expected tcp:PORT, udp:PORT or tcp:LOW-HIGH, ports 1-65535)",
                  "p.json:14:22: /syscalls/default_errno: expected an integer from 1 to 4094, "
                  "got 4095",
                  "p.json:15:17: /syscalls/allowed/0: unknown syscall \"ptrac\" (did you mean "
                  "ptrace?)",
                  "p.json:16:35: /syscalls/rules/0/actoin: unknown key \"actoin\" (did you mean "
                  "action?)",
                  "p.json:18:3: /extra: unknown key \"extra\" (expected one of: name, extends, "
                  "level, description, capabilities, filesystem, network, process, syscalls, "
                  "mac, resources, windows)",
              }));
}

// Found by fuzz_profile (crash-936cf764...): nlohmann-json reports a number beyond a double
// with out_of_range, not parse_error, and validation ended in std::terminate.
TEST(Validate, NumberBeyondADoubleIsAProblemNotACrash) {
    EXPECT_EQ(check("1111E1111b"),
              Strings{"p.json:1:1: the number 1111E1111 is too large (expected a number a "
                      "double can hold)"});
    EXPECT_EQ(check("{\"name\": \"x\",\n \"level\": 1e400}"),
              Strings{"p.json:2:11: the number 1e400 is too large (expected a number a double "
                      "can hold)"});
}

TEST(Validate, ProblemFieldsAreSeparate) {
    const auto problems = validate_profile_text(kCrafted, "p.json");
    ASSERT_FALSE(problems.empty());
    EXPECT_EQ(problems[0].file, "p.json");
    EXPECT_EQ(problems[0].line, 5);
    EXPECT_EQ(problems[0].column, 26);
    EXPECT_EQ(problems[0].pointer, "/capabilities/allowed/1");
}

TEST(Validate, NearMissCapabilityGetsTheNameMeant) {
    EXPECT_EQ(only(R"({"capabilities": {"allowed": ["SYS_ADMINN"]}})"),
              "p.json:1:31: /capabilities/allowed/0: unknown capability \"SYS_ADMINN\" (did you "
              "mean SYS_ADMIN?)");
    // The CAP_ prefix and the case do not count against the suggestion.
    EXPECT_TRUE(contains(only(R"({"capabilities": {"dropped": ["cap_net_rwa"]}})"),
                         "did you mean NET_RAW?"));
    EXPECT_FALSE(
        contains(only(R"({"capabilities": {"dropped": ["NOPE_AT_ALL"]}})"), "did you mean"));
}

TEST(Validate, NearMissesOfKeysLevelsActionsAndSyscalls) {
    EXPECT_TRUE(contains(only(R"({"filesystem": {"read_only_rot": true}})"),
                         "/filesystem/read_only_rot: unknown key \"read_only_rot\" (did you "
                         "mean read_only_root?)"));
    EXPECT_TRUE(contains(only(R"({"level": "paranoi"})"), "(did you mean paranoid?)"));
    EXPECT_TRUE(
        contains(only(R"({"syscalls": {"default_action": "erno"}})"), "(did you mean errno?)"));
    EXPECT_TRUE(contains(only(R"({"syscalls": {"blocked": ["mkdirat", "unshar"]}})"),
                         "/syscalls/blocked/1: unknown syscall \"unshar\" (did you mean "
                         "unshare?)"));
    EXPECT_TRUE(contains(only(R"({"level": "whatever"})"),
                         "(expected one of: permissive, restricted, strict, paranoid)"));
}

TEST(Validate, SyscallNamesComeFromLibseccompsTables) {
    EXPECT_TRUE(check(R"({"syscalls": {"allowed": ["read", "openat", "clone3"]}})").empty());
    // Not a native x86-64 call, but libseccomp knows it for the compat ABIs.
    EXPECT_TRUE(check(R"({"syscalls": {"blocked": ["socketcall"]}})").empty());
    EXPECT_TRUE(contains(only(R"({"syscalls": {"allowed": ["no_such_call_at_all"]}})"),
                         "unknown syscall \"no_such_call_at_all\""));
    EXPECT_TRUE(contains(only(R"({"syscalls": {"rules": [{"names": ["reed"]}]}})"),
                         "/syscalls/rules/0/names/0: unknown syscall \"reed\""));
}

TEST(Validate, SyntaxErrorsAtTheParsersOffset) {
    // Truncated: the end of the text.
    EXPECT_EQ(only("{\n  \"level\": \"strict\",\n  \"name\": "),
              "p.json:3:11: syntax error while parsing value: unexpected end of input (expected "
              "'[', '{', or a literal)");
    // The parser stops at the end of the token it did not expect.
    EXPECT_EQ(only("{\n  \"level\": \"strict\"\n  \"name\": \"x\"\n}"),
              "p.json:3:8: syntax error while parsing object: unexpected string literal "
              "(expected '}')");
    EXPECT_EQ(only(""),
              "p.json:1:1: syntax error while parsing value: unexpected end of input "
              "(expected '[', '{', or a literal)");
    // The bad byte is not repeated in the message, which must stay printable.
    EXPECT_EQ(only("{\"name\": \"\xff\"}"),
              "p.json:1:11: syntax error while parsing value: "
              "invalid string: ill-formed UTF-8 byte");
}

TEST(Validate, ColumnsCountCharactersNotBytes) {
    // "é" is two bytes in UTF-8 and one column.
    EXPECT_EQ(only("{\"description\": \"caf\xc3\xa9\", \"level\": 3}"),
              "p.json:1:34: /level: expected a string, got a number");
}

TEST(Validate, TypesAndNestedObjects) {
    EXPECT_EQ(check(R"({"network": {"isolated": "yes"}, "capabilities": "CHOWN",
"process": {"run_as_uid": -1}, "resources": {"cpus": 0}})"),
              (Strings{
                  "p.json:1:26: /network/isolated: expected a boolean, got a string",
                  "p.json:1:50: /capabilities: expected an object, got a string",
                  "p.json:2:27: /process/run_as_uid: expected an integer from 0 to 4294967295, "
                  "got -1",
                  "p.json:2:54: /resources/cpus: expected a number above 0, got 0",
              }));
    EXPECT_EQ(only("[]"), "p.json:1:1: expected an object, got an array");
}

TEST(Validate, PortsAndRanges) {
    EXPECT_TRUE(check(R"({"network": {"allowed_ports":
        ["tcp:1", "udp:53", "tcp:65535", "tcp:8000-8080", "udp:5000-5000"]}})")
                    .empty());
    for (const char* bad : {"tcp:0", "tcp:65536", "udp:", "tcp:80-", "tcp:-80", "tcp:+80", "80",
                            "TCP:80", "sctp:80", "tcp:90-80", "tcp:8 0"}) {
        const std::string text = std::string(R"({"network": {"allowed_ports": [")") + bad + "\"]}}";
        EXPECT_TRUE(contains(only(text), "/network/allowed_ports/0: ")) << bad;
    }
}

TEST(Validate, SelinuxContextShapeAndLandlockWant) {
    for (const char* good :
         {"system_u:system_r:container_t:s0",
          "unconfined_u:unconfined_r:container_untrusted_t:s0-s0:c0.c1023", "u:r:t"}) {
        const std::string text =
            std::string(R"({"mac": {"selinux": "if-available", "selinux_context": ")") + good +
            "\"}}";
        EXPECT_TRUE(check(text).empty()) << good;
    }
    for (const char* bad :
         {"container_t", "u:r", "u::t:s0", "u:r:t:", "u:r:t y:s0", "u:r:t:s0 x"}) {
        const std::string text = std::string(R"({"mac": {"selinux_context": ")") + bad + "\"}}";
        EXPECT_TRUE(contains(only(text), "/mac/selinux_context: ")) << bad;
    }
    EXPECT_TRUE(check(R"({"mac": {"landlock": "required"}})").empty());
    EXPECT_TRUE(contains(only(R"({"mac": {"landlock": "always"}})"), "/mac/landlock: "));
}

TEST(Validate, PathsAbsoluteAndNormalised) {
    EXPECT_TRUE(check(R"({"filesystem": {"writable_paths": ["/", "/*", "/var/lib/x"],
        "masked_paths": ["/proc/kcore"], "read_only_paths": ["/etc"]}})")
                    .empty());
    EXPECT_TRUE(contains(only(R"({"filesystem": {"masked_paths": ["/proc//kcore"]}})"),
                         "\"/proc//kcore\" is not normalised (expected \"/proc/kcore\")"));
    EXPECT_TRUE(contains(only(R"({"filesystem": {"read_only_paths": ["/etc/../usr"]}})"),
                         "(expected \"/usr\")"));
    EXPECT_TRUE(
        contains(only(R"({"filesystem": {"read_only_paths": ["/etc/"]}})"), "(expected \"/etc\")"));
    EXPECT_TRUE(contains(only(R"({"filesystem": {"writable_paths": ["/a,b"]}})"), "overlayfs"));
    EXPECT_TRUE(
        contains(only(R"({"filesystem": {"writable_paths": [""]}})"), "is not an absolute path"));
}

TEST(Validate, AnIntegerBeyond64BitsIsOutOfRangeNotAFraction) {
    EXPECT_TRUE(contains(only(R"({"process": {"run_as_uid": 99999999999999999999}})"),
                         "got a number out of range"));
    EXPECT_TRUE(contains(only(R"({"process": {"run_as_uid": 1.5}})"), "with a fraction"));
}

TEST(Validate, WritablePathInsideAReadOnlyOne) {
    EXPECT_TRUE(contains(
        only(R"({"filesystem": {"writable_paths": ["/opt/app"], "read_only_paths": ["/opt"]}})"),
        "/filesystem/writable_paths/0: writable path \"/opt/app\" is inside the read-only path "
        "\"/opt\", which keeps it read-only"));
    EXPECT_TRUE(
        check(R"({"filesystem": {"writable_paths": ["/optx"], "read_only_paths": ["/opt"]}})")
            .empty());
}

TEST(Validate, WritablePathInsideAMaskedOne) {
    EXPECT_TRUE(contains(
        only(R"({"filesystem": {"writable_paths": ["/srv/data"], "masked_paths": ["/srv"]}})"),
        "/filesystem/writable_paths/0: writable path \"/srv/data\" is inside the masked path "
        "\"/srv\""));
    // The same path, too; a sibling with a common prefix is not inside.
    EXPECT_EQ(
        check(R"({"filesystem": {"writable_paths": ["/srv"], "masked_paths": ["/srv"]}})").size(),
        1u);
    EXPECT_TRUE(check(R"({"filesystem": {"writable_paths": ["/srv2"], "masked_paths": ["/srv"]}})")
                    .empty());
}

TEST(Validate, ErrnoValues) {
    EXPECT_TRUE(check(R"({"syscalls": {"default_errno": 4094,
        "rules": [{"names": ["read"], "action": "errno", "errno": 0},
                  {"names": ["write"], "action": "errno", "errno": 4094}]}})")
                    .empty());
    EXPECT_TRUE(contains(only(R"({"syscalls": {"default_errno": 0}})"), "from 1 to 4094"));
    EXPECT_TRUE(contains(only(R"({"syscalls": {"rules": [{"names": ["read"], "errno": 4095}]}})"),
                         "/syscalls/rules/0/errno: expected an integer from 0 to 4094"));
    EXPECT_TRUE(contains(only(R"({"syscalls": {"default_errno": 1.5}})"), "an integer"));
}

TEST(Validate, RulesThatLibseccompWouldRefuse) {
    EXPECT_TRUE(contains(only(R"({"syscalls": {"rules": [{"names": ["personality"],
        "args": [{"index": 0, "op": "==", "value": 0}, {"index": 0, "op": "==", "value": 8}]}]}})"),
                         "/syscalls/rules/0/args/1: a second condition on argument 0"));
    EXPECT_TRUE(contains(only(R"({"syscalls": {"rules": [{"names": [], "action": "kill"}]}})"),
                         "/syscalls/rules/0/names: the rule names no syscall"));
}

TEST(Validate, Contradictions) {
    EXPECT_EQ(only(R"({"capabilities": {"allowed": ["NET_RAW"], "dropped": ["CAP_net_raw"]}})"),
              "p.json:1:55: /capabilities/dropped/0: capability NET_RAW is in both "
              "/capabilities/allowed and /capabilities/dropped (expected it in one of them)");
    EXPECT_TRUE(contains(only(R"({"syscalls": {"allowed": ["ptrace"], "blocked": ["ptrace"]}})"),
                         "/syscalls/blocked/0: syscall ptrace is in both"));
    const std::string refusing = R"("syscalls": {"default_action": "errno"})";
    EXPECT_EQ(only(R"({"level": "paranoid", "network": {"isolated": false}, )" + refusing + "}"),
              "p.json:1:47: /network/isolated: level paranoid needs an isolated network "
              "(expected network.isolated true)");
    EXPECT_EQ(only(R"({"level": "paranoid", )" + refusing + "}"),
              "p.json:1:11: /level: level paranoid needs an isolated network (expected "
              "network.isolated true)");
    // A default that lets unnamed calls through makes a deny-list; absent means allow.
    for (const char* fallback : {"", R"(, "syscalls": {"default_action": "allow"})",
                                 R"(, "syscalls": {"default_action": "log"})",
                                 R"(, "syscalls": {"default_action": "trace"})"}) {
        EXPECT_TRUE(contains(only(std::string(R"({"level": "paranoid", "network": )"
                                              R"({"isolated": true})") +
                                  fallback + "}"),
                             "level paranoid needs a default action that refuses"))
            << fallback;
    }
    EXPECT_TRUE(
        check(R"({"level": "paranoid", "network": {"isolated": true}, )" + refusing + "}").empty());
    EXPECT_TRUE(
        contains(only(R"({"filesystem": {"no_suid": true}, "process": {"no_suid": false}})"),
                 "/process/no_suid: false contradicts /filesystem/no_suid"));
}

TEST(Validate, KeysGivenTwice) {
    EXPECT_EQ(only("{\"level\": \"strict\",\n \"level\": \"strict\"}"),
              "p.json:2:2: /level: key given twice, and only the last one counts (expected each "
              "key once)");
}

TEST(Validate, DeepNestingIsRefusedBeforeAnythingWalksIt) {
    const std::string deep =
        "{\"windows\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
    EXPECT_TRUE(contains(only(deep), "p.json:1:1: nested more than 64 levels deep"));
    EXPECT_EQ(JsonPositions::scan(deep, 64).depth(), 65);
}

TEST(Validate, ProfileNames) {
    EXPECT_TRUE(contains(only(R"({"name": "../x"})"), "/name: profile name \"../x\""));
    EXPECT_TRUE(contains(only(R"({"name": ""})"), "/name: a profile name cannot be empty"));
    ValidateOptions stored;
    stored.stored_name = "mine";
    EXPECT_TRUE(check(R"({"name": "mine"})", stored).empty());
    EXPECT_TRUE(check(R"({})", stored).empty());
    EXPECT_TRUE(contains(only(R"({"name": "other"})", stored),
                         "/name: the file names the profile \"other\" (expected \"mine\""));
}

TEST(Validate, EveryBuiltinIsValid) {
    for (const Profile& p : builtin_profiles()) {
        EXPECT_EQ(check(profile_to_json(p).dump(2)), Strings{}) << p.name;
    }
}

TEST(Validate, DesignExamplesAreValid) {
    const auto dir =
        std::filesystem::path(CONTAINERV_SOURCE_DIR) / ".." / "shared" / "fixtures" / "profiles";
    if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no examples at " << dir.string();
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        EXPECT_EQ(check(text.str()), Strings{}) << entry.path();
    }
}

// ---- extends ------------------------------------------------------------------------------

ValidateOptions with_base(const std::string& name, json base) {
    ValidateOptions options;
    options.base = [name, base](const std::string& wanted) -> Result<json> {
        if (wanted == name) return base;
        return Error::msg("profile", "unknown profile \"" + wanted + "\"");
    };
    return options;
}

TEST(Validate, RemovalsNeedExtends) {
    const auto options = with_base("base", profile_to_json(*find_builtin("default")));
    EXPECT_TRUE(check(R"({"extends": "base", "capabilities": {"allowed": ["-CHOWN"]},
        "filesystem": {"writable_paths": ["-/tmp"]}, "syscalls": {"allowed": ["-ptrace"]}})",
                      options)
                    .empty());
    // The entry after "-" is checked like any.
    EXPECT_TRUE(
        contains(only(R"({"extends": "base", "capabilities": {"allowed": ["-CHOWNN"]}})", options),
                 "unknown capability \"CHOWNN\" (did you mean CHOWN?)"));
    EXPECT_TRUE(contains(only(R"({"capabilities": {"allowed": ["-CHOWN"]}})"),
                         "(a leading \"-\" removes an inherited entry, only in a profile with "
                         "\"extends\")"));
}

TEST(Validate, ContradictionsOfTheMergedProfile) {
    json base = profile_to_json(*find_builtin("untrusted"));
    const auto options = with_base("untrusted", base);
    // Inherited isolated network: paranoid stays fine.
    EXPECT_TRUE(check(R"({"extends": "untrusted", "description": "x"})", options).empty());
    // A contradiction with an inherited value is shown at the file's own entry.
    EXPECT_EQ(only("{\"extends\": \"untrusted\",\n \"network\": {\"isolated\": false}}", options),
              "p.json:2:26: /network/isolated: level paranoid needs an isolated network "
              "(expected network.isolated true)");
    base["capabilities"]["dropped"] = {"SYS_ADMIN"};
    EXPECT_EQ(only("{\"extends\": \"b\",\n \"capabilities\": {\"allowed\": [\"sys_admin\"]}}",
                   with_base("b", base)),
              "p.json:2:31: /capabilities/allowed/0: capability SYS_ADMIN is in both "
              "/capabilities/allowed and /capabilities/dropped (/capabilities/dropped has it "
              "from the base profile; expected \"-SYS_ADMIN\" in /capabilities/dropped to take "
              "it out there)");
    // Removing the inherited entry resolves it.
    EXPECT_TRUE(check(R"({"extends": "b", "capabilities": {"allowed": ["SYS_ADMIN"],
        "dropped": ["-SYS_ADMIN"]}})",
                      with_base("b", base))
                    .empty());
}

TEST(Validate, AnExtendsThatDoesNotResolveIsAProblemAtExtends) {
    EXPECT_EQ(
        only("{\"level\": \"strict\", \"extends\": \"nope\"}", with_base("base", json::object())),
        "p.json:1:32: /extends: unknown profile \"nope\"");
    EXPECT_EQ(only(R"({"extends": 3})"),
              "p.json:1:13: /extends: expected a profile name, got a "
              "number");
}

TEST(Validate, ResolvedDocumentHasTheMergeApplied) {
    json resolved;
    const auto problems = validate_profile_text(
        R"({"extends": "base", "level": "strict", "capabilities": {"allowed": ["-CHOWN"]}})",
        "p.json", with_base("base", profile_to_json(*find_builtin("web-server"))), &resolved);
    ASSERT_TRUE(problems.empty()) << lines_of(problems)[0];
    EXPECT_FALSE(resolved.contains("extends"));
    EXPECT_EQ(resolved["level"], "strict");
    EXPECT_EQ(resolved["capabilities"]["allowed"], json({"SETGID", "SETUID", "NET_BIND_SERVICE"}));
    EXPECT_EQ(resolved["network"]["allowed_ports"], json({"tcp:80", "tcp:443", "tcp:8080"}));
}

TEST(Validate, ProblemTextWithoutPositionOrPointer) {
    EXPECT_EQ((Problem{"f", 0, 0, "/a", "m"}).to_string(), "f: /a: m");
    EXPECT_EQ((Problem{"f", 2, 3, "", "m"}).to_string(), "f:2:3: m");
}

// ---- merge rules --------------------------------------------------------------------------

TEST(Merge, ListsAddRemovalsRemoveScalarsOverride) {
    const json base = json::parse(R"({
        "name": "base", "level": "restricted", "description": "d",
        "capabilities": {"allowed": ["CHOWN", "KILL"], "dropped": ["SYS_ADMIN"]},
        "filesystem": {"writable_paths": ["/tmp"], "read_only_root": true, "no_suid": true},
        "network": {"isolated": true},
        "syscalls": {"rules": [{"names": ["read"]}]}})");
    const json child = json::parse(R"({
        "extends": "base", "level": "strict",
        "capabilities": {"allowed": ["-cap_chown", "NET_RAW", "kill"]},
        "filesystem": {"writable_paths": ["/var/tmp", "-/tmp"], "read_only_paths": ["-/x"]},
        "network": {"isolated": false},
        "process": {"no_suid": false},
        "syscalls": {"rules": [{"names": ["write"]}]}})");
    const json merged = merge_extends(base, child);
    EXPECT_FALSE(merged.contains("extends"));
    EXPECT_EQ(merged["name"], "base");
    EXPECT_EQ(merged["level"], "strict");
    EXPECT_EQ(merged["description"], "d");
    EXPECT_EQ(merged["capabilities"]["allowed"], json({"KILL", "NET_RAW"}));
    EXPECT_EQ(merged["capabilities"]["dropped"], json({"SYS_ADMIN"}));
    EXPECT_EQ(merged["filesystem"]["writable_paths"], json({"/var/tmp"}));
    EXPECT_EQ(merged["filesystem"]["read_only_paths"], json::array());
    EXPECT_EQ(merged["filesystem"]["read_only_root"], true);
    // process.no_suid overrides the base's filesystem.no_suid instead of contradicting it.
    EXPECT_EQ(merged["filesystem"]["no_suid"], false);
    EXPECT_FALSE(merged["process"].contains("no_suid"));
    EXPECT_EQ(merged["network"]["isolated"], false);
    EXPECT_EQ(merged["syscalls"]["rules"],
              json::parse(R"([{"names": ["read"]}, {"names": ["write"]}])"));
}

// ---- positions ----------------------------------------------------------------------------

TEST(Positions, ValuesKeysAndEscapedKeys) {
    const std::string text =
        "{\"a\": [1, {\"b\": true}],\n \"x/y~\": \"s\\\"\",\n"
        " \"\\u00e9\\ud83d\\ude00\": null, \"e\": {}}";
    const JsonPositions pos = JsonPositions::scan(text);
    auto at = [&](const std::string& p, bool key = false) {
        const TextPosition t = pos.find(p, key);
        return std::to_string(t.line) + ":" + std::to_string(t.column);
    };
    EXPECT_EQ(at(""), "1:1");
    EXPECT_EQ(at("/a"), "1:7");
    EXPECT_EQ(at("/a/0"), "1:8");
    EXPECT_EQ(at("/a/1"), "1:11");
    EXPECT_EQ(at("/a/1/b"), "1:17");
    EXPECT_EQ(at("/a/1/b", true), "1:12");
    EXPECT_EQ(at("/x~1y~0"), "2:10");
    EXPECT_EQ(at("/\xc3\xa9\xf0\x9f\x98\x80"), "3:24");
    EXPECT_EQ(at("/e"), "3:35");
    // Not in the text: the nearest enclosing value.
    EXPECT_EQ(at("/a/1/zzz"), "1:11");
    EXPECT_EQ(at("/nothing/at/all"), "1:1");
    EXPECT_EQ(pos.depth(), 3);
    EXPECT_TRUE(pos.contains("/a/1/b"));
    EXPECT_FALSE(pos.contains("/a/2"));
}

TEST(Positions, ByteOffsets) {
    EXPECT_EQ(position_at("ab\ncd", 4).line, 2);
    EXPECT_EQ(position_at("ab\ncd", 4).column, 2);
    EXPECT_EQ(position_at("ab", 99).column, 3);
}

// ---- the schema ---------------------------------------------------------------------------

const json& schema() {
    static const json s = [] {
        std::ifstream in(std::filesystem::path(CONTAINERV_SOURCE_DIR) / "schema" /
                         "profile.schema.json");
        return json::parse(in);
    }();
    return s;
}

// The schema node, its "$ref" followed.
const json& deref(const json& node) {
    if (node.is_object() && node.contains("$ref")) {
        const std::string ref = node["$ref"];
        return deref(schema().at(json::json_pointer(ref.substr(1))));
    }
    return node;
}

// Every key of `doc` is declared in the schema's "properties" at the same place.
void expect_declared(const json& doc, const json& node, const std::string& where) {
    const json& s = deref(node);
    if (doc.is_object()) {
        ASSERT_TRUE(s.contains("properties")) << where << " has no properties in the schema";
        EXPECT_EQ(s.value("additionalProperties", true), false) << where;
        for (const auto& [key, value] : doc.items()) {
            ASSERT_TRUE(s["properties"].contains(key)) << where << "/" << key;
            expect_declared(value, s["properties"][key], where + "/" + key);
        }
    } else if (doc.is_array()) {
        for (const json& item : doc) {
            if (item.is_object()) expect_declared(item, s.at("items"), where + "/N");
        }
    }
}

TEST(Schema, EveryBuiltinUsesOnlyDeclaredKeys) {
    EXPECT_EQ(schema()["$schema"], "https://json-schema.org/draft/2020-12/schema");
    for (const Profile& p : builtin_profiles()) {
        expect_declared(profile_to_json(p), schema(), p.name);
    }
}

TEST(Schema, DeclaresWhatFilesMayAddToTheWrittenForm) {
    EXPECT_TRUE(schema()["properties"].contains("extends"));
    EXPECT_TRUE(schema()["properties"]["process"]["properties"].contains("no_suid"));
    // Each declared key is one the reader knows: no problem for a document that uses it.
    for (const auto& [section, node] : schema()["properties"].items()) {
        if (!deref(node).contains("properties")) continue;
        for (const auto& [key, value] : deref(node)["properties"].items()) {
            const json doc = {{section, {{key, nullptr}}}};
            for (const JsonProblem& p : profile_json_problems(doc)) {
                EXPECT_FALSE(contains(p.message, "unknown key")) << section << "/" << key;
            }
        }
    }
}

}  // namespace
}  // namespace containerv
