// The escape battery's shared parts (docs/THREATS.md): the matrix, what the rows need from
// outside the sandbox, running cv-escape through the CLI and comparing with the matrix. Used by
// escape_test.cpp (root: every row) and rootless_escape_test.cpp (what an unprivileged caller
// can set up).
#pragma once

#include "builtin_profiles.hpp"
#include "sandbox_run.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <cerrno>
#include <cstddef>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cvtest::escape {

// As root, the sandbox's uid 0 is this host uid (docs/ARCHITECTURE.md, the id maps).
inline constexpr uid_t kSandboxRoot = 1000000000;

// Where cv-escape and its copies are bound (run_args binds cv-probe at kProbeMount).
inline const std::string kMount = "/media";

struct Row {
    std::string id;
    std::string kind;
    std::map<std::string, std::string> expected;  // profile -> blocked | allowed | host
};

// The matrix: '#' lines are comments, the first other line names the columns.
inline std::vector<Row> read_matrix() {
    std::ifstream in(CV_ESCAPE_MATRIX);
    if (!in) throw std::runtime_error(std::string("cannot read ") + CV_ESCAPE_MATRIX);
    std::vector<Row> rows;
    std::vector<std::string> header;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> cells = split(line, '\t');
        if (header.empty()) {
            header = cells;
            continue;
        }
        if (cells.size() != header.size()) {
            throw std::runtime_error("matrix row '" + cells[0] + "' has " +
                                     std::to_string(cells.size()) + " columns, expected " +
                                     std::to_string(header.size()));
        }
        Row row{cells[0], cells[1], {}};
        for (size_t i = 4; i < cells.size(); i++) row.expected[header[i]] = cells[i];
        rows.push_back(row);
    }
    return rows;
}

inline void copy_to(const std::string& to, uid_t owner, mode_t mode) {
    {
        std::ifstream in(CV_ESCAPE_BIN, std::ios::binary);
        std::ofstream out(to, std::ios::binary | std::ios::trunc);
        out << in.rdbuf();
    }
    if (::chown(to.c_str(), owner, owner) != 0 || ::chmod(to.c_str(), mode) != 0) {
        throw std::runtime_error("chown/chmod " + to + ": " + std::strerror(errno));
    }
}

// A version 3 security.capability value (the form with a root id, honoured inside the user
// namespace whose root that id is) with CAPS permitted and effective.
inline void set_file_caps(const std::string& path, std::initializer_list<int> caps, uid_t rootid) {
    vfs_ns_cap_data data{};
    data.magic_etc = VFS_CAP_REVISION_3 | VFS_CAP_FLAGS_EFFECTIVE;
    for (int cap : caps) data.data[cap / 32].permitted |= 1u << (cap % 32);
    data.rootid = rootid;
    if (::setxattr(path.c_str(), "security.capability", &data, sizeof data, 0) != 0) {
        throw std::runtime_error("setxattr(" + path + "): " + std::strerror(errno));
    }
}

// A host service on an abstract unix socket; the backlog completes a connection without an
// accept.
class AbstractListener {
public:
    AbstractListener() : name_(unique_name() + "-escape") {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path + 1, name_.data(), name_.size());
        auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name_.size());
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
            ::listen(fd_, 16) != 0) {
            throw std::runtime_error("abstract socket @" + name_ + ": " + std::strerror(errno));
        }
    }
    ~AbstractListener() { ::close(fd_); }
    AbstractListener(const AbstractListener&) = delete;
    AbstractListener& operator=(const AbstractListener&) = delete;
    const std::string& name() const { return name_; }

private:
    std::string name_;
    int fd_ = -1;
};

// A System V shared memory segment of the host, world-readable; the probe asks for it by id.
class HostSegment {
public:
    HostSegment() : id_(::shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0644)) {
        if (id_ < 0) throw std::runtime_error(std::string("shmget: ") + std::strerror(errno));
    }
    ~HostSegment() { ::shmctl(id_, IPC_RMID, nullptr); }
    HostSegment(const HostSegment&) = delete;
    HostSegment& operator=(const HostSegment&) = delete;
    std::string id() const { return std::to_string(id_); }

private:
    int id_;
};

// Rows whose binaries only the host's root can make (setuid-root and file-capability copies).
inline const std::set<std::string>& root_only_rows() {
    static const std::set<std::string> rows{"setuid_binary", "setuid_host_root", "file_caps"};
    return rows;
}

// What the rows need from outside: services to reach, the probe (and, as root, its privileged
// copies) in one directory bound at kMount, and a host file in a directory the sandbox must
// never reach.
struct Battery {
    Listener loopback;
    HostSegment segment;
    AbstractListener abstract;
    TempDir bin{0755};
    TempDir secret_dir{0755};
    std::string secret = secret_dir.path() + "/secret";
    std::string host_init;
    bool privileged = ::geteuid() == 0;

    Battery() {
        copy_to(bin.path() + "/cv-escape", ::geteuid(), 0755);
        if (privileged) {
            copy_to(bin.path() + "/cv-escape-suid", kSandboxRoot, 04755);
            copy_to(bin.path() + "/cv-escape-suid-host", 0, 04755);
            copy_to(bin.path() + "/cv-escape-fcaps", 0, 0755);
            set_file_caps(bin.path() + "/cv-escape-fcaps",
                          {CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_NET_RAW, CAP_DAC_READ_SEARCH},
                          kSandboxRoot);
        }
        std::ofstream(secret) << "host secret\n";
        std::ifstream comm("/proc/1/comm");
        std::getline(comm, host_init);
    }

    // PTY: the host path of the terminal the sandbox gets as stdin.
    std::vector<std::string> probe_args(const std::vector<std::string>& rows,
                                        const std::string& pty) const {
        std::vector<std::string> args{
            kMount + "/cv-escape", "--secret",      secret,       "--host-init",   host_init,
            "--abstract",          abstract.name(), "--tcp-port", loopback.port(), "--shm-id",
            segment.id(),          "--pty",         pty};
        if (privileged) {
            // --suid names kMount/cv-escape-suid, and so on.
            for (const char* name : {"--suid", "--suid-host", "--fcaps"}) {
                args.push_back(name);
                args.push_back(kMount + "/cv-escape" + (name + 1));
            }
        }
        args.insert(args.end(), rows.begin(), rows.end());
        return args;
    }
};

inline const Battery& battery() {
    static const Battery instance;
    return instance;
}

// A pseudo-terminal whose slave the sandbox gets as stdin; the master stays here.
class Pty {
public:
    Pty() {
        master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) {
            throw std::runtime_error(std::string("posix_openpt: ") + std::strerror(errno));
        }
        slave_ = ::ptsname(master_);
    }
    ~Pty() { ::close(master_); }
    Pty(const Pty&) = delete;
    Pty& operator=(const Pty&) = delete;
    const std::string& slave() const { return slave_; }

private:
    int master_ = -1;
    std::string slave_;
};

struct Result {
    std::string outcome;  // blocked | succeeded | error
    std::string detail;
};

// row=ID outcome=O detail=D lines.
inline std::map<std::string, Result> parse_rows(const std::string& out) {
    std::map<std::string, Result> results;
    for (const std::string& line : split(out, '\n')) {
        std::map<std::string, std::string> fields;
        for (const std::string& field : split(line, ' ')) {
            auto eq = field.find('=');
            if (eq != std::string::npos) fields[field.substr(0, eq)] = field.substr(eq + 1);
        }
        if (fields.count("row")) results[fields["row"]] = {fields["outcome"], fields["detail"]};
    }
    return results;
}

// Runs ROWS under PROFILE: the supervisor is the leader of a new session whose controlling
// terminal is the sandbox's stdin (a user's shell in a terminal), and the probe is told the
// supervisor's pid through a shell that execs containerv as itself ($$).
inline Outcome run_rows(const std::string& profile, const std::vector<std::string>& rows,
                        const std::vector<std::string>& options) {
    Pty pty;
    std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$@\" --outside \"$$\"", "sh"};
    std::vector<std::string> all_options{"--bind", battery().bin.path() + ":" + kMount + ":ro"};
    all_options.insert(all_options.end(), options.begin(), options.end());
    for (const std::string& a :
         containerv_argv(run_args(profile, battery().probe_args(rows, pty.slave()), all_options)))
        argv.push_back(a);
    Child child(argv, SpawnOptions{pty.slave(), true});
    return child.wait(120s);
}

// A profile file extending PROFILE with the limits the exhaustion rows are judged under.
inline std::string with_limits(const TempDir& dir, const std::string& profile) {
    const std::string path = dir.path() + "/" + profile + "-limits.json";
    std::ofstream(path) << R"({"name": ")" << profile << R"(-limits", "extends": ")" << profile
                        << R"(", "resources": {"pids": 64, "memory": 134217728,)"
                        << R"( "memory_swap": 0, "rlimits": {"nofile": 256}}})"
                        << "\n";
    return path;
}

inline void compare(const std::string& profile, const std::vector<Row>& rows,
                    const std::map<std::string, Result>& results, const std::string& raw) {
    for (const Row& row : rows) {
        auto found = results.find(row.id);
        if (found == results.end()) {
            ADD_FAILURE() << profile << ": row " << row.id << " did not report\n" << raw;
            continue;
        }
        if (!battery().privileged && root_only_rows().count(row.id) != 0) {
            std::cout << "[ skipped  ] " << profile << " " << row.id
                      << ": its binary needs the host's root to make\n";
            continue;
        }
        const Result& got = found->second;
        const std::string& want = row.expected.at(profile);
        const std::string seen = got.outcome + " (" + got.detail + ")";
        // Every outcome is printed: ctest keeps it in the log, and a reader sees the detail
        // (which errno, which mask) behind each pass.
        std::cout << "[ " << (want == "host" ? "host " : "row  ") << "    ] " << profile << " "
                  << row.id << ": " << seen << "\n";
        if (want == "host") {
            EXPECT_NE(got.outcome, "error") << profile << ": " << row.id << ": " << seen;
        } else {
            EXPECT_EQ(got.outcome, want == "allowed" ? "succeeded" : "blocked")
                << profile << ": row " << row.id << " expected " << want << ", got " << seen;
        }
    }
}

// A column of the matrix: a built-in profile as it is, or "no-filter", build-environment
// without any seccomp filter, which shows what the other layers hold on their own.
struct Config {
    std::string column;
    std::string profile;
    std::vector<std::string> options;
};

inline std::vector<Config> configs() {
    std::vector<Config> out;
    for (const BuiltinProfile& profile : builtin_profiles()) {
        out.push_back({profile.name, profile.name, {}});
    }
    out.push_back({"no-filter", "build-environment", {"--seccomp", "unconfined"}});
    return out;
}

inline void PrintTo(const Config& config, std::ostream* out) {
    *out << config.column;
}

// Every row but the exhaustion ones under CONFIG, in one sandbox, compared with the matrix.
inline void check_every_row(const Config& config) {
    std::vector<Row> rows;
    for (const Row& row : read_matrix()) {
        if (row.kind != "exhaustion") rows.push_back(row);
    }
    Outcome outcome = run_rows(config.profile, {"all"}, config.options);
    EXPECT_EQ(outcome.code(), 0) << config.column << ": " << outcome.describe();
    compare(config.column, rows, parse_rows(outcome.out), outcome.describe());
}

}  // namespace cvtest::escape
