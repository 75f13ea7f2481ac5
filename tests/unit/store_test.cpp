// The profile store: names, search order, extends, atomic saves from concurrent processes, and
// files that are corrupt or truncated. Every store lives in a temporary directory.
#include "profile/json.hpp"
#include "profile/store.hpp"

#include <containerv/profile.hpp>

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace containerv {

void PrintTo(const Profile& p, std::ostream* os);

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void write(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// env (as $CONTAINERV_PROFILE_PATH), user and system directories under one temporary root.
class Store : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "cv-store-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        root_ = pattern;
        env_ = root_ + "/env";
        user_ = root_ + "/user/containerv/profiles";
        system_ = root_ + "/system";
        fs::create_directories(env_);
    }
    void TearDown() override { fs::remove_all(root_); }

    ProfileStore store() const { return ProfileStore({env_}, user_, system_); }

    std::string env_file(const std::string& name, const std::string& text) const {
        const std::string path = env_ + "/" + name + ".json";
        write(path, text);
        return path;
    }

    Profile named(const std::string& name, const std::string& from = "default") const {
        Profile p = *find_builtin(from);
        p.name = name;
        return p;
    }

    std::string root_;
    std::string env_;
    std::string user_;
    std::string system_;
};

// ---- names --------------------------------------------------------------------------------

TEST(ProfileName, SafeCharactersOnly) {
    for (const char* good : {"a", "default", "web-server_2.1", "A0", "x..y"}) {
        EXPECT_TRUE(check_profile_name(good).ok()) << good;
    }
    EXPECT_TRUE(check_profile_name(std::string(64, 'a')).ok());

    for (const char* bad : {"", "../x", "..", ".", "a/b", "/etc/passwd", ".hidden", "-x", "_x",
                            "a b", "a\nb", "caf\xc3\xa9", "x.json/"}) {
        auto r = check_profile_name(bad);
        EXPECT_FALSE(r.ok()) << bad;
        if (!r.ok()) {
            EXPECT_EQ(r.error().to_string().find('\n'), std::string::npos) << bad;
        }
    }
    auto long_name = check_profile_name(std::string(65, 'a'));
    ASSERT_FALSE(long_name.ok());
    EXPECT_TRUE(has(long_name.error().to_string(), "65 characters long (expected at most 64)"));
    EXPECT_TRUE(has(check_profile_name("").error().to_string(), "cannot be empty"));
}

TEST_F(Store, EveryOperationRefusesUnsafeNames) {
    for (const char* bad : {"../x", "", "a/b"}) {
        EXPECT_FALSE(store().load(bad).ok()) << bad;
        EXPECT_FALSE(store().remove(bad, false).ok()) << bad;
        EXPECT_FALSE(store().save(named(bad), {}).ok()) << bad;
    }
    EXPECT_FALSE(store().save(named(std::string(65, 'x')), {}).ok());
    // Nothing was written anywhere.
    EXPECT_FALSE(fs::exists(root_ + "/user"));
    EXPECT_FALSE(fs::exists(root_ + "/x.json"));
}

// ---- round trips --------------------------------------------------------------------------

TEST_F(Store, EveryBuiltinExportsAndLoadsBackEqual) {
    for (const Profile& p : builtin_profiles()) {
        const std::string text = profile_to_json(p).dump(2) + "\n";
        const std::string path = root_ + "/" + p.name + "-export.json";
        write(path, text);
        auto back = store().load_file(path);
        ASSERT_TRUE(back.ok()) << p.name << ": " << back.error().to_string();
        EXPECT_EQ(back->profile, p) << p.name;
        EXPECT_EQ(back->source, path);
    }
}

TEST_F(Store, StoredProfilesAreByteStable) {
    for (const Profile& p : builtin_profiles()) {
        SaveOptions shadow;
        shadow.shadow_builtin = true;
        auto path = store().save(p, shadow);
        ASSERT_TRUE(path.ok()) << p.name << ": " << path.error().to_string();
        EXPECT_EQ(*path, user_ + "/" + p.name + ".json");
        const std::string first = read(*path);
        EXPECT_EQ(first, profile_to_json(p).dump(2) + "\n");

        auto back = store().load(p.name);
        ASSERT_TRUE(back.ok()) << back.error().to_string();
        EXPECT_EQ(back->profile, p);
        EXPECT_EQ(back->source, *path);
        EXPECT_TRUE(back->shadows_builtin);

        // Saving what was loaded writes the same bytes.
        shadow.replace = true;
        ASSERT_TRUE(store().save(back->profile, shadow).ok());
        EXPECT_EQ(read(*path), first) << p.name;
    }
}

TEST_F(Store, BuiltinsLoadByName) {
    auto r = store().load("untrusted");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->profile, *find_builtin("untrusted"));
    EXPECT_EQ(r->source, "built-in");
    EXPECT_FALSE(r->shadows_builtin);
    auto unknown = store().load("defualt");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().to_string(),
              "profile: unknown profile \"defualt\" (did you mean default?)");
}

// ---- save, names unique, built-ins --------------------------------------------------------

TEST_F(Store, SaveIsUniqueUnlessReplace) {
    Profile p = named("mine");
    auto first = store().save(p, {});
    ASSERT_TRUE(first.ok()) << first.error().to_string();
    auto again = store().save(p, {});
    ASSERT_FALSE(again.ok());
    EXPECT_TRUE(has(again.error().to_string(), "profile \"mine\" already exists: " + *first));

    p.level = Level::strict;
    SaveOptions replace;
    replace.replace = true;
    ASSERT_TRUE(store().save(p, replace).ok());
    EXPECT_EQ(store().load("mine")->profile.level, Level::strict);

    // A name taken anywhere in the search path is taken.
    env_file("taken", "{}");
    auto taken = store().save(named("taken"), {});
    ASSERT_FALSE(taken.ok());
    EXPECT_TRUE(has(taken.error().to_string(), env_ + "/taken.json"));
}

TEST_F(Store, SaveIsPrivateToTheUserOrReadableFromTheSystemDirectory) {
    ASSERT_TRUE(store().save(named("u"), {}).ok());
    struct stat st;
    ASSERT_EQ(::stat(user_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    ASSERT_EQ(::stat((user_ + "/u.json").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);

    SaveOptions system;
    system.system = true;
    auto path = store().save(named("s"), system);
    ASSERT_TRUE(path.ok()) << path.error().to_string();
    EXPECT_EQ(*path, system_ + "/s.json");
    ASSERT_EQ(::stat(system_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0755u);
    EXPECT_EQ(store().load("s")->source, *path);
    // No temporary file is left behind.
    for (const auto& entry : fs::directory_iterator(user_)) {
        EXPECT_EQ(entry.path().filename().string().front() == '.', false) << entry.path();
    }
}

TEST_F(Store, BuiltinsCannotBeOverwrittenOrDeleted) {
    auto r = store().save(named("default", "untrusted"), {});
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(has(r.error().to_string(), "\"default\" is a built-in profile"));
    SaveOptions replace;
    replace.replace = true;
    EXPECT_FALSE(store().save(named("default", "untrusted"), replace).ok());

    auto del = store().remove("web-server", false);
    ASSERT_FALSE(del.ok());
    EXPECT_TRUE(has(del.error().to_string(), "built-ins cannot be deleted"));
    EXPECT_TRUE(store().load("web-server").ok());
}

TEST_F(Store, ShadowingABuiltinNeedsTheFlagAndDeletingTheShadowRevealsIt) {
    SaveOptions shadow;
    shadow.shadow_builtin = true;
    Profile p = named("default", "untrusted");
    ASSERT_TRUE(store().save(p, shadow).ok());
    auto loaded = store().load("default");
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->profile.level, Level::paranoid);
    EXPECT_TRUE(loaded->shadows_builtin);
    EXPECT_EQ(loaded->shadows, std::vector<std::string>{"built-in"});

    ASSERT_TRUE(store().remove("default", false).ok());
    EXPECT_EQ(store().load("default")->source, "built-in");
}

TEST_F(Store, SaveRefusesAnInvalidProfile) {
    Profile p = named("bad");
    p.filesystem.writable_paths = {"relative"};
    auto r = store().save(p, {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().to_string(),
              "profile: profile \"bad\": /filesystem/writable_paths/0: \"relative\" is not an "
              "absolute path (expected a path starting with /)");
    p = named("bad2");
    p.syscalls.allowed.push_back("no_such_syscall");
    EXPECT_FALSE(store().save(p, {}).ok());
    EXPECT_FALSE(fs::exists(user_ + "/bad.json"));
}

TEST_F(Store, RemoveNamesWhereTheProfileIs) {
    ASSERT_TRUE(store().save(named("gone"), {}).ok());
    ASSERT_TRUE(store().remove("gone", false).ok());
    EXPECT_FALSE(fs::exists(user_ + "/gone.json"));
    auto again = store().remove("gone", false);
    ASSERT_FALSE(again.ok());
    EXPECT_TRUE(has(again.error().to_string(), "unknown profile \"gone\""));

    env_file("elsewhere", "{}");
    auto elsewhere = store().remove("elsewhere", false);
    ASSERT_FALSE(elsewhere.ok());
    EXPECT_TRUE(
        has(elsewhere.error().to_string(), "(the one found is " + env_ + "/elsewhere.json)"));
}

// ---- search order and list ----------------------------------------------------------------

TEST_F(Store, FirstMatchInTheSearchOrderWins) {
    SaveOptions system;
    system.system = true;
    ASSERT_TRUE(store().save(named("x", "untrusted"), system).ok());
    SaveOptions replace;
    replace.replace = true;
    ASSERT_TRUE(store().save(named("x", "build-environment"), replace).ok());
    EXPECT_EQ(store().load("x")->profile.level, Level::permissive);
    env_file("x", R"({"level": "strict"})");
    auto x = store().load("x");
    ASSERT_TRUE(x.ok());
    EXPECT_EQ(x->source, env_ + "/x.json");
    EXPECT_EQ(x->shadows, (std::vector<std::string>{user_ + "/x.json", system_ + "/x.json"}));
}

TEST_F(Store, ListShowsSourcesShadowsAndBrokenFiles) {
    SaveOptions shadow;
    shadow.shadow_builtin = true;
    ASSERT_TRUE(store().save(named("web-server", "untrusted"), shadow).ok());
    ASSERT_TRUE(store().save(named("mine"), {}).ok());
    env_file("mine", R"({"level": "permissive"})");
    env_file("broken", R"({"level": )");
    // Not profiles: no .json, an unsafe name, a save's temporary file.
    write(env_ + "/notes.txt", "");
    write(env_ + "/bad name.json", "{}");
    write(env_ + "/.x.json.abc123", "{}");

    std::map<std::string, StoredProfile> seen;
    std::vector<std::string> order;
    for (StoredProfile& s : store().list()) {
        order.push_back(s.profile.name);
        seen[s.profile.name] = std::move(s);
    }
    EXPECT_EQ(order, (std::vector<std::string>{"broken", "build-environment", "database", "default",
                                               "mine", "untrusted", "web-server"}));
    EXPECT_EQ(seen["default"].source, "built-in");
    EXPECT_EQ(seen["web-server"].source, user_ + "/web-server.json");
    EXPECT_TRUE(seen["web-server"].shadows_builtin);
    EXPECT_EQ(seen["web-server"].profile.level, Level::paranoid);
    EXPECT_EQ(seen["mine"].source, env_ + "/mine.json");
    EXPECT_EQ(seen["mine"].shadows, std::vector<std::string>{user_ + "/mine.json"});
    EXPECT_EQ(seen["mine"].profile.level, Level::permissive);
    EXPECT_TRUE(has(seen["broken"].error, env_ + "/broken.json:1:11: syntax error"))
        << seen["broken"].error;
}

TEST_F(Store, TheEnvironmentNamesTheDirectories) {
    const char* saved[] = {"CONTAINERV_PROFILE_PATH", "XDG_CONFIG_HOME", "HOME"};
    std::map<std::string, std::optional<std::string>> before;
    for (const char* name : saved) {
        const char* v = std::getenv(name);
        before[name] = v ? std::optional<std::string>(v) : std::nullopt;
    }

    ::setenv("CONTAINERV_PROFILE_PATH", (env_ + ":relative/dir::" + root_ + "/two").c_str(), 1);
    ::setenv("XDG_CONFIG_HOME", (root_ + "/xdg").c_str(), 1);
    ProfileStore s = ProfileStore::from_environment();
    EXPECT_EQ(s.search_path(),
              (std::vector<std::string>{env_, root_ + "/two", root_ + "/xdg/containerv/profiles",
                                        "/etc/containerv/profiles"}));
    EXPECT_EQ(s.user_dir(), root_ + "/xdg/containerv/profiles");

    ::unsetenv("XDG_CONFIG_HOME");
    ::setenv("HOME", (root_ + "/home").c_str(), 1);
    EXPECT_EQ(ProfileStore::from_environment().user_dir(),
              root_ + "/home/.config/containerv/profiles");

    for (const auto& [name, value] : before) {
        if (value) {
            ::setenv(name.c_str(), value->c_str(), 1);
        } else {
            ::unsetenv(name.c_str());
        }
    }
}

// ---- extends ------------------------------------------------------------------------------

TEST_F(Store, ExtendsMergesListsRemovalsAndScalars) {
    env_file("web", R"({
      "extends": "web-server",
      "level": "strict",
      "capabilities": {"allowed": ["-CHOWN", "cap_kill"], "dropped": ["SYS_ADMIN"]},
      "filesystem": {"writable_paths": ["-/var/cache", "/srv"], "read_only_root": false},
      "network": {"allowed_ports": ["tcp:8443"]},
      "process": {"no_suid": false}
    })");
    auto r = store().load("web");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    const Profile& p = r->profile;
    const Profile& base = *find_builtin("web-server");
    EXPECT_EQ(p.name, "web");
    EXPECT_EQ(p.level, Level::strict);
    EXPECT_EQ(p.description, base.description);
    EXPECT_EQ(capability_names(p.allowed_caps),
              (std::vector<std::string>{"KILL", "SETGID", "SETUID", "NET_BIND_SERVICE"}));
    EXPECT_EQ(capability_names(p.dropped_caps), std::vector<std::string>{"SYS_ADMIN"});
    EXPECT_EQ(p.filesystem.writable_paths, (std::vector<std::string>{"/var/log", "/tmp", "/srv"}));
    EXPECT_FALSE(p.filesystem.read_only_root);
    EXPECT_FALSE(p.filesystem.no_suid);
    EXPECT_EQ(p.network.allowed_ports,
              (std::vector<std::string>{"tcp:80", "tcp:443", "tcp:8080", "tcp:8443"}));
    // Untouched sections are the base's.
    EXPECT_EQ(p.syscalls, base.syscalls);
    EXPECT_EQ(p.process.run_as_user, base.process.run_as_user);
}

TEST_F(Store, ExtendsAStoredProfileThroughAChain) {
    env_file("one", R"({"extends": "untrusted", "capabilities": {"allowed": ["CHOWN"]}})");
    env_file("two", R"({"extends": "one", "filesystem": {"writable_paths": ["/var/tmp"]}})");
    ASSERT_TRUE(store().save(named("three"), {}).ok());
    const std::string file = root_ + "/outside.json";
    write(file, R"({"name": "four", "extends": "two", "description": "d"})");
    auto r = store().load_file(file);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->profile.name, "four");
    EXPECT_EQ(r->profile.level, Level::paranoid);
    EXPECT_TRUE(r->profile.network.isolated);
    EXPECT_EQ(capability_names(r->profile.allowed_caps), std::vector<std::string>{"CHOWN"});
    EXPECT_EQ(r->profile.filesystem.writable_paths, (std::vector<std::string>{"/tmp", "/var/tmp"}));

    // Without "name", a file is named after itself.
    write(root_ + "/five.json", R"({"extends": "three"})");
    EXPECT_EQ(store().load_file(root_ + "/five.json")->profile.name, "five");
}

TEST_F(Store, AProfileExtendingItsOwnNameBuildsOnTheNextOne) {
    SaveOptions shadow;
    shadow.shadow_builtin = true;
    // The user's "default" edits the built-in one; the one in the env directory edits that.
    write(root_ + "/d.json", R"({"name": "default", "extends": "default", "level": "strict"})");
    ASSERT_TRUE(store().save(store().load_file(root_ + "/d.json")->profile, shadow).ok());
    env_file("default", R"({"extends": "default", "description": "mine"})");
    auto r = store().load("default");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->profile.level, Level::strict);
    EXPECT_EQ(r->profile.description, "mine");
    EXPECT_EQ(r->profile.allowed_caps, find_builtin("default")->allowed_caps);

    env_file("lonely", R"({"extends": "lonely"})");
    auto lonely = store().load("lonely");
    ASSERT_FALSE(lonely.ok());
    EXPECT_TRUE(has(lonely.error().to_string(), "no profile \"lonely\" after " + env_))
        << lonely.error().to_string();
}

TEST_F(Store, ExtendsCyclesAreAnErrorNamingTheChain) {
    env_file("a", R"({"extends": "b"})");
    env_file("b", R"({"extends": "c"})");
    env_file("c", R"({"extends": "a"})");
    auto r = store().load("a");
    ASSERT_FALSE(r.ok());
    const std::string e = r.error().to_string();
    EXPECT_TRUE(has(e, "extends cycle: a -> b -> c -> a")) << e;
    EXPECT_TRUE(has(e, env_ + "/a.json:1:13: /extends: ")) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos);
}

TEST_F(Store, ExtendsChainsAreBounded) {
    env_file("p0", R"({"extends": "untrusted"})");
    for (int i = 1; i <= 40; ++i) {
        env_file("p" + std::to_string(i), "{\"extends\": \"p" + std::to_string(i - 1) + "\"}");
    }
    EXPECT_TRUE(store().load("p30").ok());
    auto r = store().load("p40");
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(has(r.error().to_string(), "extends chain longer than 32 profiles"));
}

TEST_F(Store, ExtendsOfAnUnknownOrBrokenProfile) {
    env_file("x", R"({"extends": "untrustd"})");
    auto r = store().load("x");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().to_string(),
              "profile: " + env_ +
                  "/x.json:1:13: /extends: unknown profile \"untrustd\" (did "
                  "you mean untrusted?)");

    env_file("y", R"({"extends": "z"})");
    env_file("z", R"({"level": "bogus"})");
    auto y = store().load("y");
    ASSERT_FALSE(y.ok());
    EXPECT_TRUE(has(y.error().to_string(), env_ + "/z.json:1:11: /level: unknown level"))
        << y.error().to_string();
}

TEST_F(Store, InheritedContradictionsAreFound) {
    env_file("open", R"({"extends": "untrusted", "network": {"isolated": false}})");
    auto r = store().load("open");
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(has(r.error().to_string(),
                    "/network/isolated: level paranoid needs an "
                    "isolated network"))
        << r.error().to_string();
}

TEST_F(Store, AStoredFileIsNamedByItsFile) {
    env_file("right", R"({"name": "wrong"})");
    auto r = store().load("right");
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(has(r.error().to_string(),
                    "/right.json:1:10: /name: the file names the "
                    "profile \"wrong\""))
        << r.error().to_string();
}

// ---- corrupt files ------------------------------------------------------------------------

TEST_F(Store, EveryTruncationOfAProfileIsAClearError) {
    const std::string text = profile_to_json(named("cut", "database")).dump(2) + "\n";
    const std::string path = env_ + "/cut.json";
    // Every length that cuts inside the document (the last byte is the newline).
    for (std::size_t n = 0; n + 1 < text.size(); n += (n < 200 ? 1 : 37)) {
        write(path, text.substr(0, n));
        auto r = store().load("cut");
        ASSERT_FALSE(r.ok()) << n;
        const std::string e = r.error().to_string();
        EXPECT_TRUE(has(e, "profile: " + path + ":")) << n << ": " << e;
        EXPECT_EQ(e.find('\n'), std::string::npos) << n;
    }
    write(path, text);
    EXPECT_TRUE(store().load("cut").ok());
}

TEST_F(Store, CorruptFilesAreErrorsNamingTheFile) {
    const std::vector<std::string> corrupt = {
        std::string("\0\0\0\0", 4),
        "\xff\xfe{}",
        "{\"name\": \"\xc3\"}",
        "null",
        "[1, 2]",
        "{\"level\": \"strict\"} trailing",
        std::string(100000, '[') + std::string(100000, ']'),
        "{\"windows\": " + std::string(5000, '{') + "}",
    };
    for (std::size_t i = 0; i < corrupt.size(); ++i) {
        const std::string path = env_ + "/bad" + std::to_string(i) + ".json";
        write(path, corrupt[i]);
        auto r = store().load("bad" + std::to_string(i));
        ASSERT_FALSE(r.ok()) << i;
        EXPECT_TRUE(has(r.error().to_string(), path)) << i << ": " << r.error().to_string();
        auto f = store().load_file(path);
        EXPECT_FALSE(f.ok()) << i;
    }

    ASSERT_EQ(::mkfifo((env_ + "/fifo.json").c_str(), 0644), 0);
    auto fifo = store().load("fifo");
    ASSERT_FALSE(fifo.ok());
    EXPECT_TRUE(has(fifo.error().to_string(), env_ + "/fifo.json: not a regular file"));

    fs::create_directory(env_ + "/dir.json");
    auto dir = store().load("dir");
    ASSERT_FALSE(dir.ok());
    EXPECT_TRUE(has(dir.error().to_string(), env_ + "/dir.json: not a regular file"));

    write(env_ + "/huge.json", "{\"description\": \"" + std::string(2 << 20, 'x') + "\"}");
    auto huge = store().load("huge");
    ASSERT_FALSE(huge.ok());
    EXPECT_TRUE(has(huge.error().to_string(), "(expected a profile of at most 1 MiB)"));

    auto missing = store().load_file(root_ + "/missing.json");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().to_string(),
              "profile: open(" + root_ + "/missing.json): No such file or directory");
}

// A replacing save killed between its link and its rename leaves ".NAME.json.PID.N"; the next
// save removes those of dead processes and keeps a live writer's.
TEST_F(Store, SavesSweepTheTemporariesOfDeadWriters) {
    ASSERT_TRUE(store().save(named("swept"), {}).ok());
    pid_t dead = ::fork();
    if (dead == 0) ::_exit(0);
    ASSERT_GT(dead, 0);
    ::waitpid(dead, nullptr, 0);
    const std::string stale = user_ + "/.swept.json." + std::to_string(dead) + ".0";
    const std::string live = user_ + "/.swept.json." + std::to_string(::getpid()) + ".7";
    write(stale, "{}");
    write(live, "{}");

    SaveOptions replace;
    replace.replace = true;
    ASSERT_TRUE(store().save(named("swept"), replace).ok());
    EXPECT_FALSE(fs::exists(stale));
    EXPECT_TRUE(fs::exists(live));
    fs::remove(live);
}

// Whoever can write a profile decides what the sandbox may do: files others could have
// written are refused, wherever they are found.
TEST_F(Store, ProfilesOthersCouldWriteAreRefused) {
    const std::string ok = env_file("mine", R"({"level": "strict"})");
    ASSERT_EQ(::chmod(ok.c_str(), 0644), 0);
    EXPECT_TRUE(store().load("mine").ok());

    ASSERT_EQ(::chmod(ok.c_str(), 0666), 0);
    auto world = store().load("mine");
    ASSERT_FALSE(world.ok());
    EXPECT_TRUE(has(world.error().to_string(), "writable by group or others"))
        << world.error().to_string();
    ASSERT_EQ(::chmod(ok.c_str(), 0620), 0);
    EXPECT_FALSE(store().load_file(ok).ok());
    ASSERT_EQ(::chmod(ok.c_str(), 0644), 0);

    // A directory others can write, not sticky: the file could be swapped under us.
    ASSERT_EQ(::chmod(env_.c_str(), 0777), 0);
    auto open_dir = store().load("mine");
    ASSERT_FALSE(open_dir.ok());
    EXPECT_TRUE(has(open_dir.error().to_string(), "in a directory others can write"));
    ASSERT_EQ(::chmod(env_.c_str(), 01777), 0);  // sticky, like /tmp: fine
    EXPECT_TRUE(store().load("mine").ok());
    ASSERT_EQ(::chmod(env_.c_str(), 0755), 0);

    if (::geteuid() == 0) {  // only root can give a file away
        ASSERT_EQ(::chown(ok.c_str(), 65534, 65534), 0);
        auto theirs = store().load("mine");
        ASSERT_FALSE(theirs.ok());
        EXPECT_TRUE(has(theirs.error().to_string(), "owned by uid 65534"));
    }
}

TEST_F(Store, ValidateReportsEveryProblemOfAFile) {
    const std::string path = root_ + "/v.json";
    write(path, "{\"extends\": \"default\",\n \"level\": \"paranoia\",\n \"windws\": {}}");
    auto problems = store().validate_file(path, false);
    ASSERT_TRUE(problems.ok());
    ASSERT_EQ(problems->size(), 2u);
    EXPECT_EQ((*problems)[0].to_string(),
              path + ":2:11: /level: unknown level \"paranoia\" (did you mean paranoid?)");
    EXPECT_EQ((*problems)[1].pointer, "/windws");

    auto builtin = store().validate("untrusted", false);
    ASSERT_TRUE(builtin.ok());
    EXPECT_TRUE(builtin->empty());
    EXPECT_FALSE(store().validate_file(root_ + "/missing.json", false).ok());
    EXPECT_FALSE(store().validate("missing", false).ok());
}

// ---- concurrency --------------------------------------------------------------------------

// Children save at the same time; the parent checks that nothing was lost.
TEST_F(Store, ConcurrentSavesOfDifferentProfilesLoseNothing) {
    constexpr int kWriters = 6;
    constexpr int kEach = 25;
    std::vector<pid_t> children;
    for (int w = 0; w < kWriters; ++w) {
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            int failures = 0;
            for (int i = 0; i < kEach; ++i) {
                Profile p = named("w" + std::to_string(w) + "-" + std::to_string(i));
                p.description = "writer " + std::to_string(w);
                SaveOptions options;
                // Half of them also race to make the directories.
                options.system = (i % 2) == 1;
                if (!store().save(p, options).ok()) ++failures;
            }
            ::_exit(failures == 0 ? 0 : 1);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }

    const auto listed = store().list();
    int stored = 0;
    for (const StoredProfile& s : listed) {
        if (s.source == "built-in") continue;
        ++stored;
        EXPECT_TRUE(s.error.empty()) << s.error;
    }
    EXPECT_EQ(stored, kWriters * kEach);
    for (int w = 0; w < kWriters; ++w) {
        for (int i = 0; i < kEach; ++i) {
            auto r = store().load("w" + std::to_string(w) + "-" + std::to_string(i));
            ASSERT_TRUE(r.ok()) << r.error().to_string();
            EXPECT_EQ(r->profile.description, "writer " + std::to_string(w));
        }
    }
}

TEST_F(Store, ConcurrentSavesOfOneNewNameLetExactlyOneWin) {
    constexpr int kWriters = 8;
    std::vector<pid_t> children;
    for (int w = 0; w < kWriters; ++w) {
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            Profile p = named("contested");
            p.description = "writer " + std::to_string(w);
            ::_exit(store().save(p, {}).ok() ? 0 : 1);
        }
        children.push_back(pid);
    }
    int winners = 0;
    for (pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        if (WEXITSTATUS(status) == 0) ++winners;
    }
    EXPECT_EQ(winners, 1);
    auto r = store().load("contested");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_TRUE(r->profile.description.starts_with("writer "));
    // The losers' temporary files are gone.
    int files = 0;
    for (const auto& entry : fs::directory_iterator(user_)) {
        ++files;
        EXPECT_EQ(entry.path().filename(), "contested.json");
    }
    EXPECT_EQ(files, 1);
}

}  // namespace
}  // namespace containerv
