// PostgreSQL 15 from Debian under the built-in database profile as shipped: the profile's user
// (database, 999), its syscall allow-list, ports tcp:5432/3306/27017 on the host's network, the
// data directory bound from the host into the writable /var/lib/database. psql on the host
// creates a table and rows; the server stops on SIGTERM (a clean shutdown) and a new sandbox
// finds every row. The cluster is the test's own (initdb, in a sandbox too), never the one
// Debian's package may have made.
#include "workloads.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <sstream>

namespace cvtest {
namespace {

const std::string kBin = "/usr/lib/postgresql/15/bin";
const std::string kData = "/var/lib/database/data";

// The host uid a sandbox uid stands for under the database profile, read from the sandbox's
// own uid_map (as root: 1000000000 + id, or the subordinate range of the user containerv).
long host_uid_of(long sandbox_uid) {
    Outcome out = containerv({"run", "--profile", "database", "--", "cat", "/proc/self/uid_map"});
    EXPECT_EQ(out.code(), 0) << out.describe();
    std::istringstream map(out.out);
    for (long inside, outside, count; map >> inside >> outside >> count;)
        if (sandbox_uid >= inside && sandbox_uid < inside + count)
            return outside + sandbox_uid - inside;
    ADD_FAILURE() << "sandbox uid " << sandbox_uid << " is not mapped: " << out.out;
    return -1;
}

std::vector<std::string> in_database_sandbox(const std::string& data_dir,
                                             const std::vector<std::string>& command) {
    std::vector<std::string> args{"run", "--profile", "database", "--bind", data_dir + ":" + kData,
                                  "--"};
    args.insert(args.end(), command.begin(), command.end());
    return containerv_argv(args);
}

// psql on the host, as the cluster's superuser over loopback TCP; stdout, unaligned.
Outcome psql(int port, const std::string& sql) {
    return host_command({kBin + "/psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                         std::to_string(port), "-U", "postgres", "-d", "postgres", "-At", "-c",
                         sql});
}

// A server in its own sandbox: started, waited for, stopped with SIGTERM.
class Server {
public:
    Server(const std::string& data_dir, int port)
        : port_(port),
          sandbox_(
              in_database_sandbox(data_dir, {kBin + "/postgres", "-D", kData, "-h", "127.0.0.1",
                                             "-p", std::to_string(port), "-k", "/tmp"})) {}

    // True once the server accepts queries; the output of a server that died otherwise.
    bool ready(std::string* why) {
        bool up = wait_until([&] { return psql(port_, "select 1").code() == 0; }, 60s);
        if (!up) {
            sandbox_.signal(SIGKILL);
            *why = sandbox_.wait().describe();
        }
        return up;
    }
    pid_t postmaster() const { return wait_for_descendant(sandbox_.pid(), "postgres"); }
    // SIGTERM through containerv and its init: PostgreSQL's smart shutdown.
    Outcome stop() {
        sandbox_.signal(SIGTERM);
        return sandbox_.wait(120s);
    }

private:
    int port_;
    Child sandbox_;
};

// The first of the profile's ports that is free on the host's loopback (a cluster started by
// Debian's package would hold 5432).
int free_database_port() {
    for (int port : {5432, 3306, 27017})
        if (!loopback_port_open(port)) return port;
    return 0;
}

TEST(Database, PostgresKeepsItsRowsAcrossACleanRestart) {
    CV_SKIP_IF(workloads_cannot_run());
    CV_REQUIRE_PROGRAM(kBin + "/postgres");
    CV_REQUIRE_PROGRAM(kBin + "/psql");
    const int port = free_database_port();
    ASSERT_NE(port, 0) << "ports 5432, 3306 and 27017 are all in use on the host";

    // PostgreSQL wants its data directory owned by its own user, mode 0700.
    TempDir data(0700);
    const long owner = host_uid_of(999);
    ASSERT_GT(owner, 0);
    ASSERT_EQ(::chown(data.path().c_str(), owner, owner), 0);
    Outcome init =
        Child(in_database_sandbox(data.path(), {kBin + "/initdb", "-D", kData, "-U", "postgres",
                                                "-A", "trust", "-E", "UTF8", "--locale=C"}))
            .wait(180s);
    ASSERT_EQ(init.code(), 0) << init.describe();

    {
        Server server(data.path(), port);
        std::string why;
        ASSERT_TRUE(server.ready(&why)) << why;
        Outcome made = psql(port,
                            "create table visits (id integer primary key, page text not null);"
                            "insert into visits select n, 'page ' || n "
                            "from generate_series(1, 1000) as n;");
        ASSERT_EQ(made.code(), 0) << made.describe();
        pid_t postmaster = server.postmaster();
        ASSERT_NE(postmaster, 0);
        expect_audit_passes(postmaster, "database");
        EXPECT_EQ(uid_inside(postmaster), 999);

        Outcome stopped = server.stop();
        EXPECT_EQ(stopped.code(), 0) << stopped.describe();
        EXPECT_NE(stopped.err.find("database system is shut down"), std::string::npos)
            << stopped.describe();
    }
    // A clean shutdown leaves no postmaster.pid behind.
    EXPECT_FALSE(path_exists(data.path() + "/postmaster.pid"));

    Server again(data.path(), port);
    std::string why;
    ASSERT_TRUE(again.ready(&why)) << why;
    Outcome rows = psql(port, "select count(*), sum(id), max(page) from visits");
    EXPECT_EQ(rows.code(), 0) << rows.describe();
    EXPECT_EQ(rows.out, "1000|500500|page 999\n");
    Outcome stopped = again.stop();
    EXPECT_EQ(stopped.code(), 0) << stopped.describe();
}

}  // namespace
}  // namespace cvtest
