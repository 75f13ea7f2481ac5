// Every seccomp policy importer (src/seccomp/import.cpp): Docker/Moby files, OCI linux.seccomp
// objects and config.json, containerv profiles and syscall sections. The importer picks the
// format from the document, so one target reaches all of them; the seed corpus holds each.
// This is import_policy_file without the file: parse, refuse duplicate keys, import.
#include "profile/positions.hpp"
#include "seccomp/import.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
        return 0;
    }
    (void)containerv::JsonPositions::scan(text);
    // A fixed context, so that a crash reproduces on any host: CAP_SYS_ADMIN and
    // CAP_NET_ADMIN held (Docker's includes and excludes by capability both apply), kernel 6.1.
    containerv::seccomp::ImportContext ctx;
    ctx.caps = (containerv::CapSet{1} << 21) | (containerv::CapSet{1} << 12);
    ctx.kernel = {6, 1};
    containerv::seccomp::ImportReport report;
    auto policy = containerv::seccomp::import_policy(doc, ctx, "fuzz.json", &report);
    if (!policy && policy.error().to_string().empty()) std::abort();
    return 0;
}
