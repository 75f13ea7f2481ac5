// The Landlock ABI as of version 7, for building on headers that stop earlier: Debian 12's
// <linux/landlock.h> knows ABI 2 (filesystem rights up to REFER, no network, no scoping), the
// kernels it runs on may offer more. The values are the kernel's UAPI and never change; every
// Landlock constant and structure containerv uses comes from here, nowhere else.
#pragma once

#include <cstdint>

namespace containerv::landlock {

// landlock_create_ruleset(2) flags.
constexpr std::uint32_t kCreateRulesetVersion = 1U << 0;

// The ruleset attribute of ABI 6+: the kernel reads only as many bytes as it is given, so a
// shorter size selects an older layout (ABI 1-3: fs only; 4-5: fs and net).
struct RulesetAttr {
    std::uint64_t handled_access_fs = 0;
    std::uint64_t handled_access_net = 0;  // ABI 4+
    std::uint64_t scoped = 0;              // ABI 6+
};

// Rule types of landlock_add_rule(2).
constexpr int kRulePathBeneath = 1;
constexpr int kRuleNetPort = 2;  // ABI 4+

struct __attribute__((packed)) PathBeneathAttr {
    std::uint64_t allowed_access;
    std::int32_t parent_fd;
};

struct NetPortAttr {
    std::uint64_t allowed_access;
    std::uint64_t port;
};

// Filesystem rights, with the ABI that introduced them.
constexpr std::uint64_t kFsExecute = 1ULL << 0;
constexpr std::uint64_t kFsWriteFile = 1ULL << 1;
constexpr std::uint64_t kFsReadFile = 1ULL << 2;
constexpr std::uint64_t kFsReadDir = 1ULL << 3;
constexpr std::uint64_t kFsRemoveDir = 1ULL << 4;
constexpr std::uint64_t kFsRemoveFile = 1ULL << 5;
constexpr std::uint64_t kFsMakeChar = 1ULL << 6;
constexpr std::uint64_t kFsMakeDir = 1ULL << 7;
constexpr std::uint64_t kFsMakeReg = 1ULL << 8;
constexpr std::uint64_t kFsMakeSock = 1ULL << 9;
constexpr std::uint64_t kFsMakeFifo = 1ULL << 10;
constexpr std::uint64_t kFsMakeBlock = 1ULL << 11;
constexpr std::uint64_t kFsMakeSym = 1ULL << 12;
constexpr std::uint64_t kFsRefer = 1ULL << 13;     // ABI 2
constexpr std::uint64_t kFsTruncate = 1ULL << 14;  // ABI 3
constexpr std::uint64_t kFsIoctlDev = 1ULL << 15;  // ABI 5

// Network rights (ABI 4).
constexpr std::uint64_t kNetBindTcp = 1ULL << 0;
constexpr std::uint64_t kNetConnectTcp = 1ULL << 1;

// Scopes (ABI 6).
constexpr std::uint64_t kScopeAbstractUnixSocket = 1ULL << 0;
constexpr std::uint64_t kScopeSignal = 1ULL << 1;

// Rights a rule on a file (not a directory) may carry; the kernel refuses others there.
constexpr std::uint64_t kFsFileRights =
    kFsExecute | kFsWriteFile | kFsReadFile | kFsTruncate | kFsIoctlDev;

}  // namespace containerv::landlock
