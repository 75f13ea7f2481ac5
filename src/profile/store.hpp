// Profiles saved and loaded by name. Search order: $CONTAINERV_PROFILE_PATH (colon-separated),
// the user's directory ($XDG_CONFIG_HOME/containerv/profiles, else ~/.config/...), the system
// directory (/etc/containerv/profiles), then the built-ins. A file is NAME.json.
#pragma once

#include "profile/validate.hpp"

#include <containerv/profile.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace containerv {

struct StoredProfile {
    Profile profile;     // with "extends" resolved
    std::string source;  // "built-in" or the file's path
    bool shadows_builtin = false;
    std::vector<std::string> shadows;  // sources this one hides, in search order ("built-in")
    std::string error;  // list() only: why the file does not load (then `profile` is empty)
};

struct SaveOptions {
    bool system = false;          // save to the system directory instead of the user's
    bool replace = false;         // overwrite a stored profile of the same name
    bool shadow_builtin = false;  // allow a stored profile named like a built-in
};

class ProfileStore {
public:
    // Directories from the environment, as described above.
    static ProfileStore from_environment();
    // `search_path` in order; the user and system directories are appended when it lacks them,
    // so that what save writes, load finds.
    ProfileStore(std::vector<std::string> search_path, std::string user_dir,
                 std::string system_dir);

    // By name, first match in the search order; "extends" resolved (cycles are an error).
    Result<StoredProfile> load(std::string_view name) const;
    // A file anywhere, "extends" resolved against this store. The profile's name is the file's
    // "name", else the file name without ".json".
    Result<StoredProfile> load_file(const std::string& path) const;
    // What the CLI's --profile takes: a file when is_profile_path(spec), else a name.
    Result<StoredProfile> load_name_or_file(const std::string& spec) const;
    // Atomic and durable: temporary file, fsync, rename, fsync of the directory. Returns the
    // path written. Names already present are an error unless options allow. What is written
    // is the whole profile (profile_to_json, 2-space indent): a stored profile never changes
    // when the one it was made from does.
    Result<std::string> save(const Profile& profile, const SaveOptions& options) const;
    // Built-ins cannot be deleted.
    Status remove(std::string_view name, bool system) const;
    // Every visible name once, with where it comes from (first match wins), sorted by name. A
    // file that does not load is listed with its error.
    std::vector<StoredProfile> list() const;

    // Every problem of a file (validate_profile_text), "extends" resolved against this store;
    // with `check_host` also what this host cannot enforce. An unreadable file is an error.
    Result<std::vector<Problem>> validate_file(const std::string& path, bool check_host) const;
    // The same for a profile by name; a built-in is checked in its JSON form, named
    // "built-in:NAME".
    Result<std::vector<Problem>> validate(std::string_view name, bool check_host) const;

    const std::vector<std::string>& search_path() const { return search_path_; }
    const std::string& user_dir() const { return user_dir_; }
    const std::string& system_dir() const { return system_dir_; }

private:
    struct Located;
    struct Chain;
    std::vector<Located> locate_all(std::string_view name) const;
    Result<nlohmann::json> resolve(std::string_view name, std::size_t first_dir,
                                   const Chain* chain) const;
    // `stored_name`: the name the file is found by (its "name" must agree); empty for a file
    // given by path (named by its "name", else its file name).
    Result<nlohmann::json> resolve_file(const std::string& path, const std::string& stored_name,
                                        const Chain* chain, bool check_host,
                                        std::vector<Problem>* problems) const;
    std::vector<std::string> visible_names() const;

    std::vector<std::string> search_path_;  // all directories searched, in order
    std::string user_dir_;
    std::string system_dir_;
};

// Reads a profile (or policy) file: a regular file of at most 1 MiB, owned by the caller or
// root and writable by no one else, in a directory no one else can write (unless sticky).
Result<std::string> read_profile_text(const std::string& path);

// Names: [A-Za-z0-9][A-Za-z0-9._-]{0,63}; "..", "/" and the like are refused.
Status check_profile_name(std::string_view name);

// How the CLI tells a file from a name: a path contains "/" or ends in ".json".
bool is_profile_path(std::string_view spec);

}  // namespace containerv
