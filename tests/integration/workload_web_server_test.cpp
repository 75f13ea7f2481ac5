// nginx from Debian under the built-in web-server profile as shipped: www-data, a read-only
// root, the host's network with ports tcp:80, 443 and 8080. It binds 80 and 8080 on the host's
// loopback (80 through the bind programs' privileged-port answer, docs/DECISIONS.md), serves a
// page to a client on the host, logs to a writable path; a port the profile does not list and
// a log outside the writable paths fail.
#include "workloads.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <csignal>

namespace cvtest {
namespace {

const char* const kNginx = "/usr/sbin/nginx";

// The configuration nginx runs with: nothing but the listed ports, its pid file and temporary
// files in /tmp, the access log at ACCESS_LOG, the page from /srv/www.
std::string nginx_conf(const std::vector<int>& ports, const std::string& access_log) {
    std::string listen;
    for (int port : ports) listen += "        listen 127.0.0.1:" + std::to_string(port) + ";\n";
    return "daemon off;\n"
           "worker_processes 1;\n"
           "pid /tmp/nginx.pid;\n"
           "events { worker_connections 64; }\n"
           "http {\n"
           "    access_log " +
           access_log +
           ";\n"
           "    client_body_temp_path /tmp/body;\n"
           "    proxy_temp_path /tmp/proxy;\n"
           "    fastcgi_temp_path /tmp/fastcgi;\n"
           "    uwsgi_temp_path /tmp/uwsgi;\n"
           "    scgi_temp_path /tmp/scgi;\n"
           "    server {\n" +
           listen +
           "        root /srv/www;\n"
           "    }\n"
           "}\n";
}

// A directory bound at /srv in the sandbox: nginx.conf and www/index.html.
class Site {
public:
    Site(const std::vector<int>& ports, const std::string& access_log) {
        write_text_file(dir_.path() + "/nginx.conf", nginx_conf(ports, access_log));
        ::mkdir((dir_.path() + "/www").c_str(), 0755);
        write_text_file(dir_.path() + "/www/index.html", page());
    }
    static std::string page() { return "<p>served from a web-server sandbox</p>\n"; }
    // containerv run --profile web-server ... -- nginx, as a user would type it.
    std::vector<std::string> argv(const std::string& profile = "web-server") const {
        return containerv_argv({"run", "--profile", profile, "--bind", dir_.path() + ":/srv:ro",
                                "--", "nginx", "-e", "stderr", "-c", "/srv/nginx.conf"});
    }

private:
    TempDir dir_;
};

// GET / from 127.0.0.1:PORT, the whole response ("" when the connection fails).
std::string http_get(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval five{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string response;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        std::string request = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
        if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
            char buf[4096];
            for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) response.append(buf, n);
        }
    }
    ::close(fd);
    return response;
}

// The host's loopback ports the test needs must be free, or a result would be another
// server's.
void require_free(const std::vector<int>& ports) {
    for (int port : ports)
        ASSERT_FALSE(loopback_port_open(port))
            << "port " << port << " is in use on the host; the test needs it free (a running "
            << "nginx service? service nginx stop)";
}

TEST(WebServer, NginxServesPortsEightyAndEightyEightyToTheHost) {
    CV_SKIP_IF(workloads_cannot_run());
    CV_REQUIRE_PROGRAM(kNginx);
    require_free({80, 8080});
    Site site({80, 8080}, "/var/log/cv-access.log");
    Child sandbox(site.argv());
    bool up = wait_until([] { return loopback_port_open(80) && loopback_port_open(8080); }, 30s);
    if (!up) {
        sandbox.signal(SIGKILL);
        FAIL() << "nginx did not listen on 80 and 8080: " << sandbox.wait().describe();
    }
    for (int port : {80, 8080}) {
        std::string response = http_get(port);
        EXPECT_EQ(response.rfind("HTTP/1.1 200 OK", 0), 0u) << "port " << port << ": " << response;
        EXPECT_NE(response.find(Site::page()), std::string::npos) << response;
    }

    pid_t master = wait_for_descendant(sandbox.pid(), "nginx");
    ASSERT_NE(master, 0) << "no nginx under containerv pid " << sandbox.pid();
    expect_audit_passes(master, "web-server");
    // From the inside, through the master's root: www-data (33 in the sandbox), and the
    // requests logged in the writable /var/log.
    EXPECT_EQ(uid_inside(master), 33);
    std::string log =
        read_text_file("/proc/" + std::to_string(master) + "/root/var/log/cv-access.log");
    EXPECT_NE(log.find("\"GET / HTTP/1.0\" 200"), std::string::npos) << log;

    // SIGTERM reaches nginx through containerv and its init: a fast shutdown, exit 0.
    sandbox.signal(SIGTERM);
    Outcome out = sandbox.wait();
    EXPECT_EQ(out.code(), 0) << out.describe();
    EXPECT_FALSE(loopback_port_open(8080));
}

// Ports the profile does not list: a privileged one (81) and an ordinary one (8081). Landlock
// and the bind programs refuse both, whatever the capability.
TEST(WebServer, PortsTheProfileDoesNotListCannotBeBound) {
    CV_SKIP_IF(workloads_cannot_run());
    CV_REQUIRE_PROGRAM(kNginx);
    for (int port : {81, 8081}) {
        require_free({port});
        Site site({port}, "/var/log/cv-access.log");
        Child sandbox(site.argv());
        Outcome out = sandbox.wait();
        EXPECT_NE(out.code(), 0) << out.describe();
        // Landlock's TCP rule answers first (EACCES); without Landlock the bind program
        // would (EPERM).
        const std::string failed = "bind() to 127.0.0.1:" + std::to_string(port) + " failed (";
        EXPECT_TRUE(out.err.find(failed + "13: Permission denied)") != std::string::npos ||
                    out.err.find(failed + "1: Operation not permitted)") != std::string::npos)
            << out.describe();
        EXPECT_FALSE(loopback_port_open(port));
    }
}

// Port 80 comes with the profile's NET_BIND_SERVICE: the same profile without it cannot bind
// port 80 although the port is listed.
TEST(WebServer, PortEightyNeedsTheProfilesCapability) {
    CV_SKIP_IF(workloads_cannot_run());
    CV_REQUIRE_PROGRAM(kNginx);
    require_free({80});
    TempDir profiles;
    const std::string file = profiles.path() + "/web-no-bind.json";
    write_text_file(file, R"({"name": "web-no-bind", "extends": "web-server",
                              "capabilities": {"allowed": ["-NET_BIND_SERVICE"]}})");
    Site site({80}, "/var/log/cv-access.log");
    Outcome out = Child(site.argv(file)).wait();
    EXPECT_NE(out.code(), 0) << out.describe();
    EXPECT_NE(out.err.find("bind() to 127.0.0.1:80 failed (13: Permission denied)"),
              std::string::npos)
        << out.describe();
    EXPECT_FALSE(loopback_port_open(80));
}

// A log outside the writable paths (/var/log, /var/cache, /tmp): the read-only root refuses
// it and nginx does not start.
TEST(WebServer, WritesOutsideTheWritablePathsFail) {
    CV_SKIP_IF(workloads_cannot_run());
    CV_REQUIRE_PROGRAM(kNginx);
    require_free({8080});
    Site site({8080}, "/var/lib/cv-access.log");
    Child sandbox(site.argv());
    Outcome out = sandbox.wait();
    EXPECT_NE(out.code(), 0) << out.describe();
    EXPECT_NE(out.err.find("open() \"/var/lib/cv-access.log\" failed (30: Read-only file system)"),
              std::string::npos)
        << out.describe();
    EXPECT_FALSE(path_exists("/var/lib/cv-access.log"));
}

}  // namespace
}  // namespace cvtest
