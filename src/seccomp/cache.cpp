// Compiled programs cached on disk.
//
// Trust comes from ownership, not from the file's content: an entry is read only from a
// directory and a file owned by the caller's euid and writable by nobody else, so only the
// caller (or root) could have written it. The checks on the content (full key, format,
// length, checksum) catch stale and damaged entries, not attackers.
#include "seccomp/cache.hpp"

#include "base/fd.hpp"
#include "base/printable.hpp"
#include "base/trusted_dir.hpp"

#include <fmt/format.h>
#include <seccomp.h>
#include <spdlog/spdlog.h>

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace containerv::seccomp {
namespace {

constexpr char kMagic[8] = {'C', 'V', 'S', 'E', 'C', 'B', 'P', 'F'};
// Bumped whenever the file layout or the key's serialisation changes. 2: the kind of program
// in the key, and hash64 instead of a byte-wise FNV-1a.
constexpr std::uint32_t kFormatVersion = 2;
// A key is a few KiB even for Docker's list; a bigger header is damage.
constexpr std::uint32_t kMaxKeySize = 1U << 20;

struct Header {
    char magic[8];
    std::uint32_t version;
    std::uint32_t key_size;
    std::uint32_t insn_count;
    std::uint32_t reserved;
    std::uint64_t checksum;  // of the program bytes
};
static_assert(sizeof(Header) == 32);

// FNV-1a's step taken over 64-bit words (a byte at a time, name and checksum were about a
// third of a cache hit's instructions), the length and the last partial word folded in, then
// MurmurHash3's finaliser so that every bit of the name depends on every word. Each step is a
// bijection of the state, so a change confined to one word always changes the result. It
// only spreads entries over file names and catches accidental damage: the full key is
// compared byte for byte, and only the owner can write the directory, so a collision or a
// forged checksum costs a miss, never a wrong program.
std::uint64_t hash64(std::string_view bytes) {
    constexpr std::uint64_t kPrime = 0x100000001b3ULL;
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    const char* at = bytes.data();
    std::size_t left = bytes.size();
    for (; left >= sizeof(std::uint64_t); left -= sizeof(std::uint64_t)) {
        std::uint64_t word;
        std::memcpy(&word, at, sizeof word);
        at += sizeof word;
        hash = (hash ^ word) * kPrime;
    }
    std::uint64_t last = 0;
    std::memcpy(&last, at, left);
    hash = (hash ^ last) * kPrime;
    hash = (hash ^ bytes.size()) * kPrime;  // tells "ab" from "ab\0"
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdULL;
    hash ^= hash >> 33;
    hash *= 0xc4ceb9fe1a85ec53ULL;
    hash ^= hash >> 33;
    return hash;
}

std::string_view bytes_of(const BpfProgram& program) {
    return {reinterpret_cast<const char*>(program.insns.data()),
            program.insns.size() * sizeof(sock_filter)};
}

// Length-prefixed, so that no name can run into the next field. to_chars, not to_string: no
// temporary string per field.
void put(std::string& out, std::string_view field) {
    char digits[20];
    const char* end = std::to_chars(digits, digits + sizeof digits, field.size()).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits));
    out += ':';
    out.append(field);
    out += '\n';
}

void put(std::string& out, std::uint64_t value) {
    char digits[20];
    const char* end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    put(out, std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

void put_names(std::string& out, const std::vector<std::string>& names) {
    put(out, names.size());
    for (const std::string& name : names) put(out, name);
}

struct BuildIdQuery {
    std::uintptr_t address = 0;  // find the object holding this address, or
    std::string_view soname;     // the object whose path contains this
    std::string id;
    bool found = false;
};

std::string build_id_of(const dl_phdr_info* info) {
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_NOTE) continue;
        const char* at = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
        const char* end = at + ph.p_memsz;
        while (at + sizeof(ElfW(Nhdr)) <= end) {
            const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(at);
            const char* name = at + sizeof(ElfW(Nhdr));
            const char* desc = name + ((note->n_namesz + 3) & ~3U);
            if (desc + note->n_descsz > end) break;
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
                std::memcmp(name, "GNU", 4) == 0) {
                static constexpr char kHex[] = "0123456789abcdef";
                std::string hex;
                for (std::size_t j = 0; j < note->n_descsz; ++j) {
                    const auto byte = static_cast<unsigned char>(desc[j]);
                    hex += kHex[byte >> 4];
                    hex += kHex[byte & 0xf];
                }
                return hex;
            }
            at = desc + ((note->n_descsz + 3) & ~3U);
        }
    }
    return {};
}

int match_object(dl_phdr_info* info, std::size_t, void* data) {
    auto* query = static_cast<BuildIdQuery*>(data);
    bool match = false;
    if (!query->soname.empty()) {
        match = info->dlpi_name != nullptr &&
                std::string_view(info->dlpi_name).find(query->soname) != std::string_view::npos;
    } else {
        for (int i = 0; i < info->dlpi_phnum && !match; ++i) {
            const ElfW(Phdr)& ph = info->dlpi_phdr[i];
            const std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
            match = ph.p_type == PT_LOAD && query->address >= start &&
                    query->address < start + ph.p_memsz;
        }
    }
    if (!match) return 0;
    query->found = true;
    query->id = build_id_of(info);
    return 1;
}

// The compiler's own code decides the program as much as the policy does; its build id
// changes with every change to it. Empty when the object has none.
const std::string& compiler_build_id() {
    static const std::string id = [] {
        BuildIdQuery query;
        query.address = reinterpret_cast<std::uintptr_t>(&match_object);
        ::dl_iterate_phdr(match_object, &query);
        return query.id;
    }();
    return id;
}

// libseccomp's syscall tables decide the numbers; a distribution may patch them without a
// new version number. Found by name: a function's address in a non-PIE program can be a stub
// in the program itself. "static" when libseccomp is linked into the compiler's object.
const std::string& libseccomp_build_id() {
    static const std::string id = [] {
        BuildIdQuery query;
        query.soname = "libseccomp.so";
        ::dl_iterate_phdr(match_object, &query);
        return query.found ? query.id : std::string("static");
    }();
    return id;
}

bool env_set(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' && std::string_view(value) != "0";
}

bool read_all(int fd, char* out, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::read(fd, out + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

bool write_all(int fd, std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// The entry, when it is there, trusted and exactly for this key.
bool load_entry(int dir_fd, const std::string& name, const std::string& key, BpfProgram& program) {
    Fd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (fd.get() < 0) {
        if (errno != ENOENT)
            spdlog::debug("seccomp cache: open({}): {}", name, std::strerror(errno));
        return false;
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    if (st.st_uid != ::geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        spdlog::debug("seccomp cache: {} ignored: owned by uid {} with mode {:o}", name, st.st_uid,
                      st.st_mode & 07777);
        return false;
    }
    const std::size_t most = sizeof(Header) + kMaxKeySize + BPF_MAXINSNS * sizeof(sock_filter);
    const auto size = static_cast<std::size_t>(st.st_size);
    // The header and the key in one read, the program then straight into place: an entry for
    // this key holds exactly this key, and any other size is a miss.
    std::string head(std::min(size, sizeof(Header) + key.size()), '\0');
    if (size < sizeof(Header) || size > most || !read_all(fd.get(), head.data(), head.size())) {
        spdlog::debug("seccomp cache: {} ignored: {} bytes, unreadable or out of bounds", name,
                      size);
        return false;
    }

    Header header;
    std::memcpy(&header, head.data(), sizeof header);
    const std::size_t program_size = std::size_t{header.insn_count} * sizeof(sock_filter);
    const char* why = nullptr;
    if (std::memcmp(header.magic, kMagic, sizeof kMagic) != 0) {
        why = "not a cache entry";
    } else if (header.version != kFormatVersion) {
        why = "another format version";
    } else if (header.key_size > kMaxKeySize || header.insn_count == 0 ||
               header.insn_count > BPF_MAXINSNS ||
               size != sizeof(Header) + header.key_size + program_size) {
        why = "sizes do not add up";
    } else if (header.key_size != key.size() ||
               std::string_view(head).substr(sizeof(Header)) != key) {
        why = "another key (a hash collision or a stale entry)";
    } else {
        program.insns.resize(header.insn_count);
        if (!read_all(fd.get(), reinterpret_cast<char*>(program.insns.data()), program_size)) {
            why = "the program is unreadable";
        } else if (hash64(bytes_of(program)) != header.checksum) {
            why = "the program's checksum does not match";
        }
    }
    if (why != nullptr) {
        spdlog::debug("seccomp cache: {} ignored: {}", name, why);
        program.insns.clear();
        return false;
    }
    return true;
}

// An entry neither read nor written for this long is removed at the next write. Every new
// build of containerv or libseccomp, every format change and every profile edited keys new
// entries and leaves the old ones unreachable; without this the directory only grows. Reads
// refresh the access time (relatime, at most daily); on a noatime mount an entry in use may
// go after 30 days too, and costs one compile.
constexpr time_t kUnusedEntrySeconds = 30L * 24 * 60 * 60;

// Names the cache writes: "<16 hex digits>.bpf" for entries, ".tmp.PID.N" for temporaries.
bool is_entry_name(std::string_view file) {
    if (file.size() != 20 || !file.ends_with(".bpf")) return false;
    return std::all_of(file.begin(), file.begin() + 16,
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

long temporary_pid(std::string_view file) {
    if (!file.starts_with(".tmp.")) return 0;
    file.remove_prefix(5);
    const auto dot = file.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == file.size()) return 0;
    const auto digits = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (!digits(file.substr(0, dot)) || !digits(file.substr(dot + 1)) || dot > 9) return 0;
    return std::strtol(std::string(file.substr(0, dot)).c_str(), nullptr, 10);
}

// An entry's header starts with the cache's magic (read without touching its access time).
bool starts_with_magic(int dir_fd, const char* name) {
    Fd fd(::openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOATIME | O_CLOEXEC));
    char magic[sizeof kMagic];
    return fd.get() >= 0 && read_all(fd.get(), magic, sizeof magic) &&
           std::memcmp(magic, kMagic, sizeof kMagic) == 0;
}

// Run before each write (a miss, rare and already paying a compile): removes long-unused
// entries, and the temporaries that a writer killed between creating and renaming left
// behind, once that process is gone. Only what the cache itself writes is removed: a regular
// file of the caller's, named as the cache names it (and for an entry, with its magic).
void sweep(int dir_fd) {
    Fd copy(::dup(dir_fd));
    if (copy.get() < 0) return;
    DIR* d = ::fdopendir(copy.get());
    if (d == nullptr) return;
    copy.release();  // the stream owns it now
    const time_t now = ::time(nullptr);
    while (const dirent* entry = ::readdir(d)) {
        const std::string_view file = entry->d_name;
        const long pid = temporary_pid(file);
        if (pid <= 0 && !is_entry_name(file)) continue;
        struct stat st;
        if (::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) continue;
        if (pid > 0) {
            // Pids as this pid namespace sees them: a writer in another one that shares the
            // directory may lose its temporary, and then only fails to store its entry.
            if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
                ::unlinkat(dir_fd, entry->d_name, 0);
            continue;
        }
        const time_t used = std::max(st.st_atime, st.st_mtime);
        if (now - used > kUnusedEntrySeconds && starts_with_magic(dir_fd, entry->d_name)) {
            spdlog::debug("seccomp cache: {} removed: unused for {} days", file,
                          (now - used) / 86400);
            ::unlinkat(dir_fd, entry->d_name, 0);
        }
    }
    ::closedir(d);
}

std::string temporary_name() {
    // Threads of one process starting sandboxes at once need names of their own.
    static std::atomic<unsigned> counter = 0;
    return fmt::format(".tmp.{}.{}", ::getpid(), counter++);
}

// Replaces the entry atomically: readers see the old file or the new one, never a part, and
// concurrent writers of one key each rename a complete, identical file. No fsync: an entry
// lost or torn by a crash fails its checks and is compiled again.
void store_entry(int dir_fd, const std::string& name, const std::string& key,
                 const BpfProgram& program) {
    const std::string_view bytes = bytes_of(program);
    Header header{};
    std::memcpy(header.magic, kMagic, sizeof kMagic);
    header.version = kFormatVersion;
    header.key_size = static_cast<std::uint32_t>(key.size());
    header.insn_count = static_cast<std::uint32_t>(program.insns.size());
    header.checksum = hash64(bytes);
    std::string data(reinterpret_cast<const char*>(&header), sizeof header);
    data += key;
    data += bytes;

    sweep(dir_fd);
    const std::string temp = temporary_name();
    // First choice: an unnamed file that gets a name only once complete, so a writer killed
    // while writing leaves nothing. Where O_TMPFILE or /proc is missing, a named one.
    bool named = false;
    if (Fd unnamed(::openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
        unnamed.get() >= 0 && ::fchmod(unnamed.get(), 0600) == 0 &&
        write_all(unnamed.get(), data)) {
        const std::string self = "/proc/self/fd/" + std::to_string(unnamed.get());
        named = ::linkat(AT_FDCWD, self.c_str(), dir_fd, temp.c_str(), AT_SYMLINK_FOLLOW) == 0;
    }
    if (!named) {
        Fd fd(::openat(dir_fd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (fd.get() < 0 || ::fchmod(fd.get(), 0600) != 0 || !write_all(fd.get(), data)) {
            spdlog::debug("seccomp cache: writing {} failed: {}", name, std::strerror(errno));
            if (fd.get() >= 0) ::unlinkat(dir_fd, temp.c_str(), 0);
            return;
        }
    }
    if (::renameat(dir_fd, temp.c_str(), dir_fd, name.c_str()) != 0) {
        spdlog::debug("seccomp cache: renameat({}): {}", name, std::strerror(errno));
        ::unlinkat(dir_fd, temp.c_str(), 0);
        return;
    }
    spdlog::debug("seccomp cache: {}: {} instructions stored", name, program.insns.size());
}

}  // namespace

std::string cache_dir() {
    if (const char* dir = std::getenv("CONTAINERV_CACHE_DIR"); dir != nullptr && *dir != '\0') {
        if (*dir == '/') return std::string(dir) + "/seccomp";
        // Relative to what? Not to the caller's directory of the moment; said once a process.
        static std::atomic<bool> said = false;
        if (!said.exchange(true))
            spdlog::warn("CONTAINERV_CACHE_DIR={} ignored: not an absolute path", printable(dir));
    }
    if (::geteuid() == 0) return "/var/cache/containerv/seccomp";
    // The XDG base directory specification ignores relative paths.
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') {
        return std::string(xdg) + "/containerv/seccomp";
    }
    if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
        return std::string(home) + "/.cache/containerv/seccomp";
    }
    return {};
}

namespace {

// The fields every key starts with: the format, the kind of program ("policy", "init") and
// what decides any program the compiler makes.
std::string key_head(std::string_view kind, std::size_t reserve) {
    std::string key;
    key.reserve(reserve);
    put(key, "containerv seccomp cache");
    put(key, kFormatVersion);
    put(key, kind);
    put(key, compiler_build_id());
    put(key, libseccomp_build_id());
    const scmp_version* version = seccomp_version();
    put(key, fmt::format("{}.{}.{}", version->major, version->minor, version->micro));
    // The API level stands for the kernel's seccomp features libseccomp checks (which actions
    // exist, for one).
    put(key, seccomp_api_get());
    put(key, seccomp_arch_native());
    return key;
}

// `compile` through the cache, under the key `make_key` gives (made only once the cache is
// usable).
template <typename MakeKey, typename Compile>
Result<BpfProgram> through_cache(MakeKey make_key, Compile compile, bool* hit) {
    if (hit != nullptr) *hit = false;
    if (env_set("CONTAINERV_NO_SECCOMP_CACHE")) return compile();
    // Without build ids a changed compiler or libseccomp could not be told from the one that
    // wrote an entry.
    if (compiler_build_id().empty() || libseccomp_build_id().empty()) {
        spdlog::debug("seccomp cache: off: no build id for containerv or libseccomp");
        return compile();
    }
    const std::string dir = cache_dir();
    if (dir.empty()) return compile();
    // Entries written by anyone else could hold any program, and a directory that anyone
    // else could swap for a link would send our writes and the sweep's removals wherever
    // they chose: the whole path must be the caller's (or root's).
    std::string why;
    Fd dir_fd(open_trusted_dir(dir, true, &why));
    if (dir_fd.get() < 0) {
        spdlog::debug("seccomp cache: {} not used: {}", printable(dir), printable(why));
        return compile();
    }

    const std::string key = make_key();
    if (key.size() > kMaxKeySize) return compile();
    const std::string name = cache_file_name(key);
    BpfProgram program;
    if (load_entry(dir_fd.get(), name, key, program)) {
        spdlog::debug("seccomp cache: {}/{}: {} instructions loaded", printable(dir), name,
                      program.insns.size());
        if (hit != nullptr) *hit = true;
        return program;
    }

    auto compiled = compile();
    if (compiled) store_entry(dir_fd.get(), name, key, *compiled);
    return compiled;
}

}  // namespace

std::string cache_key(const SyscallPolicy& policy, const CompileOptions& options) {
    // About 16 bytes a name: one allocation for Docker's list.
    std::size_t names = policy.allowed.size() + policy.blocked.size();
    for (const SyscallRule& rule : policy.rules) names += rule.names.size() + 4 * rule.args.size();
    std::string key = key_head("policy", 256 + 24 * names);
    put(key, options.foreign_abis_kill ? 1 : 0);
    put(key, options.notify_denials ? 1 : 0);
    put(key, options.binary_tree ? 1 : 0);

    put(key, static_cast<std::uint64_t>(policy.default_action));
    put(key, static_cast<std::uint64_t>(static_cast<std::uint32_t>(policy.default_errno)));
    put_names(key, policy.allowed);
    put_names(key, policy.blocked);
    put(key, policy.rules.size());
    for (const SyscallRule& rule : policy.rules) {
        put_names(key, rule.names);
        put(key, static_cast<std::uint64_t>(rule.action));
        put(key, static_cast<std::uint64_t>(static_cast<std::uint32_t>(rule.errno_value)));
        put(key, rule.args.size());
        for (const ArgCondition& cond : rule.args) {
            put(key, cond.index);
            put(key, static_cast<std::uint64_t>(cond.op));
            put(key, cond.value);
            put(key, cond.value_two);
        }
    }
    return key;
}

std::string init_filter_cache_key() {
    // compile_init_filter() has no input: its code (the compiler's build id), libseccomp and
    // the kernel decide the program.
    return key_head("init", 256);
}

std::string cache_file_name(const std::string& key) {
    return fmt::format("{:016x}.bpf", hash64(key));
}

Result<BpfProgram> compile_cached(const SyscallPolicy& policy, const CompileOptions& options,
                                  bool* hit) {
    return through_cache([&] { return cache_key(policy, options); },
                         [&] { return compile(policy, options); }, hit);
}

Result<BpfProgram> compile_init_filter_cached(bool* hit) {
    return through_cache(init_filter_cache_key, compile_init_filter, hit);
}

}  // namespace containerv::seccomp
