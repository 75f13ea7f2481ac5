// The cache of compiled programs: hits and misses, damaged and foreign entries, concurrent
// writers, and a cached program enforcing what the compiled one does. Each test points
// CONTAINERV_CACHE_DIR at its own temporary directory.
#include "seccomp/baseline.hpp"
#include "seccomp/cache.hpp"
#include "seccomp/compile.hpp"

#include <containerv/profile.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace containerv::seccomp {
namespace {

namespace fs = std::filesystem;

// An answer no kernel gives to getppid, so a filter hit cannot pass for anything else.
constexpr int kTestErrno = 77;

bool same(const BpfProgram& a, const BpfProgram& b) {
    return a.insns.size() == b.insns.size() &&
           std::memcmp(a.insns.data(), b.insns.data(), a.insns.size() * sizeof(sock_filter)) == 0;
}

SyscallPolicy small_policy() {
    SyscallPolicy policy;
    policy.default_action = SyscallAction::allow;
    policy.rules.push_back({{"getppid"}, SyscallAction::errno_ret, kTestErrno, {}});
    return policy;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
}

class SeccompCache : public ::testing::Test {
protected:
    void SetUp() override {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/cv-cache-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        root_ = pattern;
        ::setenv("CONTAINERV_CACHE_DIR", root_.c_str(), 1);
        ::unsetenv("CONTAINERV_NO_SECCOMP_CACHE");
    }
    void TearDown() override {
        ::unsetenv("CONTAINERV_CACHE_DIR");
        std::error_code ec;
        fs::permissions(dir(), fs::perms::owner_all, ec);
        fs::remove_all(root_, ec);
    }

    fs::path dir() const { return root_ / "seccomp"; }
    fs::path entry(const SyscallPolicy& policy, const CompileOptions& options = {}) const {
        return dir() / cache_file_name(cache_key(policy, options));
    }
    std::vector<fs::path> files() const {
        std::vector<fs::path> out;
        for (const auto& e : fs::directory_iterator(dir())) out.push_back(e.path());
        return out;
    }

    // Fills the cache for the policy and checks that the next call hits.
    BpfProgram warm(const SyscallPolicy& policy) {
        bool hit = true;
        auto first = compile_cached(policy, {}, &hit);
        EXPECT_TRUE(first.ok());
        EXPECT_FALSE(hit);
        return first.ok() ? *first : BpfProgram{};
    }

    fs::path root_;
};

TEST_F(SeccompCache, MissThenHitWithTheSameProgram) {
    const SyscallPolicy policy = docker_like_policy(0);
    auto compiled = compile(policy);
    ASSERT_TRUE(compiled.ok());

    const BpfProgram cold = warm(policy);
    EXPECT_TRUE(same(cold, *compiled));
    struct stat st;
    ASSERT_EQ(::stat(entry(policy).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600U);
    ASSERT_EQ(::stat(dir().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700U);

    bool hit = false;
    auto again = compile_cached(policy, {}, &hit);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(hit);
    EXPECT_TRUE(same(*again, *compiled));
    EXPECT_EQ(files().size(), 1U);
}

TEST_F(SeccompCache, AnotherPolicyOrOptionsIsAMiss) {
    SyscallPolicy policy = small_policy();
    warm(policy);

    bool hit = true;
    ASSERT_TRUE(compile_cached(policy, CompileOptions{true}, &hit).ok());
    EXPECT_FALSE(hit);

    SyscallPolicy other = policy;
    other.rules[0].errno_value = kTestErrno + 1;
    auto changed = compile_cached(other, {}, &hit);
    ASSERT_TRUE(changed.ok());
    EXPECT_FALSE(hit);
    EXPECT_TRUE(same(*changed, *compile(other)));

    // A name moved from one field to the next must not read as the same key.
    SyscallPolicy a;
    a.allowed = {"read", "write"};
    SyscallPolicy b;
    b.allowed = {"read"};
    b.blocked = {"write"};
    EXPECT_NE(cache_key(a, {}), cache_key(b, {}));
    EXPECT_EQ(files().size(), 3U);
}

TEST_F(SeccompCache, DisabledByEnvironment) {
    ::setenv("CONTAINERV_NO_SECCOMP_CACHE", "1", 1);
    bool hit = true;
    ASSERT_TRUE(compile_cached(small_policy(), {}, &hit).ok());
    EXPECT_FALSE(hit);
    EXPECT_FALSE(fs::exists(dir()));
    ::unsetenv("CONTAINERV_NO_SECCOMP_CACHE");
}

// Each damage: the entry is a miss, the right program is returned, and the entry rewritten.
TEST_F(SeccompCache, DamagedEntriesAreMissesAndRewritten) {
    const SyscallPolicy policy = small_policy();
    const BpfProgram good = warm(policy);
    const fs::path path = entry(policy);
    const std::string original = read_file(path);
    ASSERT_GT(original.size(), 40U);

    // The header is 32 bytes: magic, version at 8, key size at 12, count at 16.
    std::vector<std::pair<const char*, std::string>> damages;
    std::string flipped = original;
    flipped[flipped.size() - 3] ^= 0x01;
    damages.emplace_back("a flipped byte in the program", flipped);
    damages.emplace_back("truncated", original.substr(0, original.size() - 8));
    damages.emplace_back("truncated to nothing", "");
    std::string wrong_key = original;
    wrong_key[32 + 2] ^= 0x20;
    damages.emplace_back("another key", wrong_key);
    std::string version = original;
    version[8] = static_cast<char>(version[8] + 1);
    damages.emplace_back("another format version", version);
    std::string count = original;
    count[16] = static_cast<char>(count[16] + 1);
    damages.emplace_back("a wrong instruction count", count);

    for (const auto& [what, data] : damages) {
        SCOPED_TRACE(what);
        write_file(path, data);
        ::chmod(path.c_str(), 0600);
        bool hit = true;
        auto program = compile_cached(policy, {}, &hit);
        ASSERT_TRUE(program.ok());
        EXPECT_FALSE(hit);
        EXPECT_TRUE(same(*program, good));
        EXPECT_EQ(read_file(path), original);
        ASSERT_TRUE(compile_cached(policy, {}, &hit).ok());
        EXPECT_TRUE(hit);
    }
}

TEST_F(SeccompCache, GroupWritableDirectoryIsIgnored) {
    const SyscallPolicy policy = small_policy();
    warm(policy);
    ASSERT_EQ(::chmod(dir().c_str(), 0770), 0);
    const std::string before = read_file(entry(policy));
    ::unlink(entry(policy).c_str());

    bool hit = true;
    ASSERT_TRUE(compile_cached(policy, {}, &hit).ok());
    EXPECT_FALSE(hit);
    EXPECT_FALSE(fs::exists(entry(policy))) << "nothing is written into such a directory";

    // A valid entry there is not trusted either.
    write_file(entry(policy), before);
    ::chmod(entry(policy).c_str(), 0600);
    ASSERT_TRUE(compile_cached(policy, {}, &hit).ok());
    EXPECT_FALSE(hit);
}

TEST_F(SeccompCache, GroupWritableFileIsIgnored) {
    const SyscallPolicy policy = small_policy();
    warm(policy);
    ASSERT_EQ(::chmod(entry(policy).c_str(), 0620), 0);
    bool hit = true;
    ASSERT_TRUE(compile_cached(policy, {}, &hit).ok());
    EXPECT_FALSE(hit);
    struct stat st;
    ASSERT_EQ(::stat(entry(policy).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600U) << "rewritten with the cache's own mode";
}

TEST_F(SeccompCache, FileOwnedByAnotherUserIsIgnored) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
    const SyscallPolicy policy = small_policy();
    warm(policy);
    ASSERT_EQ(::chown(entry(policy).c_str(), 65534, 65534), 0);
    bool hit = true;
    ASSERT_TRUE(compile_cached(policy, {}, &hit).ok());
    EXPECT_FALSE(hit);
    struct stat st;
    ASSERT_EQ(::stat(entry(policy).c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 0U) << "replaced by the caller's own entry";

    // A directory owned by another user is skipped as a whole.
    ASSERT_EQ(::chown(dir().c_str(), 65534, 65534), 0);
    ASSERT_TRUE(compile_cached(policy, {}, &hit).ok());
    EXPECT_FALSE(hit);
}

TEST_F(SeccompCache, ConcurrentWritersLeaveOneValidEntry) {
    const SyscallPolicy policy = docker_like_policy(0);
    auto compiled = compile(policy);
    ASSERT_TRUE(compiled.ok());

    std::vector<pid_t> children;
    for (int i = 0; i < 8; ++i) {
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            auto program = compile_cached(policy, {});
            ::_exit(program.ok() && same(*program, *compiled) ? 0 : 1);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }

    EXPECT_EQ(files().size(), 1U) << "one entry, no temporary left behind";
    bool hit = false;
    auto program = compile_cached(policy, {}, &hit);
    ASSERT_TRUE(program.ok());
    EXPECT_TRUE(hit);
    EXPECT_TRUE(same(*program, *compiled));
}

// A miss sweeps the directory: entries unused for 30 days go, and temporaries of writers
// that are gone; nothing else does, whatever its age or name.
TEST_F(SeccompCache, LongUnusedEntriesGoAtTheNextWrite) {
    warm(small_policy());
    const time_t now = ::time(nullptr);
    auto make = [&](const char* name, const std::string& data, time_t atime, time_t mtime) {
        write_file(dir() / name, data);
        ::chmod((dir() / name).c_str(), 0600);
        const timespec times[2] = {{atime, 0}, {mtime, 0}};
        EXPECT_EQ(::utimensat(AT_FDCWD, (dir() / name).c_str(), times, 0), 0);
    };
    const time_t day = 24 * 60 * 60;
    const time_t old = now - 40 * day;
    const std::string entry_like = "CVSECBPF and the rest of an entry";
    make("00000000000000aa.bpf", entry_like, old, old);              // unused: goes
    make("00000000000000bb.bpf", entry_like, now - day, now - day);  // recent: stays
    make("00000000000000cc.bpf", entry_like, now - day, old);        // read yesterday: stays
    make("00000000000000dd.bpf", "not an entry", old, old);          // no magic: stays
    make("notes.bpf", entry_like, old, old);                         // not its name: stays
    make("notes", entry_like, old, old);                             // not its name: stays
    // A temporary of a writer that is gone goes; one that only looks like it stays.
    const pid_t gone = ::fork();
    ASSERT_GE(gone, 0);
    if (gone == 0) ::_exit(0);
    ASSERT_EQ(::waitpid(gone, nullptr, 0), gone);
    const std::string dead = ".tmp." + std::to_string(gone) + ".0";
    make(dead.c_str(), entry_like, now, now);
    const std::string odd = ".tmp." + std::to_string(gone) + "x";
    make(odd.c_str(), entry_like, now, now);

    SyscallPolicy other = small_policy();
    other.rules.push_back({{"getpid"}, SyscallAction::errno_ret, kTestErrno, {}});
    bool hit = true;
    ASSERT_TRUE(compile_cached(other, {}, &hit).ok());
    EXPECT_FALSE(hit);  // a miss writes, and the write sweeps
    EXPECT_FALSE(fs::exists(dir() / "00000000000000aa.bpf"));
    for (const char* stays : {"00000000000000bb.bpf", "00000000000000cc.bpf",
                              "00000000000000dd.bpf", "notes.bpf", "notes"}) {
        EXPECT_TRUE(fs::exists(dir() / stays)) << stays;
    }
    EXPECT_FALSE(fs::exists(dir() / dead));
    EXPECT_TRUE(fs::exists(dir() / odd));
    EXPECT_TRUE(fs::exists(entry(small_policy()))) << "the entry made just now stays";
}

// A relative CONTAINERV_CACHE_DIR would depend on the directory of the moment: it is ignored
// (with a warning) for the usual place.
TEST_F(SeccompCache, RelativeCacheDirIsIgnored) {
    ::setenv("CONTAINERV_CACHE_DIR", "relative/dir", 1);
    const std::string dir = cache_dir();
    EXPECT_TRUE(dir.empty() || dir[0] == '/') << dir;
    EXPECT_EQ(dir.find("relative/dir"), std::string::npos) << dir;
}

// Every step of the cache's path must be the caller's or root's: one that another user could
// write in, or a link of theirs, would let them point the cache's writes and removals at a
// directory of their choosing.
TEST_F(SeccompCache, PathThroughAGroupWritableDirectoryIsNotUsed) {
    const fs::path shared = root_ / "shared";
    ASSERT_EQ(::mkdir(shared.c_str(), 0770), 0);
    ASSERT_EQ(::chmod(shared.c_str(), 0770), 0);  // whatever the umask
    ::setenv("CONTAINERV_CACHE_DIR", shared.c_str(), 1);
    bool hit = true;
    ASSERT_TRUE(compile_cached(small_policy(), {}, &hit).ok());
    EXPECT_FALSE(hit);
    EXPECT_FALSE(fs::exists(shared / "seccomp")) << "nothing is made below such a directory";
}

TEST_F(SeccompCache, LinksOfTheCallersOwnAreFollowed) {
    ASSERT_EQ(::mkdir((root_ / "real").c_str(), 0700), 0);
    ASSERT_EQ(::symlink("real", (root_ / "link").c_str()), 0);
    ::setenv("CONTAINERV_CACHE_DIR", (root_ / "link").c_str(), 1);
    bool hit = true;
    ASSERT_TRUE(compile_cached(small_policy(), {}, &hit).ok());
    EXPECT_FALSE(hit);
    ASSERT_TRUE(compile_cached(small_policy(), {}, &hit).ok());
    EXPECT_TRUE(hit);
    EXPECT_EQ(fs::directory_iterator(root_ / "real" / "seccomp")->path().extension(), ".bpf");
}

// The red team's case: root's CONTAINERV_CACHE_DIR inside another user's directory, where
// that user put a link to a directory of root's holding an old entry-like file.
TEST_F(SeccompCache, AnotherUsersLinkLeadsNowhere) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
    const fs::path victim = root_ / "victim";
    ASSERT_EQ(::mkdir(victim.c_str(), 0700), 0);
    const time_t old = ::time(nullptr) - 40 * 24 * 60 * 60;
    write_file(victim / "00000000000000aa.bpf", "CVSECBPF and the rest of an entry");
    ::chmod((victim / "00000000000000aa.bpf").c_str(), 0600);
    const timespec times[2] = {{old, 0}, {old, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, (victim / "00000000000000aa.bpf").c_str(), times, 0), 0);
    auto victim_files = [&] {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(victim)) names.push_back(e.path().string());
        return names;
    };
    const auto before = victim_files();

    // In a directory of another user's.
    const fs::path theirs = root_ / "theirs";
    ASSERT_EQ(::mkdir(theirs.c_str(), 0755), 0);
    ASSERT_EQ(::symlink(victim.c_str(), (theirs / "seccomp").c_str()), 0);
    ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
    ::setenv("CONTAINERV_CACHE_DIR", theirs.c_str(), 1);
    bool hit = true;
    ASSERT_TRUE(compile_cached(small_policy(), {}, &hit).ok());
    EXPECT_FALSE(hit);
    EXPECT_EQ(victim_files(), before);

    // A link of theirs in a directory of root's.
    const fs::path mine = root_ / "mine";
    ASSERT_EQ(::mkdir(mine.c_str(), 0700), 0);
    ASSERT_EQ(::symlink(victim.c_str(), (mine / "seccomp").c_str()), 0);
    ASSERT_EQ(::lchown((mine / "seccomp").c_str(), 65534, 65534), 0);
    ::setenv("CONTAINERV_CACHE_DIR", mine.c_str(), 1);
    ASSERT_TRUE(compile_cached(small_policy(), {}, &hit).ok());
    EXPECT_FALSE(hit);
    EXPECT_EQ(victim_files(), before);
}

// Pid 1's filter is cached too: a miss, then a hit with exactly the program libseccomp
// exports, in an entry of its own.
TEST_F(SeccompCache, InitFilterMissThenHitWithTheSameProgram) {
    auto compiled = compile_init_filter();
    ASSERT_TRUE(compiled.ok());
    bool hit = true;
    auto cold = compile_init_filter_cached(&hit);
    ASSERT_TRUE(cold.ok());
    EXPECT_FALSE(hit);
    EXPECT_TRUE(same(*cold, *compiled));
    EXPECT_TRUE(fs::exists(dir() / cache_file_name(init_filter_cache_key())));

    auto warm_init = compile_init_filter_cached(&hit);
    ASSERT_TRUE(warm_init.ok());
    EXPECT_TRUE(hit);
    EXPECT_TRUE(same(*warm_init, *compiled));

    // An empty policy's key must not read as the init filter's, nor the other way round.
    EXPECT_NE(cache_key(SyscallPolicy{}, {}).substr(0, init_filter_cache_key().size()),
              init_filter_cache_key());
    warm(SyscallPolicy{});
    EXPECT_EQ(files().size(), 2U);
}

// A change confined to one 8-byte word of a key, or its length alone, names another entry.
TEST_F(SeccompCache, FileNamesFollowEveryByteAndTheLength) {
    const std::string key = cache_key(docker_like_policy(0), {});
    const std::string name = cache_file_name(key);
    for (std::size_t i = 0; i < key.size(); i += 61) {
        std::string changed = key;
        changed[i] ^= 0x01;
        EXPECT_NE(cache_file_name(changed), name) << "byte " << i;
    }
    EXPECT_NE(cache_file_name(key + std::string(1, '\0')), name);
    EXPECT_NE(cache_file_name("ab"), cache_file_name(std::string("ab\0", 3)));
}

// The loaded program enforces: getppid answers the rule's errno in a child with no_new_privs.
TEST_F(SeccompCache, CachedProgramBehavesLikeTheCompiledOne) {
    const SyscallPolicy policy = small_policy();
    warm(policy);
    bool hit = false;
    auto program = compile_cached(policy, {}, &hit);
    ASSERT_TRUE(program.ok());
    ASSERT_TRUE(hit);

    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || load(*program) != 0) ::_exit(2);
        const long rc = ::syscall(SYS_getppid);
        ::_exit(rc == -1 && errno == kTestErrno ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "2: load failed; 1: getppid was not denied";
}

// Information only, no assertion on time: how long a cold compile and a warm load take.
TEST_F(SeccompCache, TimesForDockerLikePolicy) {
    using Clock = std::chrono::steady_clock;
    const SyscallPolicy policy = docker_like_policy(0);
    constexpr int kRounds = 50;
    warm(policy);

    auto start = Clock::now();
    for (int i = 0; i < kRounds; ++i) ASSERT_TRUE(compile(policy).ok());
    const auto compile_time = Clock::now() - start;
    start = Clock::now();
    for (int i = 0; i < kRounds; ++i) ASSERT_TRUE(compile_cached(policy, {}).ok());
    const auto cached_time = Clock::now() - start;

    auto per_round = [&](Clock::duration d) {
        return std::chrono::duration<double, std::micro>(d).count() / kRounds;
    };
    std::printf("docker_like_policy(0): compile() %.0f us, compile_cached() warm %.0f us\n",
                per_round(compile_time), per_round(cached_time));
}

}  // namespace
}  // namespace containerv::seccomp
