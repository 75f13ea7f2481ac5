// A compliance report in each format. Everything but the time and the auditor depends only on
// the report's content, so golden files can compare the rest byte for byte.
#include "audit/compliance.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <sstream>

namespace containerv::audit {
namespace {

using json = nlohmann::json;

std::string iso_time(std::time_t t) {
    char out[32] = "";
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

std::string score_text(double score) {
    char out[16];
    std::snprintf(out, sizeof out, "%.1f", score);
    return out;
}

json evidence_json(const std::vector<Evidence>& evidence) {
    json out = json::array();
    for (const auto& e : evidence) out.push_back({{"source", e.source}, {"value", e.value}});
    return out;
}

std::string to_json_text(const Report& r) {
    json controls = json::array();
    for (const auto& c : r.controls)
        controls.push_back({{"id", c.id},
                            {"title", c.title},
                            {"status", std::string(to_string(c.status))},
                            {"level", c.level},
                            {"checks", c.checks},
                            {"findings", c.findings},
                            {"evidence", evidence_json(c.evidence)},
                            {"remediation", c.remediation}});
    json audit = to_json(r.audit);
    audit["time"] = iso_time(r.time);
    audit["auditor"] = r.auditor;
    json out = {
        {"schema", "containerv-compliance-report/1"},
        {"standard", {{"id", std::string(to_string(r.standard))}, {"title", r.standard_title}}},
        {"subject",
         {{"kind", r.audit.kind}, {"name", r.audit.subject}, {"profile", r.audit.profile}}},
        {"generated", iso_time(r.time)},
        {"auditor", r.auditor},
        {"exposure", r.audit.score},
        {"drift", r.audit.has_drift()},
        {"summary",
         {{"pass", r.count(ControlStatus::pass)},
          {"fail", r.count(ControlStatus::fail)},
          {"manual", r.count(ControlStatus::manual)},
          {"not-applicable", r.count(ControlStatus::not_applicable)}}},
        {"controls", controls},
        {"audit", audit},
    };
    if (r.audit.pid) out["subject"]["pid"] = r.audit.pid;
    return out.dump(2) + "\n";
}

// Markdown renderers pass raw HTML through, so a process name such as "<script>" is written
// as entities; a pipe would end the table cell.
std::string md_cell(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '|')
            out += "\\|";
        else if (c == '\n')
            out += ' ';
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else if (c == '&')
            out += "&amp;";
        else
            out += c;
    }
    return out;
}

std::string status_word(const Control& c) {
    std::string s(to_string(c.status));
    if (c.status == ControlStatus::fail && c.level == "warning") s += " (warning)";
    return s;
}

std::string to_markdown(const Report& r) {
    std::ostringstream out;
    out << "# Compliance report: " << r.standard_title << "\n\n";
    out << "- Subject: " << md_cell(r.audit.subject);
    if (r.audit.kind == "process" && !r.audit.profile.empty())
        out << ", compared with profile \"" << md_cell(r.audit.profile) << "\"";
    out << "\n- Generated: " << iso_time(r.time) << " by " << md_cell(r.auditor) << "\n";
    out << "- Exposure: " << score_text(r.audit.score) << "/10 (0 locked down, 10 unconfined)\n";
    out << "- Summary: " << r.count(ControlStatus::pass) << " pass, "
        << r.count(ControlStatus::fail) << " fail, " << r.count(ControlStatus::manual)
        << " manual, " << r.count(ControlStatus::not_applicable) << " not applicable\n\n";
    if (r.audit.has_drift()) {
        out << "> **THE SANDBOX DIFFERS FROM ITS PROFILE**\n>\n";
        for (const auto& f : r.audit.findings)
            if (f.drift) out << "> - " << md_cell(f.message) << "\n";
        out << "\n";
    }
    out << "| control | title | status | remediation |\n| --- | --- | --- | --- |\n";
    for (const auto& c : r.controls)
        out << "| " << c.id << " | " << md_cell(c.title) << " | " << status_word(c) << " | "
            << md_cell(c.remediation) << " |\n";
    out << "\n## Evidence\n";
    for (const auto& c : r.controls) {
        out << "\n### " << c.id << " " << md_cell(c.title) << ": " << status_word(c) << "\n\n";
        for (const auto& e : c.evidence)
            out << "- `" << md_cell(e.source) << "`: " << md_cell(e.value) << "\n";
    }
    return out.str();
}

std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// One stacked bar of the four statuses, and the exposure on its own scale: readable at a
// glance, drawn inline so the page needs nothing else.
std::string summary_chart(const Report& r) {
    struct Part {
        ControlStatus status;
        const char* label;
        const char* colour;
    };
    const Part parts[] = {{ControlStatus::pass, "pass", "#2e7d32"},
                          {ControlStatus::fail, "fail", "#c62828"},
                          {ControlStatus::manual, "manual", "#f9a825"},
                          {ControlStatus::not_applicable, "not applicable", "#9e9e9e"}};
    const int width = 600;
    int total = static_cast<int>(r.controls.size());
    std::ostringstream svg;
    svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width + 20
        << "\" height=\"150\" role=\"img\" aria-label=\"summary\">\n";
    int x = 10;
    int i = 0;
    for (const auto& p : parts) {
        int n = r.count(p.status);
        int w = total > 0 ? n * width / total : 0;
        if (i == 3 && total > 0) w = width + 10 - x;  // rounding: the bar ends where it should
        if (n > 0)
            svg << "<rect x=\"" << x << "\" y=\"10\" width=\"" << w << "\" height=\"40\" fill=\""
                << p.colour << "\"><title>" << p.label << ": " << n << "</title></rect>\n";
        x += w;
        svg << "<rect x=\"" << 10 + i * 150 << "\" y=\"62\" width=\"14\" height=\"14\" fill=\""
            << p.colour << "\"/><text x=\"" << 30 + i * 150
            << "\" y=\"74\" font-family=\"sans-serif\" font-size=\"14\">" << p.label << ": " << n
            << "</text>\n";
        ++i;
    }
    int exposure = static_cast<int>(r.audit.score * width / 10);
    svg << "<text x=\"10\" y=\"104\" font-family=\"sans-serif\" font-size=\"14\">exposure "
        << score_text(r.audit.score) << "/10</text>\n";
    svg << "<rect x=\"10\" y=\"112\" width=\"" << width << "\" height=\"16\" fill=\"#e0e0e0\"/>\n";
    svg << "<rect x=\"10\" y=\"112\" width=\"" << exposure
        << "\" height=\"16\" fill=\"#c62828\"/>\n</svg>";
    return svg.str();
}

std::string to_html(const Report& r) {
    std::ostringstream out;
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
        << html_escape("Compliance report: " + r.standard_title) << "</title>\n<style>\n"
        << "body{font-family:sans-serif;margin:2em;color:#212121}\n"
        << "table{border-collapse:collapse;width:100%}\n"
        << "td,th{border:1px solid #bdbdbd;padding:4px 8px;text-align:left;vertical-align:top}\n"
        << ".pass{color:#2e7d32}.fail{color:#c62828;font-weight:bold}.manual{color:#8d6e00}\n"
        << ".not-applicable{color:#757575}.drift{border:3px solid #c62828;padding:1em}\n"
        << "code{font-size:90%}\n</style>\n</head>\n<body>\n";
    out << "<h1>" << html_escape(r.standard_title) << "</h1>\n";
    out << "<p>Subject: " << html_escape(r.audit.subject);
    if (r.audit.kind == "process" && !r.audit.profile.empty())
        out << ", compared with profile &quot;" << html_escape(r.audit.profile) << "&quot;";
    out << "<br>Generated " << iso_time(r.time) << " by " << html_escape(r.auditor) << "</p>\n";
    if (r.audit.has_drift()) {
        out << "<div class=\"drift\"><h2>The sandbox differs from its profile</h2><ul>\n";
        for (const auto& f : r.audit.findings)
            if (f.drift) out << "<li>" << html_escape(f.message) << "</li>\n";
        out << "</ul></div>\n";
    }
    out << summary_chart(r) << "\n";
    out << "<table>\n<tr><th>control</th><th>title</th><th>status</th><th>evidence</th>"
           "<th>remediation</th></tr>\n";
    for (const auto& c : r.controls) {
        out << "<tr><td>" << html_escape(c.id) << "</td><td>" << html_escape(c.title)
            << "</td><td class=\"" << to_string(c.status) << "\">" << html_escape(status_word(c))
            << "</td><td><ul>";
        for (const auto& e : c.evidence)
            out << "<li><code>" << html_escape(e.source) << "</code>: " << html_escape(e.value)
                << "</li>";
        out << "</ul></td><td>" << html_escape(c.remediation) << "</td></tr>\n";
    }
    out << "</table>\n</body>\n</html>\n";
    return out.str();
}

std::string to_sarif(const Report& r) {
    json rules = json::array();
    json results = json::array();
    for (const auto& c : r.controls) {
        const std::string rule = std::string(to_string(r.standard)) + "/" + c.id;
        rules.push_back({{"id", rule},
                         {"name", c.id},
                         {"shortDescription", {{"text", c.title}}},
                         {"help", {{"text", c.remediation.empty() ? c.title : c.remediation}}}});
        json result = {{"ruleId", rule}};
        std::string text = c.title + ": " + std::string(to_string(c.status));
        // SARIF: a kind other than "fail" takes the level "none".
        switch (c.status) {
            case ControlStatus::pass:
                result["kind"] = "pass";
                result["level"] = "none";
                break;
            case ControlStatus::fail:
                result["kind"] = "fail";
                result["level"] = c.level == "warning" ? "warning" : "error";
                if (!c.remediation.empty()) text += ". Fix: " + c.remediation;
                break;
            case ControlStatus::manual:
                result["kind"] = "review";
                result["level"] = "none";
                break;
            case ControlStatus::not_applicable:
                result["kind"] = "notApplicable";
                result["level"] = "none";
                break;
        }
        result["message"] = {{"text", text}};
        result["locations"] =
            json::array({{{"physicalLocation", {{"artifactLocation", {{"uri", r.artifact}}}}}}});
        json evidence = json::array();
        for (const auto& e : c.evidence) evidence.push_back(e.source + ": " + e.value);
        result["properties"] = {{"evidence", evidence}, {"findings", c.findings}};
        results.push_back(result);
    }
    json sarif = {
        {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
        {"version", "2.1.0"},
        {"runs",
         json::array({{{"tool",
                        {{"driver",
                          {{"name", "containerv"},
                           {"version", CONTAINERV_VERSION_STRING},
                           {"rules", rules}}}}},
                       {"invocations", json::array({{{"executionSuccessful", true},
                                                     {"endTimeUtc", iso_time(r.time)},
                                                     {"properties", {{"auditor", r.auditor}}}}})},
                       {"properties",
                        {{"standard", r.standard_title},
                         {"subject", r.audit.subject},
                         {"exposure", r.audit.score},
                         {"drift", r.audit.has_drift()}}},
                       {"results", results}}})},
    };
    return sarif.dump(2) + "\n";
}

}  // namespace

std::string render(const Report& report, Format format) {
    switch (format) {
        case Format::json:
            return to_json_text(report);
        case Format::markdown:
            return to_markdown(report);
        case Format::html:
            return to_html(report);
        case Format::sarif:
            return to_sarif(report);
    }
    return "";
}

}  // namespace containerv::audit
