// The audit reads real v1 cgroup limits: a host process moved into memory, pids and cpu
// cgroups made for the test passes resources_limited, and a profile asking for less than the
// kernel enforces shows as drift. Root only: creating cgroups needs it.
#include "sandbox_run.hpp"

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace cvtest {
namespace {

using nlohmann::json;

// This process's cgroup path for a v1 controller, from /proc/self/cgroup.
std::optional<std::string> own_cgroup(const std::string& controller) {
    std::ifstream in("/proc/self/cgroup");
    for (std::string line; std::getline(in, line);) {
        auto first = line.find(':'), second = line.find(':', first + 1);
        std::string names = "," + line.substr(first + 1, second - first - 1) + ",";
        if (names.find("," + controller + ",") != std::string::npos) return line.substr(second + 1);
    }
    return std::nullopt;
}

bool write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    out.flush();
    return static_cast<bool>(out);
}

// A child cgroup of this process's own, per controller; removed (after the process left it)
// with the object.
class V1Cgroup {
public:
    V1Cgroup(const std::string& controller, const std::string& name) {
        auto own = own_cgroup(controller);
        if (!own) return;
        dir_ = "/sys/fs/cgroup/" + controller + (*own == "/" ? "" : *own) + "/" + name;
        if (::mkdir(dir_.c_str(), 0755) != 0) dir_.clear();
    }
    ~V1Cgroup() {
        if (!dir_.empty()) ::rmdir(dir_.c_str());
    }
    bool ok() const { return !dir_.empty(); }
    bool set(const std::string& file, const std::string& value) const {
        return write_text(dir_ + "/" + file, value);
    }
    bool add(pid_t pid) const { return set("cgroup.procs", std::to_string(pid)); }
    const std::string& dir() const { return dir_; }

private:
    std::string dir_;
};

std::optional<std::string> missing_v1() {
    if (::geteuid() != 0) return "creating cgroups needs root";
    for (const char* c : {"memory", "pids", "cpu"})
        if (!path_exists(std::string("/sys/fs/cgroup/") + c + "/cgroup.procs"))
            return std::string("no cgroup v1 ") + c + " hierarchy on this host";
    return std::nullopt;
}

TEST(AuditCgroupV1, RealLimitsAreReadAndCompared) {
    CV_SKIP_IF(missing_v1());
    const std::string name = unique_name();
    V1Cgroup memory("memory", name), pids("pids", name), cpu("cpu", name);
    ASSERT_TRUE(memory.ok() && pids.ok() && cpu.ok());
    ASSERT_TRUE(memory.set("memory.limit_in_bytes", "67108864"));
    ASSERT_TRUE(pids.set("pids.max", "50"));
    ASSERT_TRUE(cpu.set("cpu.cfs_quota_us", "50000"));
    {
        Child host({"/bin/sleep", "60"});
        for (const V1Cgroup* g : {&memory, &pids, &cpu}) ASSERT_TRUE(g->add(host.pid()));

        Outcome out =
            containerv({"audit", "--pid", std::to_string(host.pid()), "--format", "json"});
        json a = json::parse(out.out);
        EXPECT_TRUE(a["checks"]["resources_limited"]["passed"].get<bool>()) << out.out;
        std::string facts = a["checks"]["resources_limited"]["facts"].dump();
        EXPECT_NE(facts.find(memory.dir() + "/memory.limit_in_bytes"), std::string::npos) << facts;
        EXPECT_NE(facts.find("67108864"), std::string::npos) << facts;
        EXPECT_NE(facts.find(pids.dir() + "/pids.max"), std::string::npos) << facts;

        // A profile asking for 32 MiB: the kernel's 64 MiB is looser, which is drift.
        TempDir dir;
        const std::string file = dir.path() + "/limits.json";
        ASSERT_TRUE(write_text(file, R"({"name": "limits", "extends": "untrusted",
            "resources": {"memory": 33554432, "pids": 100}})"));
        out = containerv({"audit", "--pid", std::to_string(host.pid()), "--profile", file});
        EXPECT_EQ(out.code(), 1) << out.describe();
        EXPECT_NE(out.out.find("asks for a memory limit of 33554432, the kernel shows 67108864"),
                  std::string::npos)
            << out.out;
        // pids 50 is tighter than the profile's 100: no drift for it.
        EXPECT_EQ(out.out.find("pids limit of 100"), std::string::npos) << out.out;
        host.signal(SIGKILL);
        host.wait();
    }
}

}  // namespace
}  // namespace cvtest
