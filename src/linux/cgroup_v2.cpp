// cgroup v2: one directory in the unified tree, /sys/fs/cgroup/containerv/<owner>, with the
// memory, cpu and pids controllers enabled for it, and the device allow-list as a
// BPF_PROG_TYPE_CGROUP_DEVICE program (v2 has no devices controller). On a hybrid host only
// the device program's group is made here, under the unified mount.
//
// The device program is a dozen instructions per rule, assembled here and loaded with the
// bpf() syscall (docs/DECISIONS.md says why not libbpf): it compares the access type, major
// and minor the kernel passes in struct bpf_cgroup_dev_ctx with each allowed rule and returns
// 1 (allow) on the first match, 0 (deny, EPERM) when none matches.
#include "linux/bpf_attach.hpp"
#include "linux/cgroups.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace containerv::linux_::cgroup_detail {
namespace {

constexpr std::uint64_t kCfsPeriod = 100000;

bpf_insn insn(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off,
              std::int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

// r6 = access, r7 = type, r8 = major, r9 = minor. A rule matches when
//   (type ^ T) | (major ^ M) | (minor ^ m) | (access & ~A)
// is zero (a wildcard's term left out), so each rule is one conditional jump over its own
// allow. The verifier walks both sides of every conditional jump, and a compare chain of
// four jumps per rule was most of the program's load time (bench/README.md). Every jump is
// local, so no offset grows with the length of the list.
std::vector<bpf_insn> device_program(const std::vector<DeviceRule>& rules) {
    std::vector<bpf_insn> p;
    const auto ctx = [](std::int16_t off) { return off; };
    p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_6, BPF_REG_1,
                     ctx(offsetof(bpf_cgroup_dev_ctx, access_type)), 0));
    p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_7, BPF_REG_6, 0, 0));
    p.push_back(insn(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_7, 0, 0, 0xffff));
    p.push_back(insn(BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_6, 0, 0, 16));
    p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_8, BPF_REG_1,
                     ctx(offsetof(bpf_cgroup_dev_ctx, major)), 0));
    p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_9, BPF_REG_1,
                     ctx(offsetof(bpf_cgroup_dev_ctx, minor)), 0));
    // r0 |= (reg ^ value), through r2.
    auto differs = [&p](std::uint8_t reg, std::int32_t value) {
        p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, reg, 0, 0));
        p.push_back(insn(BPF_ALU64 | BPF_XOR | BPF_K, BPF_REG_2, 0, 0, value));
        p.push_back(insn(BPF_ALU64 | BPF_OR | BPF_X, BPF_REG_0, BPF_REG_2, 0, 0));
    };
    for (const auto& rule : rules) {
        std::int32_t access = 0;
        for (char c : rule.access)
            access |= c == 'r'   ? BPF_DEVCG_ACC_READ
                      : c == 'w' ? BPF_DEVCG_ACC_WRITE
                                 : BPF_DEVCG_ACC_MKNOD;
        const std::int32_t type = rule.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
        p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_7, 0, 0));
        p.push_back(insn(BPF_ALU64 | BPF_XOR | BPF_K, BPF_REG_0, 0, 0, type));
        if (rule.major >= 0) differs(BPF_REG_8, static_cast<std::int32_t>(rule.major));
        if (rule.minor >= 0) differs(BPF_REG_9, static_cast<std::int32_t>(rule.minor));
        // The access asked for has no bit outside the rule's.
        p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_6, 0, 0));
        p.push_back(insn(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, ~access));
        p.push_back(insn(BPF_ALU64 | BPF_OR | BPF_X, BPF_REG_0, BPF_REG_2, 0, 0));
        p.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 2, 0));
        p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1));  // allow
        p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    }
    p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0));  // deny: EPERM
    p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    return p;
}

// Loads the program and attaches it to the group's directory; the group keeps it from then
// on, so the descriptor is closed. No override flag: nothing below can replace it.
Status attach_device_program(const std::string& dir, const std::vector<DeviceRule>& rules) {
    int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return Error::sys("cgroup", "open", dir, errno);
    Status ok =
        attach_cgroup_program(dir_fd, dir, device_program(rules), BPF_PROG_TYPE_CGROUP_DEVICE,
                              BPF_CGROUP_DEVICE, "cgroup", "device program");
    close(dir_fd);
    return ok;
}

class CgroupV2 final : public Cgroup {
public:
    CgroupV2(std::string dir, bool controllers) : dir_(std::move(dir)), controllers_(controllers) {}
    ~CgroupV2() override { (void)remove(); }

    Status create(const CgroupSpec& spec) {
        const std::string parent = dir_.substr(0, dir_.rfind('/'));
        if (auto ok = make_dir(parent); !ok) return ok;
        if (controllers_) {
            // Controllers reach a group only through every ancestor's subtree_control. The
            // root may hold processes; our parent holds none, only groups.
            const std::string root = parent.substr(0, parent.rfind('/'));
            for (const auto& d : {root, parent})
                if (auto ok = write_file(d + "/cgroup.subtree_control", "+memory +cpu +pids"); !ok)
                    return ok;
        }
        if (auto ok = make_dir(dir_); !ok) return ok;
        made_ = true;
        if (controllers_)
            if (auto ok = limit(spec); !ok) return ok;
        if (auto ok = attach_device_program(dir_, spec.devices); !ok) return ok;
        return attach_sock_filters(dir_, spec.net);
    }

    Status add(pid_t pid) override {
        return write_file(dir_ + "/cgroup.procs", std::to_string(pid));
    }

    CgroupUsage usage() const override {
        CgroupUsage u;
        if (!controllers_) return u;
        u.oom_killed = keyed_value(dir_ + "/memory.events", "oom_kill").value_or(0) > 0;
        if (auto peak = read_file(dir_ + "/memory.peak")) u.peak_memory = std::stoull(*peak);
        u.pids_limit_hit = keyed_value(dir_ + "/pids.events", "max").value_or(0) > 0;
        return u;
    }

    void kill_all() override {
        if (made_) (void)write_file(dir_ + "/cgroup.kill", "1");
    }

    Status remove() override {
        if (!made_) return Ok{};
        made_ = false;
        return remove_dir(dir_);
    }

    std::vector<std::string> paths() const override { return {dir_}; }

private:
    Status limit(const CgroupSpec& spec) {
        if (spec.memory) {
            if (auto ok = write_file(dir_ + "/memory.max", std::to_string(*spec.memory)); !ok)
                return ok;
            if (spec.swap)
                if (auto ok = write_file(dir_ + "/memory.swap.max", std::to_string(*spec.swap));
                    !ok)
                    return ok;
        }
        if (spec.cpus) {
            auto quota = static_cast<std::uint64_t>(*spec.cpus * kCfsPeriod);
            if (quota < 1000) quota = 1000;
            if (auto ok = write_file(dir_ + "/cpu.max",
                                     std::to_string(quota) + " " + std::to_string(kCfsPeriod));
                !ok)
                return ok;
        }
        if (spec.cpu_weight)
            if (auto ok = write_file(dir_ + "/cpu.weight", std::to_string(*spec.cpu_weight)); !ok)
                return ok;
        if (spec.pids)
            if (auto ok = write_file(dir_ + "/pids.max", std::to_string(*spec.pids)); !ok)
                return ok;
        return Ok{};
    }

    std::string dir_;
    bool controllers_;
    bool made_ = false;
};

}  // namespace

Result<std::unique_ptr<Cgroup>> create_v2(const CgroupSpec& spec, const std::string& name) {
    auto group = std::make_unique<CgroupV2>("/sys/fs/cgroup/containerv/" + name, true);
    if (auto ok = group->create(spec); !ok) return ok.error();
    return std::unique_ptr<Cgroup>(std::move(group));
}

Result<std::unique_ptr<Cgroup>> create_v2_bpf_only(const CgroupSpec& spec,
                                                   const std::string& name) {
    auto group = std::make_unique<CgroupV2>(spec.unified_root + "/containerv/" + name, false);
    if (auto ok = group->create(spec); !ok) return ok.error();
    return std::unique_ptr<Cgroup>(std::move(group));
}

}  // namespace containerv::linux_::cgroup_detail
