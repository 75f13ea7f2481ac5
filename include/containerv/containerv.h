/* containerv's C API: security profiles, container options and a small container API.
 *
 * Compiles as C11 and as C++. The C++ API (containerv/profile.hpp) is the implementation;
 * every function here converts its arguments, calls it, and turns any failure into -1 plus a
 * message for containerv_last_error(). No C++ exception ever leaves these functions.
 *
 * Ownership, in one place:
 * - A profile that a function hands out through a `struct containerv_security_profile**`
 *   (create, load, copy) belongs to the caller, who releases it with
 *   containerv_security_profile_delete(), never with free(). Every string and list in it was
 *   allocated with malloc() and is freed by that call: to replace one yourself, free() the old
 *   value and assign one from malloc()/strdup().
 * - A profile the caller builds (for instance with designated initializers, as the original
 *   design does) stays the caller's: functions only read it, except the few that say they
 *   modify it. Those that must allocate inside it (add_syscall_filter, load_seccomp_policy)
 *   accept only profiles the library allocated.
 * - The predefined profiles CV_PROFILE_* are constant and are never freed.
 * - Functions that take a profile to use (set_security_profile, save, validate) copy what
 *   they need: the caller may delete or change the profile right after the call.
 * - containerv_options and containerv_container are opaque; options_free() and destroy()
 *   release them. A string argument is copied before the call returns.
 *
 * Errors: a function returning int returns 0 on success and -1 on failure (has_capability
 * answers 1 or 0). After -1 (or NULL from containerv_options_new), containerv_last_error()
 * says why, in one line of the form "step: what failed". Every call other than
 * containerv_last_error() clears the calling thread's message first.
 */
#ifndef CONTAINERV_CONTAINERV_H
#define CONTAINERV_CONTAINERV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Enumerations of the original design ------------------------------------------------ */

enum containerv_security_level {
    CV_SECURITY_PERMISSIVE = 0, /* Minimal restrictions */
    CV_SECURITY_RESTRICTED = 1, /* Standard container security */
    CV_SECURITY_STRICT = 2,     /* High security applications */
    CV_SECURITY_PARANOID = 3    /* Maximum security isolation */
};

/* The kernel's capability numbers (linux/capability.h). */
enum containerv_linux_capability {
    CV_CAP_CHOWN = 0,
    CV_CAP_DAC_OVERRIDE = 1,
    CV_CAP_DAC_READ_SEARCH = 2,
    CV_CAP_FOWNER = 3,
    CV_CAP_FSETID = 4,
    CV_CAP_KILL = 5,
    CV_CAP_SETGID = 6,
    CV_CAP_SETUID = 7,
    CV_CAP_SETPCAP = 8,
    CV_CAP_LINUX_IMMUTABLE = 9,
    CV_CAP_NET_BIND_SERVICE = 10,
    CV_CAP_NET_BROADCAST = 11,
    CV_CAP_NET_ADMIN = 12,
    CV_CAP_NET_RAW = 13,
    CV_CAP_IPC_LOCK = 14,
    CV_CAP_IPC_OWNER = 15,
    CV_CAP_SYS_MODULE = 16,
    CV_CAP_SYS_RAWIO = 17,
    CV_CAP_SYS_CHROOT = 18,
    CV_CAP_SYS_PTRACE = 19,
    CV_CAP_SYS_PACCT = 20,
    CV_CAP_SYS_ADMIN = 21,
    CV_CAP_SYS_BOOT = 22,
    CV_CAP_SYS_NICE = 23,
    CV_CAP_SYS_RESOURCE = 24,
    CV_CAP_SYS_TIME = 25,
    CV_CAP_SYS_TTY_CONFIG = 26,
    CV_CAP_MKNOD = 27,
    CV_CAP_LEASE = 28,
    CV_CAP_AUDIT_WRITE = 29,
    CV_CAP_AUDIT_CONTROL = 30,
    CV_CAP_SETFCAP = 31,
    CV_CAP_MAC_OVERRIDE = 32,
    CV_CAP_MAC_ADMIN = 33,
    CV_CAP_SYSLOG = 34,
    CV_CAP_WAKE_ALARM = 35,
    CV_CAP_BLOCK_SUSPEND = 36,
    CV_CAP_AUDIT_READ = 37,
    CV_CAP_PERFMON = 38,
    CV_CAP_BPF = 39,
    CV_CAP_CHECKPOINT_RESTORE = 40
};

/* For the Windows backend; the Linux build keeps Windows settings as names in the profile
 * (windows_privileges) without acting on them. */
enum containerv_windows_privilege {
    CV_PRIV_ASSIGN_PRIMARY_TOKEN,
    CV_PRIV_AUDIT,
    CV_PRIV_BACKUP,
    CV_PRIV_CHANGE_NOTIFY,
    CV_PRIV_CREATE_GLOBAL,
    CV_PRIV_CREATE_PAGEFILE,
    CV_PRIV_CREATE_PERMANENT,
    CV_PRIV_CREATE_SYMBOLIC_LINK,
    CV_PRIV_CREATE_TOKEN,
    CV_PRIV_DEBUG,
    CV_PRIV_ENABLE_DELEGATION,
    CV_PRIV_IMPERSONATE,
    CV_PRIV_INC_BASE_PRIORITY,
    CV_PRIV_INCREASE_QUOTA,
    CV_PRIV_INC_WORKING_SET,
    CV_PRIV_LOAD_DRIVER,
    CV_PRIV_LOCK_MEMORY,
    CV_PRIV_MACHINE_ACCOUNT,
    CV_PRIV_MANAGE_VOLUME,
    CV_PRIV_PROF_SINGLE_PROCESS,
    CV_PRIV_RELABEL,
    CV_PRIV_REMOTE_SHUTDOWN,
    CV_PRIV_RESTORE,
    CV_PRIV_SECURITY,
    CV_PRIV_SHUTDOWN,
    CV_PRIV_SYNC_AGENT,
    CV_PRIV_SYSTEM_ENVIRONMENT,
    CV_PRIV_SYSTEM_PROFILE,
    CV_PRIV_SYSTEM_TIME,
    CV_PRIV_TAKE_OWNERSHIP,
    CV_PRIV_TCB,
    CV_PRIV_TIME_ZONE,
    CV_PRIV_TRUSTED_CREDMAN_ACCESS,
    CV_PRIV_UNDOCK,
    CV_PRIV_UNSOLICITED_INPUT
};

enum containerv_syscall_action {
    CV_SYSCALL_ALLOW = 0, /* Allow syscall */
    CV_SYSCALL_ERRNO = 1, /* Return specific errno */
    CV_SYSCALL_KILL = 2,  /* Kill process */
    CV_SYSCALL_TRAP = 3,  /* Send SIGSYS to process */
    CV_SYSCALL_TRACE = 4, /* Notify tracing process */
    CV_SYSCALL_LOG = 5    /* Log syscall attempt */
};

/* Added by containerv: how much a profile wants AppArmor or SELinux. The design's booleans
 * cannot say "where the host has it", which the untrusted profile needs. */
enum containerv_mac_want {
    CV_MAC_OFF = 0,          /* not wanted */
    CV_MAC_IF_AVAILABLE = 1, /* applied where the kernel has it, skipped (and said) elsewhere */
    CV_MAC_REQUIRED = 2      /* a sandbox is refused where it cannot be applied */
};

/* ---- Structures ------------------------------------------------------------------------- */

/* One rule: the syscall `name` gets `action` when every condition of `args_filter` holds.
 * Several filters for one name are alternatives.
 *
 * args_filter: NULL or "" for no condition, else conditions joined by "&&", each
 *   argN OP VALUE          OP one of == != < <= > >=, N in 0..5
 *   argN & MASK == VALUE   the argument masked with MASK equals VALUE
 * with VALUE and MASK unsigned 64-bit C integer literals (decimal, 0x hex, 0 octal).
 * Example: "arg0 & 0x7e020000 == 0" (clone without namespace flags). */
struct containerv_syscall_filter {
    char* name;                            /* Syscall name (e.g., "open", "execve") */
    enum containerv_syscall_action action; /* Action to take */
    int errno_value;   /* for CV_SYSCALL_ERRNO: 1..4094, or 0 for the profile's default_errno */
    char* args_filter; /* Optional argument-based filter expression, see above */
};

/* The result of an audit (see containerv_security_audit). */
struct containerv_security_audit {
    bool capabilities_minimal;  /* Only necessary capabilities granted */
    bool no_privileged_access;  /* No root or admin access */
    bool filesystem_restricted; /* Filesystem access limited */
    bool network_controlled;    /* Network access controlled */
    bool syscalls_filtered;     /* Dangerous syscalls blocked */
    bool resources_limited;     /* Resource usage limited */
    bool isolation_complete;    /* Process isolation enforced */
    bool secrets_protected;     /* Secrets properly handled */

    char audit_log[1024]; /* Detailed audit information */
    time_t audit_time;    /* When audit was performed */
    char auditor[256];    /* Who performed the audit */
};

/* run_as_uid / run_as_gid value meaning "not given": the user is then looked up by
 * run_as_user in the sandbox root's /etc/passwd (uid 0 when there is no name either). */
#define CV_UID_UNSET ((uid_t)-1)
#define CV_GID_UNSET ((gid_t)-1)

/* A security profile: the fields of the original design, in its order and with its types,
 * then the fields containerv adds.
 *
 * Lists (char**) are NULL-terminated arrays of strings; a NULL list is empty. The design's
 * counts (syscall_count, network_rule_count, fs_rule_count, win_cap_count) are informational:
 * the library sets them in the profiles it hands out and ignores them on input, because the
 * lists end with NULL and the design's own examples do not agree on what the counts cover. */
struct containerv_security_profile {
    enum containerv_security_level level;
    char* name;        /* Profile name for identification; [A-Za-z0-9][A-Za-z0-9._-]{0,63} */
    char* description; /* Human-readable description */

    /* Capability management: bit N is capability N (enum containerv_linux_capability). The
     * command holds allowed_caps and nothing else; a capability both allowed and dropped is
     * an error. */
    uint64_t allowed_caps;
    uint64_t dropped_caps;
    bool no_new_privileges; /* Prevent privilege escalation (PR_SET_NO_NEW_PRIVS) */

    /* Syscall filtering: allowed names, and blocked names (EPERM). */
    char** allowed_syscalls;
    char** blocked_syscalls;
    int syscall_count; /* set to: entries of allowed_syscalls + blocked_syscalls */

    /* Network security */
    bool network_isolated;  /* Own network namespace with only loopback */
    char** allowed_ports;   /* "proto:port" strings, "tcp:80" */
    char** allowed_hosts;   /* hostname/IP patterns; "*" or none means any */
    int network_rule_count; /* set to: entries of allowed_ports + allowed_hosts */

    /* Filesystem security */
    bool read_only_root;   /* Make root filesystem read-only */
    char** writable_paths; /* writable despite a read-only root; "/": the whole root */
    char** masked_paths;   /* hidden: empty directories, empty files */
    int fs_rule_count;     /* set to: entries of writable_paths + masked_paths + read_only_paths */

    /* Process security */
    uid_t run_as_uid;  /* CV_UID_UNSET when not given */
    gid_t run_as_gid;  /* CV_GID_UNSET when not given */
    char* run_as_user; /* Username, looked up in the sandbox root; NULL or "" for none */
    bool no_suid;      /* Disable setuid/setgid programs (MS_NOSUID) */

    /* Advanced security. On input, a true apparmor_profile / selinux_context with the want
     * below left at CV_MAC_OFF means CV_MAC_REQUIRED; on output each boolean is true when its
     * want is not CV_MAC_OFF. */
    bool apparmor_profile;  /* Use AppArmor profile (Linux) */
    bool selinux_context;   /* Use SELinux context (Linux) */
    char* security_context; /* SELinux exec context, "user:role:type:level" */

    /* Windows-specific (kept, no effect on Linux) */
    bool app_container;      /* Use AppContainer isolation */
    char* integrity_level;   /* Windows integrity level */
    char** capabilities_sid; /* Windows capability SIDs */
    int win_cap_count;       /* set to: entries of capabilities_sid */

    /* ---- Added by containerv --------------------------------------------------------------
     * Zero-initialised, each means what the profile file format's default means. */

    /* Action for syscalls no list or filter names; CV_SYSCALL_ALLOW means no filtering
     * beyond the lists. default_errno: for CV_SYSCALL_ERRNO, 1..4094; 0 means EPERM. */
    enum containerv_syscall_action default_syscall_action;
    int default_errno;
    /* Rules with an action, an errno and argument conditions: an array of
     * syscall_filter_count entries (not NULL-terminated). */
    struct containerv_syscall_filter* syscall_filters;
    int syscall_filter_count;

    char** read_only_paths; /* read-only even under a writable root */

    enum containerv_mac_want apparmor; /* see apparmor_profile above */
    char* apparmor_profile_name;       /* an AppArmor profile to use; NULL or "": generated */
    enum containerv_mac_want selinux;  /* see selinux_context above */

    /* Resource limits; 0 means no limit. Not enforced yet: a sandbox is refused unless the
     * options accept the field weaker (containerv_options_accept_weaker). */
    uint64_t memory_bytes;
    double cpus; /* CPUs' worth of time, above 0 */
    uint64_t pids;
    char** devices; /* devices the sandbox may use */
    /* RLIMIT_NPROC of the command: processes of the sandbox's user at once (the kernel counts
     * them per user namespace); 0 means the caller's limit. Enforced rootless too. */
    uint64_t rlimit_nproc;

    char** windows_privileges; /* Windows privilege names (Windows backend) */
};

/* The five built-in profiles, with the values `containerv profile show NAME` prints. They
 * are filled before main() runs, so a C++ program must not read them from its own static
 * initialisers. Never freed, never modified: copy one to change it. */
extern const struct containerv_security_profile CV_PROFILE_DEFAULT;
extern const struct containerv_security_profile CV_PROFILE_WEB_SERVER;
extern const struct containerv_security_profile CV_PROFILE_DATABASE;
extern const struct containerv_security_profile CV_PROFILE_BUILD_ENVIRONMENT;
extern const struct containerv_security_profile CV_PROFILE_UNTRUSTED;

/* Opaque handles. */
struct containerv_options;
struct containerv_container;

/* ---- Errors ----------------------------------------------------------------------------- */

/* Why the calling thread's last call failed; "" when it did not. The text stays valid until
 * the thread's next call into containerv. Never NULL; never freed by the caller. */
extern const char* containerv_last_error(void);

/* ---- Security management ---------------------------------------------------------------- */

/* Checks that this host can run sandboxes at all (user namespaces); -1 says why not. Calling
 * it is optional: every function works without it. */
extern int containerv_security_init(void);

/* Releases what containerv_security_init acquired (nothing that outlives the call today).
 * Objects the caller holds stay valid and must still be freed by the caller. */
extern void containerv_security_cleanup(void);

/* A new profile named `name` with the base values of `level`:
 *   CV_SECURITY_PERMISSIVE  the built-in "build-environment"
 *   CV_SECURITY_RESTRICTED  the built-in "default"
 *   CV_SECURITY_STRICT      "default" with no capability, a read-only root with /tmp
 *                           writable, untrusted's masked paths, uid/gid 65534, and Docker's
 *                           syscall list for no capability
 *   CV_SECURITY_PARANOID    the built-in "untrusted"
 * with an empty description. Fails when the name is not a valid profile name or is already
 * taken by a stored or built-in profile (names are unique). Nothing is saved.
 * *profile is the caller's: containerv_security_profile_delete(). */
extern int containerv_security_profile_create(const char* name,
                                              enum containerv_security_level level,
                                              struct containerv_security_profile** profile);

/* Loads a profile by name: $CONTAINERV_PROFILE_PATH (colon-separated), then
 * $XDG_CONFIG_HOME/containerv/profiles (else ~/.config/...), /etc/containerv/profiles, then
 * the built-ins; "extends" resolved. -1 if not found or invalid.
 * *profile is the caller's: containerv_security_profile_delete(). */
extern int containerv_security_profile_load(const char* name,
                                            struct containerv_security_profile** profile);

/* Saves a profile as NAME.json in the user's profile directory, atomically. Never overwrites:
 * a name already stored, or a built-in's name, is an error (remove the stored one first). */
extern int containerv_security_profile_save(const struct containerv_security_profile* profile);

/* Frees a profile the library allocated (create, load, copy) and everything in it. The
 * design names this "delete" and gives it the in-memory profile, so it does not touch saved
 * files: containerv_security_profile_remove() does that. NULL is ignored, and so is a
 * predefined CV_PROFILE_* (with a message for containerv_last_error). Passing a profile the
 * caller built is undefined, as with free(). */
extern void containerv_security_profile_delete(struct containerv_security_profile* profile);

/* Added: removes the saved profile NAME.json from the user's profile directory. Built-ins
 * cannot be removed; a name not stored there is an error. */
extern int containerv_security_profile_remove(const char* name);

/* Added: a deep copy of any profile (a predefined one, one the caller built), to modify. The
 * copy goes through the C++ model, so its counts and MAC booleans come out consistent; a
 * profile that does not convert (an enum out of range, a bad args_filter) fails, naming the
 * field. *copy is the caller's: containerv_security_profile_delete(). */
extern int containerv_security_profile_copy(const struct containerv_security_profile* profile,
                                            struct containerv_security_profile** copy);

/* Makes `options` use a copy of `profile` (the options' default is CV_PROFILE_DEFAULT). The
 * profile is checked for contradictions now and planned for this host by containerv_create. */
extern int containerv_options_set_security_profile(
    struct containerv_options* options, const struct containerv_security_profile* profile);

/* 0 when this host can enforce every field of `profile`: the checks of
 * `containerv profile validate` (names, syscalls, ports, paths, errno values, contradictions)
 * and the plan `containerv run` makes (no field refused). Otherwise -1, and every problem,
 * one per line, in error_msg (NUL-terminated, truncated to error_size; may be NULL) and in
 * containerv_last_error(). */
extern int containerv_security_profile_validate(const struct containerv_security_profile* profile,
                                                char* error_msg, size_t error_size);

/* ---- Capabilities ----------------------------------------------------------------------- */

/* Allows capability 0..40: sets its allowed_caps bit and clears its dropped_caps bit. Works
 * on any modifiable profile. */
extern int containerv_security_add_capability(struct containerv_security_profile* profile,
                                              uint32_t capability);

/* Drops capability 0..40: clears its allowed_caps bit and sets its dropped_caps bit. */
extern int containerv_security_drop_capability(struct containerv_security_profile* profile,
                                               uint32_t capability);

/* 1 if the command would hold the capability (allowed and not dropped), else 0; also 0, with
 * a message for containerv_last_error(), for a NULL profile or a number above 40. */
extern int containerv_security_has_capability(const struct containerv_security_profile* profile,
                                              uint32_t capability);

/* ---- Syscall filtering ------------------------------------------------------------------ */

/* Appends {syscall_name, action, errno_value, no condition} to syscall_filters, and makes it
 * decide for that syscall: the name leaves allowed_syscalls and blocked_syscalls, and an
 * earlier filter for it without args_filter is removed (filters with a condition stay). The
 * name must be one libseccomp knows; errno_value is 0..4094 (0: default_errno) and is kept
 * only for CV_SYSCALL_ERRNO. Only for a profile the library allocated: the array is
 * reallocated, so a pointer into it read before the call is invalid afterwards. */
extern int containerv_security_add_syscall_filter(struct containerv_security_profile* profile,
                                                  const char* syscall_name,
                                                  enum containerv_syscall_action action,
                                                  int errno_value);

/* Sets default_syscall_action. Works on any modifiable profile. */
extern int containerv_security_set_default_syscall_action(
    struct containerv_security_profile* profile, enum containerv_syscall_action default_action);

/* Replaces the profile's syscall policy (default action and errno, both lists, the filters)
 * with the one in `policy_file`: containerv's own format, either a whole profile document
 * (its "syscalls" section is used) or just that section. Docker's and OCI's seccomp formats
 * are refused with a message until they are supported. Every name is checked against
 * libseccomp. Only for a profile the library allocated; the old lists and filters are freed. */
extern int containerv_security_load_seccomp_policy(struct containerv_security_profile* profile,
                                                   const char* policy_file);

/* ---- Audit and compliance ------------------------------------------------------------- */

/* Audits and fills *audit (zeroed first): the eight checks, audit_log (a summary: exposure
 * score 0..10, the failed checks, then one line per failing finding; truncated to fit),
 * audit_time and auditor ("containerv VERSION, uid N (user) on HOST").
 * - container NULL: a static audit of `profile`, what it asks for (docs/AUDIT.md).
 * - container running: a live audit of its command, read from /proc (capabilities,
 *   no_new_privs, seccomp, namespaces, id maps, mounts, cgroups, network, descriptors,
 *   environment), compared with `profile`, or with the container's own profile when
 *   `profile` is NULL: a difference is a finding marked "PROFILE NOT IN FORCE".
 * Returns 0 only when every check passes; -1 otherwise, with the summary's first line in
 * containerv_last_error(). A container that runs nothing, or both arguments NULL, is -1 with
 * the reason and *audit all false. */
extern int containerv_security_audit(struct containerv_container* container,
                                     const struct containerv_security_profile* profile,
                                     struct containerv_security_audit* audit);

/* Writes the static compliance report of `profile` for `standard` ("CIS", "NIST", "PCI-DSS"
 * or "PSS", any case) to report_file, atomically (a temporary file renamed over it). The
 * format follows the extension: .json, .md, .html, .sarif. 0 on success; -1 for an unknown
 * standard or extension or a write error. A report is written even when controls fail. */
extern int containerv_generate_compliance_report(const struct containerv_security_profile* profile,
                                                 const char* standard, const char* report_file);

/* ---- Container options ------------------------------------------------------------------ */

/* New options: profile CV_PROFILE_DEFAULT, the host's root, no bind, no extra environment.
 * NULL when out of memory. The caller frees them with containerv_options_free(). */
extern struct containerv_options* containerv_options_new(void);
extern void containerv_options_free(struct containerv_options* options);

/* The sandbox's root: a directory to use instead of the host's root; NULL for the host's. */
extern int containerv_options_set_rootfs(struct containerv_options* options, const char* path);

/* Binds host path `source` at `target` in the sandbox (target NULL: the same path),
 * read-only when read_only is true. */
extern int containerv_options_add_bind(struct containerv_options* options, const char* source,
                                       const char* target, bool read_only);

/* Adds "KEY=VALUE" to the command's environment (PATH, HOME and TERM are set already; a
 * later KEY replaces an earlier one). */
extern int containerv_options_add_env(struct containerv_options* options, const char* key_value);

/* Runs the command as "USER" or "USER:GROUP" (names in the sandbox root, or numbers) instead
 * of the profile's user; NULL for the profile's. */
extern int containerv_options_set_user(struct containerv_options* options, const char* user);

/* The command's working directory in the sandbox (absolute); NULL: the caller's when the
 * sandbox has it, else "/". */
extern int containerv_options_set_cwd(struct containerv_options* options, const char* path);

/* Non-zero: report each syscall the seccomp filter refuses on the process's stderr, as
 * `containerv run --explain` does (the call, the rule and its JSON pointer in the profile);
 * the refused call still gets exactly the profile's errno. 0 (the default): no reports. */
extern int containerv_options_set_explain(struct containerv_options* options, int on);

/* Accepts that profile field `field` (as `containerv run --dry-run` names it, for instance
 * "network.allowed_ports") cannot be enforced on this host: the sandbox runs without it
 * instead of being refused. A name that is no field of the plan fails containerv_create. */
extern int containerv_options_accept_weaker(struct containerv_options* options, const char* field);

/* ---- Containers ------------------------------------------------------------------------- */

/* A container from a copy of `options` (which the caller may change or free afterwards).
 * The profile is planned for this host now: a field this host cannot enforce fails here,
 * naming the field. No process runs until containerv_spawn. *container is the caller's:
 * containerv_destroy(). */
extern int containerv_create(const struct containerv_options* options,
                             struct containerv_container** container);

/* Starts argv (NULL-terminated; argv[0] is looked up along the sandbox's PATH) in a new
 * sandbox and returns once it has been executed; *pid (if pid is not NULL) is the sandbox's
 * pid 1 as the host sees it. One command at a time: spawning again needs containerv_wait
 * first. A command that cannot be found or executed fails here with the reason. */
extern int containerv_spawn(struct containerv_container* container, const char* const* argv,
                            pid_t* pid);

/* Waits for the spawned command to end. *exit_code is its exit status, 128+N when signal N
 * ended it. Asking again returns the same status; -1 when nothing was spawned. */
extern int containerv_wait(struct containerv_container* container, int* exit_code);

/* Sends `sig` to the running sandbox's pid 1, which passes it on to the command; SIGKILL
 * ends the whole sandbox. -1 when nothing runs. */
extern int containerv_kill(struct containerv_container* container, int sig);

/* Kills a sandbox still running, reaps it and frees the container. NULL is ignored. */
extern void containerv_destroy(struct containerv_container* container);

#ifdef __cplusplus
}
#endif

#endif /* CONTAINERV_CONTAINERV_H */
