// Profiles saved and loaded by name. Search order: $CONTAINERV_PROFILE_PATH (colon-separated),
// the user's directory ($XDG_CONFIG_HOME/containerv/profiles, else ~/.config/...), the system
// directory (/etc/containerv/profiles), then the built-ins. A file is NAME.json.
#pragma once

#include <containerv/profile.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace containerv {

struct StoredProfile {
    Profile profile;      // with "extends" resolved
    std::string source;   // "built-in" or the file's path
    bool shadows_builtin = false;
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
    ProfileStore(std::vector<std::string> search_path, std::string user_dir,
                 std::string system_dir);

    // By name, first match in the search order; "extends" resolved (cycles are an error).
    Result<StoredProfile> load(std::string_view name) const;
    // A file anywhere, "extends" resolved against this store.
    Result<StoredProfile> load_file(const std::string& path) const;
    // Atomic and durable: temporary file, fsync, rename, fsync of the directory. Returns the
    // path written. Names already present are an error unless options allow.
    Result<std::string> save(const Profile& profile, const SaveOptions& options) const;
    // Built-ins cannot be deleted.
    Status remove(std::string_view name, bool system) const;
    // Every visible name once, with where it comes from (first match wins).
    std::vector<StoredProfile> list() const;

    const std::vector<std::string>& search_path() const { return search_path_; }

private:
    std::vector<std::string> search_path_;  // all directories searched, in order
    std::string user_dir_;
    std::string system_dir_;
};

// Names: [A-Za-z0-9][A-Za-z0-9._-]{0,63}; "..", "/" and the like are refused.
Status check_profile_name(std::string_view name);

}  // namespace containerv
