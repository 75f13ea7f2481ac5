// The explain listener. Why user notification: it is the only seccomp action that stops the
// calling thread until userspace answers, so the supervisor can see the call (number, ABI,
// registers) and still give the exact answer the profile decided. An answer is always an
// error here (never SECCOMP_USER_NOTIF_FLAG_CONTINUE, never a fake success), so a wrong
// attribution can change which errno a refused call gets, never whether it runs. Kill and
// trap stay in the filter as written: a notification cannot kill, and the kernel must.
#include "linux/seccomp_notify.hpp"

#include "base/printable.hpp"

#include "base/atomic_file.hpp"
#include "seccomp/attribute.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <seccomp.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>

#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace containerv::linux_ {

struct DenialReporter::State {
    ExplainContext context;
    int socket = -1;
    int stop[2] = {-1, -1};  // written by the destructor: stop waiting
    std::thread thread;
    std::FILE* json = nullptr;
    std::vector<std::string> events;  // each report as JSON, for run --report json
    std::set<std::tuple<std::uint32_t, int, const void*>> seen;
    std::size_t reported = 0;
    bool capped = false;  // kMaxReports reached: later calls answered, not itemised
    bool joined = false;
};

namespace {

constexpr std::uint32_t kActionMask = 0xffff0000U;

// Reports are kept once per syscall and rule, but a program can make ~2^32 distinct numbers:
// past this many the supervisor (outside the sandbox's memory limit) stops itemising, says
// so once, and goes on answering every call with the profile's errno.
constexpr std::size_t kMaxReports = 4096;

// False when the report should not be itemised: seen already, or past kMaxReports.
template <class Key>
bool first_report(DenialReporter::State& st, const Key& key) {
    if (st.seen.size() >= kMaxReports) {
        if (!st.capped) {
            std::fprintf(stderr,
                         "containerv: explain: %zu distinct refused calls reported; "
                         "further ones are answered but not reported\n",
                         kMaxReports);
            st.capped = true;
        }
        return false;
    }
    return st.seen.insert(key).second;
}

std::string program_of(pid_t pid) {
    std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(comm, name);
    return name.empty() ? "?" : printable(name);
}

std::string errno_text(int err) {
    const char* name = strerrorname_np(err);
    return fmt::format("errno {} ({})", err, name ? name : "?");
}

// Waits until fd is readable; false when the stop pipe fired or fd hung up with nothing left.
bool wait_readable(int fd, int stop_fd) {
    for (;;) {
        pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
        int n = poll(fds, 2, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (fds[1].revents != 0) return false;
        if (fds[0].revents & POLLIN) return true;
        if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) return false;
    }
}

int receive_listener(int sock, int stop_fd) {
    if (!wait_readable(sock, stop_fd)) return -1;
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return -1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
            return fd;
        }
    }
    return -1;
}

// The answer for a call the filter handed over: the errno the policy decided. A call the
// layout says is not refused by an errno (a disagreement that should not happen) still gets
// an error, the default's errno or EPERM, and says so.
int answer_for(const seccomp::Attribution& at, const seccomp::FilterLayout& layout,
               bool* consistent) {
    *consistent = (at.action & kActionMask) == SCMP_ACT_ERRNO(0);
    if (*consistent) return static_cast<int>(at.action & 0xffffU);
    if ((layout.default_action & kActionMask) == SCMP_ACT_ERRNO(0))
        return static_cast<int>(layout.default_action & 0xffffU);
    return EPERM;
}

// Once per syscall and rule.
std::tuple<std::uint32_t, int, const void*> report_key(const seccomp_notif& req,
                                                       const seccomp::Attribution& at) {
    return std::make_tuple(req.data.arch, req.data.nr, static_cast<const void*>(at.entry));
}

// `program` is read before the answer: once answered, the caller may exit and take its /proc
// entry with it.
void report(DenialReporter::State& st, const seccomp_notif& req, int err, bool consistent,
            const seccomp::Attribution& at, const std::string& program) {
    if (!first_report(st, report_key(req, at))) return;
    ++st.reported;
    std::uint64_t args[6];
    for (int i = 0; i < 6; ++i) args[i] = req.data.args[i];
    const std::string call = seccomp::describe_call(at.name, args);
    const std::string arch = seccomp::arch_name(at.arch);
    const std::string rule = seccomp::entry_source(at);
    const std::string pointer = seccomp::entry_pointer(at);
    std::string where = st.context.source;
    if (!pointer.empty()) where += " at JSON pointer " + pointer;
    std::string line = fmt::format(
        "containerv: explain: {} (pid {}) called {} [{} syscall {}]: refused with "
        "{} by {}, {}{}\n",
        program, req.pid, call, arch, req.data.nr, errno_text(err), rule, where,
        consistent ? ""
                   : " (the layout does not refuse this call; answered with "
                     "an error anyway)");
    std::fputs(line.c_str(), stderr);
    {
        nlohmann::json j = {{"event", "seccomp_denial"},
                            {"program", program},
                            {"pid", req.pid},
                            {"syscall", at.name},
                            {"arch", arch},
                            {"nr", req.data.nr},
                            {"call", call},
                            {"args", std::vector<std::uint64_t>(args, args + 6)},
                            {"action", "errno"},
                            {"errno", err},
                            {"rule", rule},
                            {"profile", st.context.source},
                            {"pointer", pointer}};
        st.events.push_back(j.dump());
        if (st.json) {
            std::fputs((st.events.back() + "\n").c_str(), st.json);
            std::fflush(st.json);
        }
    }
}

// The caller's effective capabilities (CapEff of /proc/TID/status), or nothing.
std::optional<std::uint64_t> effective_caps(pid_t tid) {
    std::ifstream status("/proc/" + std::to_string(tid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("CapEff:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
    }
    return std::nullopt;
}

const char* capability_name(int cap) {
    switch (cap) {
        case 16:
            return "CAP_SYS_MODULE";
        case 17:
            return "CAP_SYS_RAWIO";
        case 18:
            return "CAP_SYS_CHROOT";
        case 20:
            return "CAP_SYS_PACCT";
        case 21:
            return "CAP_SYS_ADMIN";
        case 22:
            return "CAP_SYS_BOOT";
        case 25:
            return "CAP_SYS_TIME";
        case 26:
            return "CAP_SYS_TTY_CONFIG";
        default:
            return "?";
    }
}

// A call the filter lets through but the kernel checks a capability for: reported when the
// caller's effective set, read at the call, lacks it. The outcome itself is not observed.
void report_capability(DenialReporter::State& st, const seccomp_notif& req,
                       const seccomp::Attribution& at) {
    const int cap = seccomp::capability_checked(at.name);
    auto caps = effective_caps(static_cast<pid_t>(req.pid));
    if (!caps || (*caps >> cap) & 1U) return;
    auto key = std::make_tuple(req.data.arch, req.data.nr, static_cast<const void*>(&st));
    if (!first_report(st, key)) return;
    ++st.reported;
    std::uint64_t args[6];
    for (int i = 0; i < 6; ++i) args[i] = req.data.args[i];
    const std::string program = program_of(static_cast<pid_t>(req.pid));
    std::string line = fmt::format(
        "containerv: explain: {} (pid {}) called {} [{} syscall {}]: allowed by the filter "
        "({}), but the caller's effective capabilities ({:#x}) lack {}, which the kernel "
        "checks: it fails with EPERM unless the caller made a user namespace of its own. "
        "Capabilities come from capabilities.allowed in {}\n",
        program, req.pid, seccomp::describe_call(at.name, args), seccomp::arch_name(at.arch),
        req.data.nr, seccomp::entry_source(at), *caps, capability_name(cap), st.context.source);
    std::fputs(line.c_str(), stderr);
    {
        nlohmann::json j = {{"event", "capability_check"},
                            {"program", program},
                            {"pid", req.pid},
                            {"syscall", at.name},
                            {"arch", seccomp::arch_name(at.arch)},
                            {"nr", req.data.nr},
                            {"capability", capability_name(cap)},
                            {"effective", *caps},
                            {"profile", st.context.source},
                            {"pointer", "/capabilities/allowed"}};
        st.events.push_back(j.dump());
        if (st.json) {
            std::fputs((st.events.back() + "\n").c_str(), st.json);
            std::fflush(st.json);
        }
    }
}

// A string from the caller's memory, for learning only (it can change under us: a learned
// profile is reviewed, never trusted).
std::string read_string(pid_t pid, std::uint64_t address) {
    if (address == 0) return {};
    int fd = open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    char buf[4096];
    ssize_t n = pread(fd, buf, sizeof buf - 1, static_cast<off_t>(address));
    close(fd);
    if (n <= 0) return {};
    buf[n] = '\0';
    return std::string(buf, strnlen(buf, static_cast<std::size_t>(n)));
}

std::string read_sockaddr(pid_t pid, std::uint64_t address, std::uint64_t length) {
    if (address == 0 || length < sizeof(sockaddr_in)) return {};
    int fd = open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    sockaddr_in6 sa{};
    std::size_t want = std::min<std::size_t>(length, sizeof sa);
    ssize_t n = pread(fd, &sa, want, static_cast<off_t>(address));
    close(fd);
    if (n < static_cast<ssize_t>(sizeof(sockaddr_in))) return {};
    char text[INET6_ADDRSTRLEN] = {};
    if (sa.sin6_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, &sa, sizeof in);
        inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
        return fmt::format("{}:{}", text, ntohs(in.sin_port));
    }
    if (sa.sin6_family == AF_INET6 && n >= static_cast<ssize_t>(sizeof(sockaddr_in6))) {
        inet_ntop(AF_INET6, &sa.sin6_addr, text, sizeof text);
        return fmt::format("[{}]:{}", text, ntohs(sa.sin6_port));
    }
    return {};
}

// Records the call, and for the calls that write files or contact hosts, what they name.
void learn(seccomp::LearnRecord& record, const seccomp_notif& req, const std::string& name) {
    record.syscalls.insert(name);
    if (req.data.arch != SCMP_ARCH_X86_64 && req.data.arch != seccomp_arch_native()) return;
    const auto* a = req.data.args;
    const pid_t pid = static_cast<pid_t>(req.pid);
    auto writes = [](std::uint64_t flags) {
        return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) != 0;
    };
    std::string path;
    if ((name == "open" && writes(a[1])) || name == "creat" || name == "mkdir" ||
        name == "unlink" || name == "rmdir" || name == "truncate" || name == "rename") {
        path = read_string(pid, a[0]);
    } else if ((name == "openat" && writes(a[2])) || name == "mkdirat" || name == "unlinkat" ||
               name == "renameat" || name == "renameat2" || name == "mknodat") {
        path = read_string(pid, a[1]);
    } else if (name == "connect") {
        if (auto peer = read_sockaddr(pid, a[1], a[2]); !peer.empty())
            record.contacted.insert(peer);
    } else if (name == "sendto" && a[4] != 0) {
        if (auto peer = read_sockaddr(pid, a[4], a[5]); !peer.empty())
            record.contacted.insert(peer);
    }
    if (!path.empty() && path.front() == '/') record.written.insert(path);
}

void serve(DenialReporter::State* st) {
    int listener = receive_listener(st->socket, st->stop[0]);
    close(st->socket);
    st->socket = -1;
    if (listener < 0) return;
    seccomp_notif* req = nullptr;
    seccomp_notif_resp* resp = nullptr;
    if (seccomp_notify_alloc(&req, &resp) != 0) {
        // Without buffers nothing can be answered; closing the listener makes the kernel
        // answer ENOSYS to every notified call: still refused.
        std::fputs(
            "containerv: explain: cannot allocate notification buffers; refused calls "
            "get ENOSYS and are not reported\n",
            stderr);
        close(listener);
        return;
    }
    while (wait_readable(listener, st->stop[0])) {
        std::memset(req, 0, sizeof *req);
        if (int rc = seccomp_notify_receive(listener, req); rc != 0) {
            if (rc == -EINTR || rc == -ENOENT) continue;  // the caller died meanwhile
            break;
        }
        if (st->context.learn) {
            // x32 calls come as x86_64 numbers with bit 30 set.
            const bool x32 = req->data.arch == SCMP_ARCH_X86_64 && (req->data.nr & 0x40000000);
            learn(*st->context.learn, *req,
                  seccomp::name_of(x32 ? SCMP_ARCH_X32 : req->data.arch, req->data.nr));
            std::memset(resp, 0, sizeof *resp);
            resp->id = req->id;
            resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
            seccomp_notify_respond(listener, resp);
            continue;
        }
        std::uint64_t args[6];
        for (int i = 0; i < 6; ++i) args[i] = req->data.args[i];
        auto at = seccomp::attribute(st->context.layout, req->data.arch, req->data.nr, args);
        const std::uint32_t kind = at.action & kActionMask;
        if ((kind == SCMP_ACT_ALLOW || kind == SCMP_ACT_LOG) &&
            seccomp::capability_checked(at.name) >= 0) {
            // Allowed by the policy and handed over only to be watched: it runs, as the
            // filter would let it; the report says whether the caller lacks the capability.
            report_capability(*st, *req, at);
            std::memset(resp, 0, sizeof *resp);
            resp->id = req->id;
            resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
            seccomp_notify_respond(listener, resp);
            continue;
        }
        bool consistent = true;
        int err = answer_for(at, st->context.layout, &consistent);
        const bool first = st->seen.count(report_key(*req, at)) == 0;
        const std::string program = first ? program_of(static_cast<pid_t>(req->pid)) : "";
        std::memset(resp, 0, sizeof *resp);
        resp->id = req->id;
        resp->error = -err;
        resp->val = 0;
        resp->flags = 0;
        // ENOENT: the caller was killed while we looked; nothing to answer.
        seccomp_notify_respond(listener, resp);
        report(*st, *req, err, consistent, at, program);
    }
    seccomp_notify_free(req, resp);
    close(listener);
}

}  // namespace

DenialReporter::DenialReporter(std::unique_ptr<State> state) : state_(std::move(state)) {}

Result<std::unique_ptr<DenialReporter>> DenialReporter::start(int socket, ExplainContext context) {
    auto st = std::make_unique<State>();
    st->socket = socket;
    st->context = std::move(context);
    if (pipe2(st->stop, O_CLOEXEC) != 0) {
        close(socket);
        return Error::sys("explain", "pipe2", "", errno);
    }
    if (!st->context.json_path.empty()) {
        // Not fopen: the path may lie in a directory an earlier sandbox could write to.
        auto out = OutputFile::pin(st->context.json_path, "explain");
        auto fd = out ? out->open_stream() : Result<Fd>(out.error());
        if (fd) st->json = ::fdopen(fd->get(), "w");
        if (!st->json) {
            Error error =
                fd ? Error::sys("explain", "fdopen", st->context.json_path, errno) : fd.error();
            close(socket);
            close(st->stop[0]);
            close(st->stop[1]);
            return error;
        }
        fd->release();
    }
    // The thread takes no signal: the supervisor's main thread waits for them.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    State* raw = st.get();
    st->thread = std::thread([raw] { serve(raw); });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return std::unique_ptr<DenialReporter>(new DenialReporter(std::move(st)));
}

const std::vector<std::string>& DenialReporter::events() const {
    return state_->events;
}

void DenialReporter::finish(int exit_code) {
    State& st = *state_;
    if (st.joined) return;
    // The sandbox has been reaped: every process using the filter is gone (the listener
    // hangs up too), so nothing is left to answer.
    if (write(st.stop[1], "x", 1) < 0) {
        // The thread still ends when the listener hangs up.
    }
    st.thread.join();
    st.joined = true;
    if (st.context.learn) return;

    std::string killing;
    for (const auto& abi : st.context.layout.abis) {
        for (const auto& e : abi.entries) {
            auto action = e.action & kActionMask;
            if (abi.arch != st.context.layout.abis.front().arch) continue;
            if (action == SCMP_ACT_KILL_PROCESS || action == SCMP_ACT_KILL_THREAD ||
                action == SCMP_ACT_TRAP) {
                killing += (killing.empty() ? "" : ", ") + e.name;
            }
        }
    }
    auto default_kind = st.context.layout.default_action & kActionMask;
    bool default_kills = default_kind == SCMP_ACT_KILL_PROCESS ||
                         default_kind == SCMP_ACT_KILL_THREAD || default_kind == SCMP_ACT_TRAP;
    if (exit_code == 128 + SIGSYS) {
        std::string what =
            killing.empty() ? std::string() : " (kill or trap rules: " + killing + ")";
        if (default_kills) what += "; the default action kills too";
        if (!st.context.layout.killed_abis.empty())
            what += "; every call through " +
                    fmt::format("{}", fmt::join(st.context.layout.killed_abis, ", ")) + " kills";
        std::fputs(("containerv: explain: the command ended with status 159, how a death by "
                    "SIGSYS is reported: a call the profile answers with kill or trap" +
                    what +
                    ". Which call cannot be attributed: the kernel tells only its audit log, "
                    "which containerv does not read.\n")
                       .c_str(),
                   stderr);
    }
    if (exit_code != 0) {
        std::fputs(fmt::format("containerv: explain: {} call(s) reported. Not attributed: "
                               "permission checks inside calls the filter allows (EPERM, "
                               "EACCES, EROFS from file modes, CAP_DAC_OVERRIDE and the like, "
                               "Landlock, read-only mounts, masked paths) other than the "
                               "capability-checked calls reported above: the kernel tells "
                               "only its audit log, which is not available here.\n",
                               st.reported)
                       .c_str(),
                   stderr);
    }
}

DenialReporter::~DenialReporter() {
    State& st = *state_;
    if (!st.joined) {
        if (write(st.stop[1], "x", 1) < 0) {
            // The thread still ends when the listener hangs up.
        }
        st.thread.join();
    }
    if (st.socket >= 0) close(st.socket);
    close(st.stop[0]);
    close(st.stop[1]);
    if (st.json) std::fclose(st.json);
}

int send_listener(int socket, int listener) noexcept {
    char byte = 'l';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &listener, sizeof listener);
    while (sendmsg(socket, &msg, MSG_NOSIGNAL) < 0) {
        if (errno != EINTR) return errno;
    }
    return 0;
}

}  // namespace containerv::linux_
