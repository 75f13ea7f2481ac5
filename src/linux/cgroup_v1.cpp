// cgroup v1: one directory per controller (memory, pids, devices, and cpu when the profile
// limits cpu), each /sys/fs/cgroup/<controller>/containerv/<owner>. On a hybrid host a group in
// the unified tree holds the device BPF program as a second layer (cgroup_v2.cpp).
#include "linux/cgroups.hpp"

#include <csignal>
#include <sstream>
#include <string_view>

namespace containerv::linux_::cgroup_detail {
namespace {

constexpr const char* kControllers[] = {"memory", "cpu", "pids", "devices"};
constexpr std::uint64_t kCfsPeriod = 100000;  // microseconds, the kernel's default period

std::string dir_of(const char* controller, const std::string& name) {
    return std::string("/sys/fs/cgroup/") + controller + "/containerv/" + name;
}

class CgroupV1 final : public Cgroup {
public:
    explicit CgroupV1(std::string name) : name_(std::move(name)) {}
    ~CgroupV1() override { (void)remove(); }

    Status create(const CgroupSpec& spec) {
        for (const char* c : kControllers) {
            // A v1 cpu group weighs as much as one of the host's tasks, whatever runs in it:
            // joined without a cpu limit it only slows a busy sandbox down on a busy host.
            if (std::string_view(c) == "cpu" && !spec.cpus && !spec.cpu_weight) continue;
            const std::string parent = std::string("/sys/fs/cgroup/") + c + "/containerv";
            if (auto ok = make_dir(parent); !ok) return ok;
            if (auto ok = make_dir(dir_of(c, name_)); !ok) return ok;
            made_.push_back(dir_of(c, name_));
        }
        return limit(spec);
    }

    Status add(pid_t pid) override {
        for (const auto& dir : made_)
            if (auto ok = write_file(dir + "/cgroup.procs", std::to_string(pid)); !ok) return ok;
        if (unified_)
            if (auto ok = unified_->add(pid); !ok) return ok;
        return Ok{};
    }

    CgroupUsage usage() const override {
        CgroupUsage u;
        const std::string mem = dir_of("memory", name_);
        u.oom_killed = keyed_value(mem + "/memory.oom_control", "oom_kill").value_or(0) > 0;
        if (auto peak = read_file(mem + "/memory.max_usage_in_bytes"))
            u.peak_memory = std::stoull(*peak);
        u.pids_limit_hit =
            keyed_value(dir_of("pids", name_) + "/pids.events", "max").value_or(0) > 0;
        return u;
    }

    void kill_all() override {
        // v1 has no cgroup.kill: signal each listed process (the sandbox's pid 1 going takes
        // its pid namespace with it, so this is for a tree already on its way out).
        if (auto procs = read_file(dir_of("pids", name_) + "/cgroup.procs")) {
            std::istringstream in(*procs);
            pid_t pid;
            while (in >> pid) ::kill(pid, SIGKILL);
        }
    }

    Status remove() override {
        Status first = Ok{};
        if (unified_) {
            if (auto ok = unified_->remove(); !ok && first) first = ok;
        }
        while (!made_.empty()) {
            if (auto ok = remove_dir(made_.back()); !ok && first) first = ok;
            made_.pop_back();
        }
        return first;
    }

    std::vector<std::string> paths() const override {
        std::vector<std::string> out = made_;
        if (unified_)
            for (auto& p : unified_->paths()) out.push_back(p);
        return out;
    }

    std::unique_ptr<Cgroup> unified_;

private:
    Status limit(const CgroupSpec& spec) {
        const std::string mem = dir_of("memory", name_);
        if (spec.memory) {
            if (auto ok = write_file(mem + "/memory.limit_in_bytes", std::to_string(*spec.memory));
                !ok)
                return ok;
            // memsw is memory plus swap; it must not be below the memory limit, so it goes
            // second. Without swap accounting the file is missing and the plan refused swap.
            if (spec.swap)
                if (auto ok = write_file(mem + "/memory.memsw.limit_in_bytes",
                                         std::to_string(*spec.memory + *spec.swap));
                    !ok)
                    return ok;
        }
        const std::string cpu = dir_of("cpu", name_);  // made only when one of these is set
        if (spec.cpus) {
            auto quota = static_cast<std::uint64_t>(*spec.cpus * kCfsPeriod);
            if (quota < 1000) quota = 1000;  // the kernel's minimum quota, 1 ms
            if (auto ok = write_file(cpu + "/cpu.cfs_period_us", std::to_string(kCfsPeriod)); !ok)
                return ok;
            if (auto ok = write_file(cpu + "/cpu.cfs_quota_us", std::to_string(quota)); !ok)
                return ok;
        }
        if (spec.cpu_weight) {
            // v2's weight 1-10000 (default 100) onto v1's shares 2-262144 (default 1024), the
            // inverse of the conversion crun and runc use the other way.
            std::uint64_t shares = 2 + ((*spec.cpu_weight - 1) * 262142) / 9999;
            if (auto ok = write_file(cpu + "/cpu.shares", std::to_string(shares)); !ok) return ok;
        }
        if (spec.pids)
            if (auto ok =
                    write_file(dir_of("pids", name_) + "/pids.max", std::to_string(*spec.pids));
                !ok)
                return ok;
        // Deny everything, then allow the list: a new group starts with its parent's list.
        const std::string dev = dir_of("devices", name_);
        if (auto ok = write_file(dev + "/devices.deny", "a"); !ok) return ok;
        for (const auto& rule : spec.devices)
            if (auto ok = write_file(dev + "/devices.allow", to_string(rule)); !ok) return ok;
        return Ok{};
    }

    std::string name_;
    std::vector<std::string> made_;
};

}  // namespace

Result<std::unique_ptr<Cgroup>> create_v1(const CgroupSpec& spec, const std::string& name) {
    auto group = std::make_unique<CgroupV1>(name);
    if (auto ok = group->create(spec); !ok) return ok.error();  // the destructor cleans up
    if (!spec.unified_root.empty()) {
        auto unified = create_v2_bpf_only(spec, name);
        if (!unified) return unified.error();
        group->unified_ = std::move(*unified);
    }
    return std::unique_ptr<Cgroup>(std::move(group));
}

}  // namespace containerv::linux_::cgroup_detail
