// Compliance reports: the audit's findings mapped to the controls of a standard (CIS Docker
// Benchmark v1.6 section 5, NIST SP 800-190 section 4.4, PCI-DSS v4.0, Kubernetes Pod
// Security Standards), rendered as JSON, Markdown, HTML or SARIF 2.1.0. docs/AUDIT.md has the
// mapping and the JSON schema.
#pragma once

#include "audit/audit.hpp"

#include <containerv/error.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace containerv::audit {

enum class Standard { cis, nist, pci, pss };
// "cis", "nist", "pci", "pss", and the C API's "CIS", "NIST", "PCI-DSS", "PSS" (any case).
std::optional<Standard> standard_from_string(std::string_view name);
std::string_view to_string(Standard standard);

enum class ControlStatus { pass, fail, manual, not_applicable };
std::string_view to_string(ControlStatus status);

struct Control {
    std::string id;
    std::string title;
    ControlStatus status = ControlStatus::pass;
    std::string level;  // for a failed control: "error" or "warning"; else ""
    std::vector<Evidence> evidence;
    std::string remediation;            // a profile change where one exists
    std::vector<std::string> checks;    // the audit checks that evidence it
    std::vector<std::string> findings;  // the finding ids that failed it
};

struct Report {
    Standard standard = Standard::cis;
    std::string standard_title;  // "CIS Docker Benchmark v1.6.0, section 5"
    std::string artifact;        // a URI for SARIF: the profile file, or containerv:...
    Audit audit;
    std::vector<Control> controls;
    std::time_t time = 0;
    std::string auditor;

    int count(ControlStatus status) const;
    // --fail-on: true when a control failed (at level error, or at any level with warn).
    bool fails(bool on_warn) const;
};

Report build_report(Standard standard, const Audit& audit, std::string artifact);

enum class Format { json, markdown, html, sarif };
std::optional<Format> format_from_string(std::string_view name);
// From a file name: .json, .md/.markdown, .html/.htm, .sarif (also .sarif.json).
std::optional<Format> format_from_path(std::string_view path);

std::string render(const Report& report, Format format);

// Written whole or not at all: a temporary file in the same directory renamed over PATH.
containerv::Status write_file_atomically(const std::string& path, const std::string& text);

}  // namespace containerv::audit
