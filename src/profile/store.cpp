#include "profile/store.hpp"

#include "base/fd.hpp"

#include "profile/json.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>

namespace containerv {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxNameLength = 64;
// A profile is a few KiB; anything far bigger is not one, and is not read into memory.
constexpr off_t kMaxFileSize = 1 << 20;
constexpr const char* kBuiltinSource = "built-in";
constexpr std::size_t kNoDir = static_cast<std::size_t>(-1);
constexpr std::size_t kMaxChain = 32;

std::string in_quotes(std::string_view s) {
    return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

Error store_error(std::string message) {
    return Error::msg("profile", std::move(message));
}

// The profile names a directory holds: NAME.json files with a valid NAME. Temporary files of a
// save in progress start with "." and are no names.
std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return names;
    while (const dirent* entry = ::readdir(d)) {
        const std::string file = entry->d_name;
        if (file.size() <= 5 || !file.ends_with(".json")) continue;
        std::string name = file.substr(0, file.size() - 5);
        if (check_profile_name(name).ok()) names.push_back(std::move(name));
    }
    ::closedir(d);
    return names;
}

// A replacing save names its temporary ".NAME.json.PID.N" for the instant between link and
// rename; one killed in that instant leaves it behind. Those of dead processes are removed.
void sweep_dead_temporaries(const std::string& dir, std::string_view name) {
    const std::string prefix = "." + std::string(name) + ".json.";
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return;
    while (const dirent* entry = ::readdir(d)) {
        const std::string file = entry->d_name;
        if (!file.starts_with(prefix)) continue;
        const std::string rest = file.substr(prefix.size());
        const auto dot = rest.find('.');
        if (dot == std::string::npos || dot == 0) continue;
        char* end = nullptr;
        const long pid = std::strtol(rest.c_str(), &end, 10);
        if (end != rest.c_str() + dot || pid <= 0) continue;
        if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
            ::unlinkat(::dirfd(d), file.c_str(), 0);
    }
    ::closedir(d);
}

// Removes a temporary file unless it was renamed into place.
class TempFile {
public:
    explicit TempFile(std::string path) : path_(std::move(path)) {}
    ~TempFile() {
        if (!path_.empty()) ::unlink(path_.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }
    void keep() { path_.clear(); }

private:
    std::string path_;
};

// A profile decides what a sandbox may do, so only its owner and root may have written it: the
// file and its directory must not be writable by anyone else (as ssh treats its keys). A
// sticky directory (/tmp) protects its entries from other users.
Status check_trusted(const std::string& path, const struct stat& st) {
    const uid_t me = ::geteuid();
    if (st.st_uid != me && st.st_uid != 0) {
        return store_error(path + ": owned by uid " + std::to_string(st.st_uid) +
                           " (expected a profile owned by you or by root)");
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        return store_error(path +
                           ": writable by group or others (expected mode 0644 or "
                           "stricter: whoever can write a profile controls the sandbox)");
    }
    std::string dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty()) dir = ".";
    struct stat ds;
    if (::stat(dir.c_str(), &ds) != 0) return Error::sys("profile", "stat", dir, errno);
    if ((ds.st_mode & (S_IWGRP | S_IWOTH)) && !(ds.st_mode & S_ISVTX)) {
        return store_error(path + ": in a directory others can write (" + dir +
                           "), where the file could be replaced (expected a directory only "
                           "its owner can write, or a sticky one)");
    }
    return Ok{};
}

}  // namespace

Result<std::string> read_profile_text(const std::string& path) {
    // O_NONBLOCK: a FIFO by a profile's name must not hang the reader until it is refused
    // below; reads of a regular file do not block anyway.
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (fd.get() < 0) return Error::sys("profile", "open", path, errno);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return Error::sys("profile", "fstat", path, errno);
    if (!S_ISREG(st.st_mode)) return store_error(path + ": not a regular file");
    if (auto trusted = check_trusted(path, st); !trusted) return trusted.error();
    if (st.st_size > kMaxFileSize) {
        return store_error(path + ": " + std::to_string(st.st_size) +
                           " bytes (expected a profile of at most 1 MiB)");
    }
    std::string text;
    char buf[8192];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::sys("profile", "read", path, errno);
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        // The file may grow while it is read.
        if (text.size() > static_cast<std::size_t>(kMaxFileSize)) {
            return store_error(path + ": more than 1 MiB (expected a profile of at most 1 MiB)");
        }
    }
    return text;
}

namespace {

Status write_all(int fd, const std::string& text, const std::string& path) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::sys("profile", "write", path, errno);
        done += static_cast<std::size_t>(n);
    }
    return Ok{};
}

// A directory's entries reach the disk only with an fsync of the directory itself.
Status sync_dir(const std::string& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return Error::sys("profile", "open", dir, errno);
    if (::fsync(fd.get()) != 0) return Error::sys("profile", "fsync", dir, errno);
    return Ok{};
}

// mkdir -p, each new directory made durable in its parent.
Status make_dirs(const std::string& dir, mode_t mode) {
    if (dir.empty()) return store_error("no directory to save to (set HOME or XDG_CONFIG_HOME)");
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return Ok{};
        return store_error(dir + ": not a directory");
    }
    const std::string parent = std::filesystem::path(dir).parent_path().string();
    if (!parent.empty() && parent != dir) {
        if (auto ok = make_dirs(parent, mode); !ok) return ok;
    }
    // Another process may make it at the same moment: that is as good.
    if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
        return Error::sys("profile", "mkdir", dir, errno);
    }
    return parent.empty() ? Status(Ok{}) : sync_dir(parent);
}

std::string file_of(const std::string& dir, std::string_view name) {
    return dir + "/" + std::string(name) + ".json";
}

bool exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

std::string stem(const std::string& path) {
    return std::filesystem::path(path).stem().string();
}

// The "name" a profile file gives itself, if it parses and gives one.
std::optional<std::string> own_name(const std::string& text) {
    const json doc = json::parse(text, nullptr, false);
    if (doc.is_object()) {
        if (auto it = doc.find("name"); it != doc.end() && it->is_string()) {
            return it->get<std::string>();
        }
    }
    return std::nullopt;
}

std::vector<std::string> split_path(const char* value) {
    std::vector<std::string> dirs;
    if (value == nullptr) return dirs;
    std::string text = value;
    std::size_t start = 0;
    for (;;) {
        const std::size_t colon = text.find(':', start);
        std::string dir = text.substr(start, colon - start);
        // A relative directory would make the profile depend on the working directory, as "."
        // in PATH does; the XDG base directory rules ignore them too.
        if (!dir.empty() && dir[0] == '/') dirs.push_back(std::move(dir));
        if (colon == std::string::npos) return dirs;
        start = colon + 1;
    }
}

std::string user_profile_dir() {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/containerv/profiles";
    std::string home;
    if (const char* h = std::getenv("HOME"); h != nullptr && h[0] == '/') {
        home = h;
    } else if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_dir) {
        home = pw->pw_dir;
    }
    return home.empty() ? "" : home + "/.config/containerv/profiles";
}

std::string same_dir_key(const std::string& dir) {
    std::error_code ec;
    auto canonical = std::filesystem::weakly_canonical(dir, ec);
    return ec ? dir : canonical.string();
}

}  // namespace

struct ProfileStore::Located {
    std::string path;  // empty: the built-in
    std::size_t dir = kNoDir;
};

// The profiles being resolved, innermost first: an "extends" back into one is a cycle.
struct ProfileStore::Chain {
    std::string name;
    std::string source;
    const Chain* outer = nullptr;
};

Status check_profile_name(std::string_view name) {
    if (name.empty()) return store_error("a profile name cannot be empty");
    if (name.size() > kMaxNameLength) {
        return store_error("profile name " + in_quotes(name) + " is " +
                           std::to_string(name.size()) + " characters long (expected at most 64)");
    }
    auto alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    if (!alnum(name[0])) {
        return store_error("profile name " + in_quotes(name) +
                           " does not start with a letter or digit (expected [A-Za-z0-9] first)");
    }
    for (char c : name) {
        if (!alnum(c) && c != '.' && c != '_' && c != '-') {
            return store_error("profile name " + in_quotes(name) + " contains " +
                               in_quotes(std::string(1, c)) +
                               " (expected letters, digits, '.', '_' and '-')");
        }
    }
    // "--profile x.json" means a file; a stored profile of that name could never be named.
    if (name.ends_with(".json")) {
        return store_error("profile name " + in_quotes(name) +
                           " ends in \".json\" (a name is given without the extension)");
    }
    return Ok{};
}

bool is_profile_path(std::string_view spec) {
    return spec.find('/') != std::string_view::npos || spec.ends_with(".json");
}

ProfileStore ProfileStore::from_environment() {
    return ProfileStore(split_path(std::getenv("CONTAINERV_PROFILE_PATH")), user_profile_dir(),
                        "/etc/containerv/profiles");
}

ProfileStore::ProfileStore(std::vector<std::string> search_path, std::string user_dir,
                           std::string system_dir)
    : user_dir_(std::move(user_dir)), system_dir_(std::move(system_dir)) {
    search_path.push_back(user_dir_);
    search_path.push_back(system_dir_);
    for (std::string& dir : search_path) {
        if (dir.empty()) continue;
        if (std::find(search_path_.begin(), search_path_.end(), dir) != search_path_.end()) {
            continue;
        }
        search_path_.push_back(std::move(dir));
    }
}

std::vector<ProfileStore::Located> ProfileStore::locate_all(std::string_view name) const {
    std::vector<Located> found;
    for (std::size_t i = 0; i < search_path_.size(); ++i) {
        // Anything by that name counts, so that a directory or a dangling link is an error
        // naming it rather than silently skipped.
        if (std::string path = file_of(search_path_[i], name); exists(path)) {
            found.push_back({std::move(path), i});
        }
    }
    if (find_builtin(name)) found.push_back({"", kNoDir});
    return found;
}

std::vector<std::string> ProfileStore::visible_names() const {
    std::vector<std::string> names;
    for (const std::string& dir : search_path_) {
        for (std::string& name : names_in(dir)) names.push_back(std::move(name));
    }
    for (const Profile& p : builtin_profiles()) names.push_back(p.name);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

Result<json> ProfileStore::resolve(std::string_view name, std::size_t first_dir,
                                   const Chain* chain) const {
    if (auto ok = check_profile_name(name); !ok) return ok.error();
    std::vector<Located> found = locate_all(name);
    std::erase_if(found, [&](const Located& l) { return l.dir != kNoDir && l.dir < first_dir; });
    if (found.empty()) {
        if (first_dir > 0) {
            return store_error("no profile " + in_quotes(name) + " after " +
                               search_path_[first_dir - 1] +
                               " in the search order (a profile that extends its own name "
                               "builds on the next one of that name)");
        }
        return store_error("unknown profile " + in_quotes(name) +
                           did_you_mean(name, visible_names()));
    }
    const Located& where = found.front();
    if (where.path.empty()) return profile_to_json(*find_builtin(name));

    std::size_t length = 0;
    for (const Chain* c = chain; c != nullptr; c = c->outer) ++length;
    // Cycles are caught by path below; this bounds the recursion whatever the paths look like.
    if (length >= kMaxChain) {
        return store_error("extends chain longer than " + std::to_string(kMaxChain) +
                           " profiles at " + in_quotes(name) + " (expected a shorter chain)");
    }
    for (const Chain* c = chain; c != nullptr; c = c->outer) {
        if (c->source != where.path) continue;
        std::vector<std::string> names{std::string(name)};
        for (const Chain* d = chain; d != c->outer; d = d->outer) names.push_back(d->name);
        std::string text;
        for (auto it = names.rbegin(); it != names.rend(); ++it) {
            text += (text.empty() ? "" : " -> ") + *it;
        }
        return store_error("extends cycle: " + text +
                           " (expected a chain that ends in a "
                           "profile without extends)");
    }
    return resolve_file(where.path, std::string(name), chain, false, nullptr);
}

Result<json> ProfileStore::resolve_file(const std::string& path, const std::string& stored_name,
                                        const Chain* chain, bool check_host,
                                        std::vector<Problem>* problems_out) const {
    auto text = read_profile_text(path);
    if (!text) return text.error();
    const std::string name =
        stored_name.empty() ? own_name(*text).value_or(stem(path)) : stored_name;

    // A profile that extends its own name builds on the next one of that name in the search
    // order (a stored "default" on the built-in one), not on itself.
    std::size_t next_dir = 0;
    if (stem(path) == name) {
        const std::string dir_key = same_dir_key(std::filesystem::path(path).parent_path());
        for (std::size_t i = 0; i < search_path_.size(); ++i) {
            if (same_dir_key(search_path_[i]) == dir_key) next_dir = i + 1;
        }
    }

    const Chain here{name, path, chain};
    ValidateOptions options;
    options.base = [&](const std::string& base) -> Result<json> {
        return resolve(base, base == name ? next_dir : 0, &here);
    };
    options.check_host = check_host;
    options.stored_name = stored_name;
    json resolved;
    std::vector<Problem> problems = validate_profile_text(*text, path, options, &resolved);

    if (problems_out) *problems_out = problems;
    if (!problems.empty()) {
        std::string more;
        if (problems.size() > 1) {
            more = " (and " + std::to_string(problems.size() - 1) +
                   " more; see containerv profile validate " + path + ")";
        }
        return store_error(problems.front().to_string() + more);
    }
    resolved["name"] = name;
    return resolved;
}

namespace {

// The model of a resolved document, held to the same rules as any profile.
Result<Profile> to_profile(const json& doc, const std::string& source) {
    auto profile = profile_from_json(doc, source);
    if (!profile) return profile.error();
    if (auto ok = check_consistency(*profile); !ok) {
        return store_error(source + ": " + ok.error().message);
    }
    return profile;
}

}  // namespace

Result<StoredProfile> ProfileStore::load(std::string_view name) const {
    if (auto ok = check_profile_name(name); !ok) return ok.error();
    const std::vector<Located> found = locate_all(name);
    if (found.empty()) {
        return store_error("unknown profile " + in_quotes(name) +
                           did_you_mean(name, visible_names()));
    }
    StoredProfile stored;
    for (std::size_t i = 1; i < found.size(); ++i) {
        stored.shadows.push_back(found[i].path.empty() ? kBuiltinSource : found[i].path);
    }
    if (found.front().path.empty()) {
        stored.profile = *find_builtin(name);
        stored.source = kBuiltinSource;
        return stored;
    }
    stored.source = found.front().path;
    stored.shadows_builtin = find_builtin(name) != nullptr;
    auto doc = resolve(name, 0, nullptr);
    if (!doc) return doc.error();
    auto profile = to_profile(*doc, stored.source);
    if (!profile) return profile.error();
    stored.profile = std::move(*profile);
    return stored;
}

Result<StoredProfile> ProfileStore::load_file(const std::string& path) const {
    auto doc = resolve_file(path, "", nullptr, false, nullptr);
    if (!doc) return doc.error();
    auto profile = to_profile(*doc, path);
    if (!profile) return profile.error();
    StoredProfile stored;
    stored.profile = std::move(*profile);
    stored.source = path;
    return stored;
}

Result<StoredProfile> ProfileStore::load_name_or_file(const std::string& spec) const {
    if (is_profile_path(spec)) return load_file(spec);
    return load(spec);
}

Result<std::vector<Problem>> ProfileStore::validate_file(const std::string& path,
                                                         bool check_host) const {
    std::vector<Problem> problems;
    auto doc = resolve_file(path, "", nullptr, check_host, &problems);
    // Problems are the answer; only a file that could not be read at all is an error.
    if (!doc && problems.empty()) return doc.error();
    return problems;
}

Result<std::vector<Problem>> ProfileStore::validate(std::string_view name, bool check_host) const {
    if (auto ok = check_profile_name(name); !ok) return ok.error();
    const std::vector<Located> found = locate_all(name);
    if (found.empty()) {
        return store_error("unknown profile " + in_quotes(name) +
                           did_you_mean(name, visible_names()));
    }
    if (found.front().path.empty()) {
        const std::string text = profile_to_json(*find_builtin(name)).dump(2) + "\n";
        ValidateOptions options;
        options.check_host = check_host;
        return validate_profile_text(text, "built-in:" + std::string(name), options);
    }
    std::vector<Problem> problems;
    auto doc = resolve_file(found.front().path, std::string(name), nullptr, check_host, &problems);
    if (!doc && problems.empty()) return doc.error();
    return problems;
}

Result<std::string> ProfileStore::save(const Profile& profile, const SaveOptions& options) const {
    const std::string& name = profile.name;
    if (auto ok = check_profile_name(name); !ok) return ok.error();

    // What is stored must load back: the same checks as any file.
    const std::string text = profile_to_json(profile).dump(2) + "\n";
    const std::vector<Problem> problems =
        validate_profile_text(text, "profile " + in_quotes(name), ValidateOptions{});
    if (!problems.empty()) {
        // Lines of a text the caller never saw would only mislead.
        Problem first = problems.front();
        first.line = 0;
        return store_error(first.to_string());
    }
    if (auto ok = check_consistency(profile); !ok) return ok.error();

    if (find_builtin(name) && !options.shadow_builtin) {
        return store_error(in_quotes(name) +
                           " is a built-in profile (built-ins cannot be "
                           "overwritten; to store a profile that shadows it, pass "
                           "--shadow-builtin)");
    }
    if (!options.replace) {
        for (const Located& l : locate_all(name)) {
            if (l.path.empty()) continue;
            return store_error("profile " + in_quotes(name) + " already exists: " + l.path +
                               " (names are unique; to overwrite it, pass --replace)");
        }
    }

    const std::string& dir = options.system ? system_dir_ : user_dir_;
    // The user's configuration stays private; the system directory must be readable by all.
    if (auto ok = make_dirs(dir, options.system ? 0755 : 0700); !ok) return ok.error();
    const std::string target = file_of(dir, name);

    sweep_dead_temporaries(dir, name);
    const std::string exists_error = "profile " + in_quotes(name) + " already exists: " + target +
                                     " (names are unique; to overwrite it, pass --replace)";

    // First choice: an unnamed file (O_TMPFILE) that gets its name only once it is complete
    // and on disk, so a save killed halfway leaves nothing behind. Where the file system or
    // /proc cannot do that, the named temporary file below takes over.
    if (Fd unnamed(::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
        unnamed.get() >= 0) {
        if (::fchmod(unnamed.get(), 0644) != 0)
            return Error::sys("profile", "fchmod", target, errno);
        if (auto ok = write_all(unnamed.get(), text, target); !ok) return ok.error();
        if (::fsync(unnamed.get()) != 0) return Error::sys("profile", "fsync", target, errno);
        const std::string self = "/proc/self/fd/" + std::to_string(unnamed.get());
        // linkat refuses an existing name: "is it there" and "put it there" are one step.
        std::string link_to = target;
        if (options.replace) {
            static unsigned counter = 0;
            link_to = dir + "/." + name + ".json." + std::to_string(::getpid()) + "." +
                      std::to_string(counter++);
        }
        if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, link_to.c_str(), AT_SYMLINK_FOLLOW) == 0) {
            if (options.replace) {
                TempFile named(link_to);
                if (::rename(link_to.c_str(), target.c_str()) != 0)
                    return Error::sys("profile", "rename", target, errno);
                named.keep();
            }
            if (auto ok = sync_dir(dir); !ok) return ok.error();
            return target;
        }
        if (errno == EEXIST && !options.replace) return store_error(exists_error);
    }

    // A temporary file in the same directory, so that the rename is atomic: a reader sees the
    // old file or the new one, never a part. mkostemp gives each writer its own.
    std::string pattern = dir + "/." + name + ".json.XXXXXX";
    Fd fd(::mkostemp(pattern.data(), O_CLOEXEC));
    if (fd.get() < 0) return Error::sys("profile", "mkostemp", pattern, errno);
    TempFile temp(pattern);
    if (::fchmod(fd.get(), 0644) != 0) return Error::sys("profile", "fchmod", pattern, errno);
    if (auto ok = write_all(fd.get(), text, pattern); !ok) return ok.error();
    if (::fsync(fd.get()) != 0) return Error::sys("profile", "fsync", pattern, errno);
    if (fd.close() != 0) return Error::sys("profile", "close", pattern, errno);

    if (options.replace) {
        if (::rename(temp.path().c_str(), target.c_str()) != 0) {
            return Error::sys("profile", "rename", target, errno);
        }
        temp.keep();
    } else {
        // RENAME_NOREPLACE makes "does it exist" and "put it there" one step, so two
        // processes saving the same new name cannot both succeed.
        int rc =
            ::renameat2(AT_FDCWD, temp.path().c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE);
        if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
            // A file system without RENAME_NOREPLACE: link() refuses an existing name too.
            rc = ::link(temp.path().c_str(), target.c_str());
        } else if (rc == 0) {
            temp.keep();
        }
        if (rc != 0 && errno == EEXIST) return store_error(exists_error);
        if (rc != 0) return Error::sys("profile", "rename", target, errno);
    }
    if (auto ok = sync_dir(dir); !ok) return ok.error();
    return target;
}

Status ProfileStore::remove(std::string_view name, bool system) const {
    if (auto ok = check_profile_name(name); !ok) return ok.error();
    const std::string& dir = system ? system_dir_ : user_dir_;
    if (dir.empty()) {
        return store_error("no directory to delete from (set HOME or XDG_CONFIG_HOME)");
    }
    const std::string path = file_of(dir, name);
    if (::unlink(path.c_str()) == 0) return sync_dir(dir);
    if (errno != ENOENT) return Error::sys("profile", "unlink", path, errno);

    const std::vector<Located> found = locate_all(name);
    if (found.empty()) {
        return store_error("unknown profile " + in_quotes(name) +
                           did_you_mean(name, visible_names()));
    }
    if (found.front().path.empty()) {
        return store_error(in_quotes(name) +
                           " is a built-in profile (built-ins cannot be deleted)");
    }
    return store_error("no profile " + in_quotes(name) + " in " + dir + " (the one found is " +
                       found.front().path + ")");
}

std::vector<StoredProfile> ProfileStore::list() const {
    std::map<std::string, StoredProfile> by_name;
    for (const std::string& dir : search_path_) {
        for (const std::string& name : names_in(dir)) {
            const std::string path = file_of(dir, name);
            if (auto it = by_name.find(name); it != by_name.end()) {
                it->second.shadows.push_back(path);
            } else {
                by_name[name].source = path;
            }
        }
    }
    for (auto& [name, stored] : by_name) {
        auto loaded = load(name);
        if (loaded) {
            stored.profile = std::move(loaded->profile);
        } else {
            stored.profile.name = name;
            stored.error = loaded.error().to_string();
        }
    }
    for (const Profile& p : builtin_profiles()) {
        if (auto it = by_name.find(p.name); it != by_name.end()) {
            it->second.shadows_builtin = true;
            it->second.shadows.push_back(kBuiltinSource);
            continue;
        }
        StoredProfile& stored = by_name[p.name];
        stored.profile = p;
        stored.source = kBuiltinSource;
    }
    std::vector<StoredProfile> out;
    out.reserve(by_name.size());
    for (auto& [name, stored] : by_name) out.push_back(std::move(stored));
    return out;
}

}  // namespace containerv
