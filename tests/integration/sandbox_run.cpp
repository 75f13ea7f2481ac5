#include "sandbox_run.hpp"
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace cvtest {

const std::string& containerv_path() {
    static const std::string path = CONTAINERV_BIN;
    return path;
}

const std::string& probe_path() {
    static const std::string path = CV_PROBE_BIN;
    return path;
}

std::string probe_in_sandbox() {
    return std::string(kProbeMount) + "/cv-probe";
}

namespace {

std::string temp_root() {
    const char* dir = std::getenv("TMPDIR");
    return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

int remove_entry(const char* path, const struct stat*, int, struct FTW*) {
    ::remove(path);
    return 0;
}

void copy_file(const std::string& from, const std::string& to, mode_t mode) {
    std::ifstream in(from, std::ios::binary);
    std::ofstream out(to, std::ios::binary | std::ios::trunc);
    out << in.rdbuf();
    out.close();
    if (!in || !out) throw std::runtime_error("cannot copy " + from + " to " + to);
    if (::chmod(to.c_str(), mode) != 0) {
        throw std::runtime_error("chmod(" + to + "): " + std::strerror(errno));
    }
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TempDir::TempDir(mode_t mode) {
    std::string pattern = temp_root() + "/cv-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp(" + pattern + "): " + std::strerror(errno));
    }
    path_ = pattern;
    if (::chmod(path_.c_str(), mode) != 0) {
        throw std::runtime_error("chmod(" + path_ + "): " + std::strerror(errno));
    }
}

TempDir::~TempDir() {
    if (!path_.empty()) ::nftw(path_.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const std::string& probe_dir() {
    static TempDir dir;
    static bool copied = false;
    if (!copied) {
        copy_file(probe_path(), dir.path() + "/cv-probe", 0755);
        copied = true;
    }
    return dir.path();
}

std::pair<std::string, std::string> unenforceable_profile() {
    if (::geteuid() != 0) return {"database", "network.allowed_ports"};
    static TempDir dir;
    const std::string path = dir.path() + "/needs-selinux.json";
    std::ofstream(path) << R"({"name": "needs-selinux", "mac": {"selinux": "required"}})"
                        << "\n";
    return {path, "mac.selinux"};
}

bool Outcome::exited() const {
    return !timed_out && WIFEXITED(wait_status);
}

bool Outcome::signaled() const {
    return !timed_out && WIFSIGNALED(wait_status);
}

int Outcome::code() const {
    if (timed_out) return -1;
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return -1;
}

std::vector<std::string> Outcome::err_lines() const {
    std::vector<std::string> lines = split(err, '\n');
    if (!lines.empty() && lines.back().empty()) lines.pop_back();
    return lines;
}

std::string Outcome::describe() const {
    std::ostringstream text;
    if (timed_out) {
        text << "timed out";
    } else if (WIFSIGNALED(wait_status)) {
        text << "killed by signal " << WTERMSIG(wait_status);
    } else {
        text << "exit " << code();
    }
    text << "\n--- stdout ---\n" << out << "--- stderr ---\n" << err << "---";
    return text.str();
}

Child::Child(const std::vector<std::string>& argv, const SpawnOptions& options) {
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, options.stdin_path.c_str(),
                                     options.stdin_path == "/dev/null" ? O_RDONLY : O_RDWR, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);

    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    if (options.new_session) posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
    int rc = ::posix_spawn(&pid_, args[0], &actions, &attr, args.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    out_fd_ = out_pipe[0];
    err_fd_ = err_pipe[0];
    if (rc != 0) {
        ::close(out_fd_);
        ::close(err_fd_);
        throw std::runtime_error("posix_spawn(" + argv[0] + "): " + std::strerror(rc));
    }
}

Child::~Child() {
    if (!reaped_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
}

void Child::signal(int sig) const {
    if (!reaped_) ::kill(pid_, sig);
}

Outcome Child::wait(std::chrono::milliseconds limit) {
    Outcome outcome;
    auto deadline = std::chrono::steady_clock::now() + limit;
    // Output still in the pipes is read after the exit; a process the child left behind may
    // hold them open, so that reading stops after a short grace.
    std::optional<std::chrono::steady_clock::time_point> drain_until;
    bool out_open = true;
    bool err_open = true;

    for (;;) {
        if (!reaped_) {
            int status = 0;
            pid_t got = ::waitpid(pid_, &status, WNOHANG);
            if (got == pid_) {
                reaped_ = true;
                outcome.wait_status = status;
                drain_until = std::chrono::steady_clock::now() + 500ms;
            }
        }
        auto now = std::chrono::steady_clock::now();
        if (!out_open && !err_open && reaped_) break;
        if (drain_until && now >= *drain_until) break;
        if (!reaped_ && now >= deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &outcome.wait_status, 0);
            reaped_ = true;
            outcome.timed_out = true;
            break;
        }

        pollfd fds[2] = {{out_open ? out_fd_ : -1, POLLIN, 0},
                         {err_open ? err_fd_ : -1, POLLIN, 0}};
        ::poll(fds, 2, 20);
        char buf[4096];
        if (out_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = ::read(out_fd_, buf, sizeof buf);
            if (n > 0) outcome.out.append(buf, static_cast<size_t>(n));
            if (n == 0) out_open = false;
        }
        if (err_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = ::read(err_fd_, buf, sizeof buf);
            if (n > 0) outcome.err.append(buf, static_cast<size_t>(n));
            if (n == 0) err_open = false;
        }
    }
    return outcome;
}

std::vector<std::string> containerv_argv(const std::vector<std::string>& args) {
    std::vector<std::string> argv{containerv_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

Outcome containerv(const std::vector<std::string>& args, std::chrono::milliseconds limit) {
    Child child(containerv_argv(args));
    return child.wait(limit);
}

bool rootless_caller_has_other_groups() {
    if (::geteuid() == 0) return false;
    std::vector<gid_t> groups(NGROUPS_MAX);
    int n = ::getgroups(static_cast<int>(groups.size()), groups.data());
    for (int i = 0; i < n; ++i) {
        if (groups[static_cast<size_t>(i)] != ::getgid()) return true;
    }
    return false;
}

std::vector<std::string> accept_flags(const std::string& profile) {
    // As root the ports are enforced (cgroup BPF programs); rootless runs cannot make the
    // cgroup the programs attach to.
    if ((profile == "web-server" || profile == "database") && ::geteuid() != 0) {
        return {"--accept-weaker", "network.allowed_ports"};
    }
    return {};
}

std::vector<std::string> plain_run_args(const std::vector<std::string>& command) {
    std::vector<std::string> args{"run"};
    if (rootless_caller_has_other_groups()) {
        args.push_back("--accept-weaker");
        args.push_back("process.groups");
    }
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    return args;
}

std::vector<std::string> run_args(const std::string& profile,
                                  const std::vector<std::string>& command,
                                  const std::vector<std::string>& extra_options) {
    std::vector<std::string> args{"run", "--profile", profile};
    for (const std::string& flag : accept_flags(profile)) args.push_back(flag);
    if (rootless_caller_has_other_groups()) {
        args.push_back("--accept-weaker");
        args.push_back("process.groups");
    }
    args.push_back("--bind");
    args.push_back(probe_dir() + ":" + kProbeMount + ":ro");
    args.insert(args.end(), extra_options.begin(), extra_options.end());
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    return args;
}

std::map<std::string, std::string> probe(const std::string& profile,
                                         const std::vector<std::string>& args,
                                         const std::vector<std::string>& extra_options) {
    std::vector<std::string> command{probe_in_sandbox()};
    command.insert(command.end(), args.begin(), args.end());
    Outcome outcome = containerv(run_args(profile, command, extra_options));
    EXPECT_EQ(outcome.code(), 0) << "profile " << profile << ", probe "
                                 << ::testing::PrintToString(args) << ": " << outcome.describe();
    return parse_report(outcome.out);
}

std::map<std::string, std::string> parse_report(const std::string& text) {
    std::map<std::string, std::string> report;
    for (const std::string& line : split(text, '\n')) {
        auto eq = line.find('=');
        if (eq != std::string::npos) report[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return report;
}

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> parts;
    std::string::size_type start = 0;
    for (;;) {
        auto end = text.find(sep, start);
        if (end == std::string::npos) {
            parts.push_back(text.substr(start));
            return parts;
        }
        parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
}

std::optional<std::string> missing_kernel_feature() {
    static const std::optional<std::string> reason = []() -> std::optional<std::string> {
        // A forked child is single-threaded, as unshare(CLONE_NEWUSER) requires.
        pid_t pid = ::fork();
        if (pid == 0) _exit(::unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
        int status = 0;
        ::waitpid(pid, &status, 0);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
        int err = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
        return "this kernel gives uid " + std::to_string(::geteuid()) +
               " no user namespace (unshare(CLONE_NEWUSER): " + std::strerror(err) +
               "; see /proc/sys/user/max_user_namespaces and "
               "kernel.unprivileged_userns_clone)";
    }();
    return reason;
}

bool skips_forbidden() {
    const char* value = std::getenv("CONTAINERV_FORBID_SKIP");
    return value != nullptr && std::string(value) == "1";
}

std::vector<pid_t> find_processes(const std::vector<std::string>& argv) {
    auto base = [](const std::string& path) { return path.substr(path.rfind('/') + 1); };
    std::vector<pid_t> found;
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return found;
    while (dirent* entry = ::readdir(proc)) {
        char* end = nullptr;
        long pid = std::strtol(entry->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || pid == ::getpid()) continue;
        std::string cmdline = read_text(std::string("/proc/") + entry->d_name + "/cmdline");
        if (cmdline.empty()) continue;
        if (cmdline.back() == '\0') cmdline.pop_back();
        std::vector<std::string> seen = split(cmdline, '\0');
        if (seen.size() != argv.size() || base(seen[0]) != base(argv[0])) continue;
        if (std::equal(argv.begin() + 1, argv.end(), seen.begin() + 1)) {
            found.push_back(static_cast<pid_t>(pid));
        }
    }
    ::closedir(proc);
    return found;
}

bool process_alive(pid_t pid) {
    std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    auto paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
    char state = stat[paren + 2];
    return state != 'Z' && state != 'X';
}

std::string unique_name() {
    static int counter = 0;
    return "cv-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

HostState HostState::capture() {
    HostState state;
    state.mounts = split(read_text("/proc/self/mountinfo"), '\n');

    std::set<std::string> dirs{"/tmp", "/var/tmp", "/dev/shm", "/run", temp_root()};
    if (const char* runtime = std::getenv("XDG_RUNTIME_DIR")) dirs.insert(runtime);
    for (const std::string& dir : dirs) {
        DIR* d = ::opendir(dir.c_str());
        if (d == nullptr) continue;
        while (dirent* entry = ::readdir(d)) {
            std::string name = entry->d_name;
            // gcc's own temporaries (ccXXXXXX.*) come and go when anything else on the host
            // compiles; containerv never writes such names.
            const bool compiler_temp =
                name.size() > 9 && name.compare(0, 2, "cc") == 0 && name[8] == '.';
            if (name != "." && name != ".." && !compiler_temp)
                state.temp_entries.insert(dir + "/" + name);
        }
        ::closedir(d);
    }
    return state;
}

std::vector<std::string> leftovers(const HostState& before, const HostState& after) {
    std::vector<std::string> found;
    std::multiset<std::string> old_mounts(before.mounts.begin(), before.mounts.end());
    for (const std::string& line : after.mounts) {
        auto it = old_mounts.find(line);
        if (it == old_mounts.end()) {
            found.push_back("mount: " + line);
        } else {
            old_mounts.erase(it);
        }
    }
    for (const std::string& entry : after.temp_entries) {
        if (!before.temp_entries.count(entry)) found.push_back("file: " + entry);
    }
    return found;
}

bool path_exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

Listener::Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        if (fd_ >= 0) ::close(fd_);
        throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
}

Listener::~Listener() {
    ::close(fd_);
}

int Listener::accept_all() {
    for (int count = 0;; ++count) {
        int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (conn < 0) return count;
        ::close(conn);
    }
}

std::string comm_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    in >> name;
    return name;
}

namespace {
std::vector<pid_t> children_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
    std::vector<pid_t> out;
    for (pid_t child; in >> child;) out.push_back(child);
    return out;
}
}  // namespace

pid_t find_descendant(pid_t root, const std::string& name) {
    if (comm_of(root) == name) return root;
    for (pid_t child : children_of(root))
        if (pid_t found = find_descendant(child, name)) return found;
    return 0;
}

pid_t wait_for_descendant(pid_t root, const std::string& name) {
    pid_t found = 0;
    wait_until([&] { return (found = find_descendant(root, name)) != 0; }, 30s);
    return found;
}

}  // namespace cvtest
