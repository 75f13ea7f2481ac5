// run --explain: the supervisor's side of seccomp user notification. The command's filter
// turns each errno answer into a notification (CompileOptions::notify_denials); the
// supervisor receives the listener descriptor from the sandbox, reports each refused call on
// stderr once per syscall and rule, and answers it with exactly the errno the profile
// decided. Nothing is ever let through: the answer is always an error, and if the supervisor
// dies the kernel answers ENOSYS.
#pragma once

#include "seccomp/attribute.hpp"
#include "seccomp/compile.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace containerv::linux_ {

// What an explanation names besides the call: where the policy comes from.
struct ExplainContext {
    seccomp::FilterLayout layout;  // with the policy's actions, not the notifications
    std::string source;            // "profile FILE", "built-in profile NAME", ...
    std::string json_path;         // --explain-json FILE: one JSON object a line; empty: none
    // profile learn: every call is recorded here and let through (CONTINUE); no reports.
    std::shared_ptr<seccomp::LearnRecord> learn;
};

class DenialReporter {
public:
    // Starts a thread that takes the listener from `socket` (SCM_RIGHTS; the reporter owns
    // the socket) and answers notifications until no process uses the filter any more.
    static Result<std::unique_ptr<DenialReporter>> start(int socket, ExplainContext context);
    ~DenialReporter();
    DenialReporter(const DenialReporter&) = delete;
    DenialReporter& operator=(const DenialReporter&) = delete;

    // Waits for the thread (the sandbox has ended), then says what could not be attributed,
    // given the command's exit code.
    void finish(int exit_code);

    // Each report as one JSON object, in order; complete once finish() returned.
    const std::vector<std::string>& events() const;

    struct State;

private:
    explicit DenialReporter(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

// Sandbox side, between clone and exec (allocation-free): sends the listener descriptor over
// the socket. Returns 0 or an errno value.
int send_listener(int socket, int listener) noexcept;

}  // namespace containerv::linux_
