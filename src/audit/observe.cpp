// Reading a process's confinement from /proc. Every value keeps the file it came from and the
// text read, for the audit's evidence. Reads that need ptrace access (ns, fd, environ, root)
// fail for a process the auditor may not inspect; they stay unknown, never guessed.
#include "audit/observe.hpp"

#include "base/printable.hpp"

#include "plan/plan.hpp"

#include <dirent.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace containerv::audit {
namespace {

std::optional<std::string> slurp(const std::string& path, int& err) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        err = errno != 0 ? errno : EIO;
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        err = EIO;
        return std::nullopt;
    }
    return text.str();
}

std::string error_text(int err) {
    return std::string("unreadable: ") + std::strerror(err);
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

std::string trim(std::string s) {
    auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

// The process's start time (field 22 of stat): with the pid, it names one process for good.
std::optional<std::string> start_time(const std::string& proc) {
    int err = 0;
    auto stat = slurp(proc + "/stat", err);
    if (!stat) return std::nullopt;
    auto close = stat->rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(stat->substr(close + 2));
    std::string field;
    // After "(comm) ": state is field 3; start time is field 22.
    for (int i = 3; i <= 22 && fields >> field; ++i) {
    }
    return field;
}

std::optional<char> state_of(const std::string& proc) {
    int err = 0;
    auto stat = slurp(proc + "/stat", err);
    if (!stat) return std::nullopt;
    auto close = stat->rfind(')');
    if (close == std::string::npos || close + 2 >= stat->size()) return std::nullopt;
    return (*stat)[close + 2];
}

class Reader {
public:
    Reader(pid_t pid, const ObserveOptions& options)
        : options_(options), proc_(options.proc_root + "/" + std::to_string(pid)) {}

    const std::string& proc() const { return proc_; }

    // The file's text, or nullopt with `raw` set to the reason.
    std::optional<std::string> text(const std::string& name, std::string& raw) {
        if (options_.between_reads) options_.between_reads();
        int err = 0;
        auto t = slurp(proc_ + "/" + name, err);
        if (!t) raw = error_text(err);
        return t;
    }

private:
    const ObserveOptions& options_;
    std::string proc_;
};

void read_status(Reader& r, Observation& o) {
    std::string raw;
    auto text = r.text("status", raw);
    const std::string source = r.proc() + "/status";
    std::map<std::string, std::string> fields;
    if (text) {
        for (const auto& line : lines_of(*text)) {
            auto colon = line.find(':');
            if (colon != std::string::npos)
                fields[line.substr(0, colon)] = trim(line.substr(colon + 1));
        }
    }
    auto field = [&](const std::string& key) -> std::optional<std::string> {
        auto it = fields.find(key);
        if (it == fields.end()) return std::nullopt;
        return it->second;
    };
    auto caps = [&](const std::string& key, Read<CapSet>& out) {
        out.source = source + " " + key;
        auto v = field(key);
        if (!v) {
            out.raw = text ? "absent" : raw;
            return;
        }
        out.raw = *v;
        out.value = std::stoull(*v, nullptr, 16);
    };
    auto number = [&](const std::string& key, Read<int>& out) {
        out.source = source + " " + key;
        auto v = field(key);
        if (!v) {
            out.raw = text ? "absent" : raw;
            return;
        }
        out.raw = *v;
        out.value = std::stoi(*v);
    };
    o.comm = printable(field("Name").value_or(""));
    caps("CapPrm", o.cap_prm);
    caps("CapEff", o.cap_eff);
    caps("CapBnd", o.cap_bnd);
    caps("CapAmb", o.cap_amb);
    number("NoNewPrivs", o.no_new_privs);
    number("Seccomp", o.seccomp);
    number("Seccomp_filters", o.seccomp_filters);
    // "Uid: real effective saved fs"
    auto second = [&](const std::string& key, Read<std::uint32_t>& out) {
        out.source = source + " " + key;
        auto v = field(key);
        if (!v) {
            out.raw = text ? "absent" : raw;
            return;
        }
        out.raw = *v;
        std::istringstream in(*v);
        std::uint32_t real = 0, effective = 0;
        if (in >> real >> effective) out.value = effective;
    };
    second("Uid", o.euid);
    second("Gid", o.egid);
}

// Which id inside the namespace the outside id `id` is, through "inside outside count" lines.
std::optional<std::uint64_t> inside_id(const std::string& map, std::uint64_t id) {
    std::istringstream in(map);
    std::uint64_t inside = 0, outside = 0, count = 0;
    while (in >> inside >> outside >> count)
        if (id >= outside && id - outside < count) return inside + (id - outside);
    return std::nullopt;
}

void read_idmaps(Reader& r, Observation& o) {
    std::string raw;
    o.uid_map.source = r.proc() + "/uid_map";
    if (auto t = r.text("uid_map", raw)) {
        o.uid_map.value = trim(*t);
        o.uid_map.raw = trim(*t);
    } else {
        o.uid_map.raw = raw;
    }
    o.gid_map.source = r.proc() + "/gid_map";
    if (auto t = r.text("gid_map", raw)) {
        o.gid_map.value = trim(*t);
        o.gid_map.raw = trim(*t);
    } else {
        o.gid_map.raw = raw;
    }
    o.inner_euid.source = o.euid.source + ", " + o.uid_map.source;
    o.inner_euid.raw = o.uid_map.raw;
    if (o.uid_map.value && o.euid.value) {
        auto inner = inside_id(*o.uid_map.value, *o.euid.value);
        if (inner) {
            o.inner_euid.value = static_cast<std::uint32_t>(*inner);
            o.inner_euid.raw = std::to_string(*inner) + " inside (host " +
                               std::to_string(*o.euid.value) + "; uid_map " + o.uid_map.raw + ")";
        }
    }
}

void read_namespaces(Reader& r, Observation& o, const ObserveOptions& options) {
    // The host's namespaces are pid 1's; an auditor without access to them (rootless) compares
    // with its own, which the report says.
    char probe[256];
    const std::string init_ns = options.proc_root + "/1/ns/mnt";
    o.ns_reference = ::readlink(init_ns.c_str(), probe, sizeof probe) > 0
                         ? options.proc_root + "/1/ns"
                         : options.proc_root + "/self/ns";
    for (const char* ns : {"user", "mnt", "pid", "net", "ipc", "uts", "cgroup"}) {
        Read<bool> read;
        const std::string path = r.proc() + "/ns/" + ns;
        const std::string ref = o.ns_reference + "/" + ns;
        read.source = path;
        char target[256], reference[256];
        if (options.between_reads) options.between_reads();
        ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
        ssize_t m = ::readlink(ref.c_str(), reference, sizeof reference - 1);
        if (n < 0 || m < 0) {
            read.raw = error_text(errno);
        } else {
            target[n] = 0;
            reference[m] = 0;
            read.value = std::strcmp(target, reference) != 0;
            read.raw = std::string(target) + (*read.value ? " (host: " : " (same as host: ") +
                       reference + ")";
        }
        o.own_namespace[ns] = read;
    }
}

std::string unescape_octal(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

void read_mounts(Reader& r, Observation& o) {
    std::string raw;
    o.mounts.source = r.proc() + "/mountinfo";
    auto text = r.text("mountinfo", raw);
    if (!text) {
        o.mounts.raw = raw;
        return;
    }
    std::vector<MountEntry> mounts;
    for (const auto& line : lines_of(*text)) {
        std::istringstream in(line);
        MountEntry m;
        std::string parent, devno, root, point, opts, word;
        if (!(in >> m.id >> parent >> devno >> root >> point >> opts)) continue;
        m.mount_point = unescape_octal(point);
        m.options = opts;
        while (in >> word && word != "-")
            m.propagation += (m.propagation.empty() ? "" : " ") + word;
        in >> m.fstype >> m.source;
        mounts.push_back(m);
    }
    o.mounts.raw = std::to_string(mounts.size()) + " mounts";
    o.mounts.value = std::move(mounts);
}

// A path is covered when something is mounted on it or it does not exist in the process's
// root. Reading the root needs ptrace access, as the mounts do.
void read_masks(Reader& r, Observation& o) {
    for (const auto& path : sensitive_paths()) {
        Read<bool> read;
        read.source = r.proc() + "/mountinfo, " + r.proc() + "/root" + path;
        if (!o.mounts.value) {
            read.raw = o.mounts.raw;
            o.masked[path] = read;
            continue;
        }
        bool mounted = std::any_of(o.mounts.value->begin(), o.mounts.value->end(),
                                   [&](const MountEntry& m) { return m.mount_point == path; });
        if (mounted) {
            read.value = true;
            read.raw = "a mount covers " + path;
        } else {
            struct stat st {};
            const std::string in_root = r.proc() + "/root" + path;
            if (::lstat(in_root.c_str(), &st) == 0) {
                read.value = false;
                read.raw = path + " exists and nothing is mounted on it";
            } else if (errno == ENOENT) {
                read.value = true;
                read.raw = path + " does not exist in the process's root";
            } else {
                read.raw = error_text(errno);
            }
        }
        o.masked[path] = read;
    }
}

void read_root_entries(Reader& r, Observation& o) {
    const std::string root = r.proc() + "/root";
    o.runtime_sockets.source = root + "/{var/,}run/...";
    std::vector<std::string> sockets;
    bool readable = ::access((root + "/").c_str(), F_OK) == 0;
    for (const char* path :
         {"/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
          "/run/crio/crio.sock", "/run/podman/podman.sock", "/var/run/crio/crio.sock",
          "/run/containerv.sock"}) {
        struct stat st {};
        if (::stat((root + path).c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
            sockets.push_back(path);
    }
    if (readable) {
        o.runtime_sockets.value = sockets;
        o.runtime_sockets.raw = sockets.empty() ? "none" : std::to_string(sockets.size());
    } else {
        o.runtime_sockets.raw = error_text(errno);
    }

    // The few devices every sandbox gets; anything else in /dev reaches hardware or the kernel.
    static const char* const kUsual[] = {"null", "zero", "full",    "random", "urandom",
                                         "tty",  "ptmx", "console", "fuse"};
    o.devices.source = root + "/dev";
    DIR* dir = ::opendir((root + "/dev").c_str());
    if (!dir) {
        o.devices.raw = error_text(errno);
        return;
    }
    std::vector<std::string> devices;
    while (dirent* e = ::readdir(dir)) {
        std::string name = e->d_name;
        struct stat st {};
        if (::fstatat(::dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) continue;
        if (std::find_if(std::begin(kUsual), std::end(kUsual),
                         [&](const char* u) { return name == u; }) != std::end(kUsual))
            continue;
        devices.push_back("/dev/" + name);
    }
    ::closedir(dir);
    std::sort(devices.begin(), devices.end());
    o.devices.raw = std::to_string(devices.size()) + " other device nodes";
    o.devices.value = std::move(devices);
}

std::optional<std::uint64_t> parse_limit(const std::string& text) {
    std::string t = trim(text);
    if (t.empty() || t == "max" || t == "-1") return std::nullopt;
    std::uint64_t v = std::stoull(t);
    // v1 memory reports "unlimited" as the largest page-aligned value.
    if (v >= (std::uint64_t{1} << 62)) return std::nullopt;
    return v;
}

// The tightest limit set by a control file from the process's cgroup up to the hierarchy's
// root: a parent's limit binds its children.
void tightest(const std::string& base, const std::string& path, const std::string& file,
              const std::function<std::optional<std::uint64_t>(const std::string&,
                                                               const std::string&)>& parse,
              CgroupLimit& out) {
    std::string p = path;
    for (;;) {
        const std::string dir = base + (p == "/" ? "" : p);
        int err = 0;
        auto text = slurp(dir + "/" + file, err);
        if (text) {
            if (out.source.empty()) {
                out.source = dir + "/" + file;
                out.raw = trim(*text);
            }
            auto v = parse(dir, *text);
            if (v && (!out.value || *v < *out.value)) {
                out.value = v;
                out.source = dir + "/" + file;
                out.raw = trim(*text);
            }
        }
        if (p == "/" || p.empty()) break;
        auto slash = p.rfind('/');
        p = slash == 0 ? "/" : p.substr(0, slash);
    }
}

// How many effective programs of `type` the cgroup directory has, or -errno.
long bpf_programs(int cgroup_fd, bpf_attach_type type) {
    bpf_attr attr{};
    attr.query.target_fd = static_cast<__u32>(cgroup_fd);
    attr.query.attach_type = type;
    attr.query.query_flags = BPF_F_QUERY_EFFECTIVE;
    if (::syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof attr) != 0) return -errno;
    return attr.query.prog_cnt;
}

void read_cgroup_bpf(const std::string& dir, Observation& o) {
    struct Type {
        bpf_attach_type type;
        const char* name;
        bool net;
    };
    static const Type kTypes[] = {
        {BPF_CGROUP_INET_INGRESS, "inet_ingress", true},
        {BPF_CGROUP_INET_EGRESS, "inet_egress", true},
        {BPF_CGROUP_INET4_BIND, "inet4_bind", true},
        {BPF_CGROUP_INET6_BIND, "inet6_bind", true},
        {BPF_CGROUP_INET4_CONNECT, "inet4_connect", true},
        {BPF_CGROUP_INET6_CONNECT, "inet6_connect", true},
        {BPF_CGROUP_UDP4_SENDMSG, "udp4_sendmsg", true},
        {BPF_CGROUP_UDP6_SENDMSG, "udp6_sendmsg", true},
        {BPF_CGROUP_DEVICE, "device", false},
    };
    o.net_programs.source = o.device_programs.source = "BPF_PROG_QUERY " + dir;
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        o.net_programs.raw = o.device_programs.raw = error_text(errno);
        return;
    }
    std::vector<std::string> net, device;
    int failure = 0;
    for (const auto& t : kTypes) {
        long n = bpf_programs(fd, t.type);
        if (n < 0) {
            failure = static_cast<int>(-n);
            if (failure == EPERM || failure == EACCES) break;
            continue;  // a type this kernel lacks
        }
        if (n > 0) (t.net ? net : device).push_back(std::string(t.name) + ": " + std::to_string(n));
    }
    ::close(fd);
    if (failure == EPERM || failure == EACCES) {
        o.net_programs.raw = o.device_programs.raw =
            error_text(failure) + " (querying cgroup BPF programs needs CAP_SYS_ADMIN)";
        return;
    }
    auto shown = [](const std::vector<std::string>& v) {
        std::string out;
        for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
        return out.empty() ? std::string("none") : out;
    };
    o.net_programs.raw = shown(net);
    o.device_programs.raw = shown(device);
    o.net_programs.value = std::move(net);
    o.device_programs.value = std::move(device);
}

void read_cgroups(Reader& r, Observation& o, const ObserveOptions& options) {
    std::string raw;
    o.cgroups.source = r.proc() + "/cgroup";
    auto text = r.text("cgroup", raw);
    if (!text) {
        o.cgroups.raw = raw;
        return;
    }
    o.cgroups.value = lines_of(*text);
    o.cgroups.raw = trim(*text);
    read_cgroup_limits(*o.cgroups.value, options.cgroup_root, o);

    o.limits.source = r.proc() + "/limits";
    if (auto l = r.text("limits", raw)) {
        for (const auto& line : lines_of(*l))
            if (line.rfind("Max processes", 0) == 0) o.limits.value = trim(line);
        o.limits.raw = o.limits.value.value_or("absent");
    } else {
        o.limits.raw = raw;
    }
}

}  // namespace

void read_cgroup_limits(const std::vector<std::string>& lines, const std::string& root,
                        Observation& o) {
    // v2 lives at the root on a v2-only host, at unified/ on a hybrid one.
    struct stat st {};
    const std::string v2 =
        ::stat((root + "/cgroup.controllers").c_str(), &st) == 0 ? root : root + "/unified";
    auto plain = [](const std::string&, const std::string& t) { return parse_limit(t); };
    auto v1_cpu = [](const std::string& dir, const std::string& t) -> std::optional<std::uint64_t> {
        auto quota = parse_limit(t);
        int err = 0;
        auto period = slurp(dir + "/cpu.cfs_period_us", err);
        if (!quota || !period) return std::nullopt;
        auto p = parse_limit(*period);
        if (!p || *p == 0) return std::nullopt;
        return *quota * 1000 / *p;
    };
    auto v2_cpu = [](const std::string&, const std::string& t) -> std::optional<std::uint64_t> {
        std::istringstream in(t);
        std::string quota, period;
        if (!(in >> quota >> period) || quota == "max") return std::nullopt;
        auto p = std::stoull(period);
        if (p == 0) return std::nullopt;
        return std::stoull(quota) * 1000 / p;
    };
    for (const auto& line : lines) {
        auto first = line.find(':');
        auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        std::string controllers = line.substr(first + 1, second - first - 1);
        std::string path = line.substr(second + 1);
        if (controllers.empty()) {
            read_cgroup_bpf(v2 + (path == "/" ? "" : path), o);
            tightest(v2, path, "memory.max", plain, o.memory);
            tightest(v2, path, "pids.max", plain, o.pids);
            tightest(v2, path, "cpu.max", v2_cpu, o.cpu);
            continue;
        }
        std::istringstream names(controllers);
        for (std::string c; std::getline(names, c, ',');) {
            if (c == "memory")
                tightest(root + "/memory", path, "memory.limit_in_bytes", plain, o.memory);
            if (c == "pids") tightest(root + "/pids", path, "pids.max", plain, o.pids);
            if (c == "cpu") tightest(root + "/cpu", path, "cpu.cfs_quota_us", v1_cpu, o.cpu);
            if (c == "devices") {
                o.devices_list.source =
                    root + "/devices" + (path == "/" ? "" : path) + "/devices.list";
                int err = 0;
                if (auto list = slurp(o.devices_list.source, err)) {
                    o.devices_list.value = trim(*list);
                    o.devices_list.raw = trim(*list);
                    std::replace(o.devices_list.raw.begin(), o.devices_list.raw.end(), '\n', ';');
                } else {
                    o.devices_list.raw = error_text(err);
                }
            }
        }
    }
    for (auto* limit : {&o.memory, &o.pids, &o.cpu})
        if (limit->source.empty()) {
            limit->source = "no cgroup control file of the process's cgroups";
            limit->raw = "not in force";
        }
}

namespace {

void read_network(Reader& r, Observation& o) {
    std::string raw;
    o.interfaces.source = r.proc() + "/net/dev";
    auto text = r.text("net/dev", raw);
    if (!text) {
        o.interfaces.raw = raw;
        return;
    }
    std::vector<std::string> names;
    auto lines = lines_of(*text);
    for (size_t i = 2; i < lines.size(); ++i) {
        auto colon = lines[i].find(':');
        if (colon != std::string::npos) names.push_back(trim(lines[i].substr(0, colon)));
    }
    std::sort(names.begin(), names.end());
    std::string shown;
    for (const auto& n : names) shown += (shown.empty() ? "" : ",") + n;
    o.interfaces.raw = shown;
    o.interfaces.value = std::move(names);
}

// A descriptor on a directory or file whose mount the process cannot see (its mnt_id is not
// in its mountinfo) was opened outside its root: fchdir or openat through it escapes.
void read_fds(Reader& r, Observation& o) {
    o.dirs_outside.source = r.proc() + "/fd, " + r.proc() + "/fdinfo";
    o.files_outside.source = o.dirs_outside.source;
    if (!o.mounts.value) {
        o.dirs_outside.raw = o.files_outside.raw = "mountinfo " + o.mounts.raw;
        return;
    }
    const std::string fd_dir = r.proc() + "/fd";
    DIR* dir = ::opendir(fd_dir.c_str());
    if (!dir) {
        o.dirs_outside.raw = o.files_outside.raw = error_text(errno);
        return;
    }
    std::vector<std::string> dirs, files;
    while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] == '.') continue;
        const std::string fd = e->d_name;
        struct stat st {};
        if (::stat((fd_dir + "/" + fd).c_str(), &st) != 0) continue;
        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) continue;
        int err = 0;
        auto info = slurp(r.proc() + "/fdinfo/" + fd, err);
        if (!info) continue;
        int mnt_id = -1;
        for (const auto& line : lines_of(*info))
            if (line.rfind("mnt_id:", 0) == 0) mnt_id = std::stoi(line.substr(7));
        bool visible = std::any_of(o.mounts.value->begin(), o.mounts.value->end(),
                                   [&](const MountEntry& m) { return m.id == mnt_id; });
        if (visible) continue;
        char target[4096];
        ssize_t n = ::readlink((fd_dir + "/" + fd).c_str(), target, sizeof target - 1);
        std::string where = n > 0 ? std::string(target, n) : "?";
        (S_ISDIR(st.st_mode) ? dirs : files).push_back("fd " + fd + ": " + where);
    }
    ::closedir(dir);
    o.dirs_outside.raw = std::to_string(dirs.size()) + " directories from outside the root";
    o.files_outside.raw = std::to_string(files.size()) + " files from outside the root";
    o.dirs_outside.value = std::move(dirs);
    o.files_outside.value = std::move(files);
}

void read_environ(Reader& r, Observation& o) {
    std::string raw;
    o.secret_env.source = r.proc() + "/environ";
    auto text = r.text("environ", raw);
    if (!text) {
        o.secret_env.raw = raw;
        return;
    }
    std::vector<std::string> names;
    std::istringstream in(*text);
    for (std::string entry; std::getline(in, entry, '\0');) {
        auto eq = entry.find('=');
        std::string name = entry.substr(0, eq);  // the value is never kept
        if (looks_like_secret(name)) names.push_back(name);
    }
    std::string shown;
    for (const auto& n : names) shown += (shown.empty() ? "" : ",") + n;
    o.secret_env.raw = names.empty() ? "no secret-looking names" : "names: " + shown;
    o.secret_env.value = std::move(names);
}

void read_lsm(Reader& r, Observation& o) {
    std::string raw;
    o.lsm.source = r.proc() + "/attr/current";
    if (auto t = r.text("attr/current", raw)) {
        o.lsm.value = trim(std::string(t->c_str()));
        o.lsm.raw = o.lsm.value->empty() ? "empty (no LSM label)" : *o.lsm.value;
    } else {
        o.lsm.raw = raw + " (no AppArmor or SELinux in this kernel?)";
    }
    o.landlock.source = "(no kernel interface)";
    o.landlock.raw = "not observable: Linux reports no process's Landlock domain in /proc";
}

}  // namespace

const std::vector<std::string>& sensitive_paths() {
    static const std::vector<std::string> paths = baseline_masked_paths();
    return paths;
}

bool looks_like_secret(const std::string& name) {
    std::string upper;
    for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    static const char* const kWords[] = {"PASSWORD",   "PASSWD",     "PASSPHRASE", "SECRET",
                                         "TOKEN",      "API_KEY",    "APIKEY",     "PRIVATE_KEY",
                                         "ACCESS_KEY", "CREDENTIAL", "AUTH_KEY"};
    return std::any_of(std::begin(kWords), std::end(kWords),
                       [&](const char* w) { return upper.find(w) != std::string::npos; });
}

namespace {
Result<Observation> observe_or_throw(pid_t pid, const ObserveOptions& options);
}  // namespace

Result<Observation> observe(pid_t pid, const ObserveOptions& options) {
    // A number that does not parse (a file that is not what the kernel writes) is an error of
    // the audit, never a crash of the caller.
    try {
        return observe_or_throw(pid, options);
    } catch (const std::exception& e) {
        return Error::msg("audit", "pid " + std::to_string(pid) + ": unexpected content in " +
                                       options.proc_root + "/" + std::to_string(pid) + " or " +
                                       options.cgroup_root + ": " + e.what());
    }
}

namespace {

Result<Observation> observe_or_throw(pid_t pid, const ObserveOptions& options) {
    Observation o;
    o.pid = pid;
    o.proc = options.proc_root + "/" + std::to_string(pid);
    if (pid <= 0) return Error::msg("audit", "--pid " + std::to_string(pid) + ": not a pid");
    auto started = start_time(o.proc);
    if (!started)
        return Error::msg("audit", "pid " + std::to_string(pid) + ": no such process (" + o.proc +
                                       " does not exist)");
    if (state_of(o.proc) == 'Z')
        return Error::msg("audit", "pid " + std::to_string(pid) +
                                       " has exited (a zombie not yet reaped): nothing to audit");

    Reader r(pid, options);
    read_status(r, o);
    read_idmaps(r, o);
    read_namespaces(r, o, options);
    read_mounts(r, o);
    read_masks(r, o);
    read_root_entries(r, o);
    read_cgroups(r, o, options);
    read_network(r, o);
    read_fds(r, o);
    read_environ(r, o);
    read_lsm(r, o);

    // Everything above describes one process only if it still runs: a pid that ended (or was
    // reused) meanwhile gives a mix of two processes, or of a process and nothing.
    auto after = start_time(o.proc);
    if (!after || *after != *started || state_of(o.proc) == 'Z')
        return Error::msg("audit", "pid " + std::to_string(pid) +
                                       " exited during the audit: what was read describes no "
                                       "single process, so no result is given");
    return o;
}

}  // namespace

}  // namespace containerv::audit
