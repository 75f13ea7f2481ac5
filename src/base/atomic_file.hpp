// Writing the files containerv writes at a user's request (run --report json:FILE,
// --explain-json FILE, report -o, profile learn -o): whole or not at all, and never through a
// link a sandbox could have planted.
#pragma once

#include <containerv/error.hpp>

#include "base/fd.hpp"

#include <string>

namespace containerv {

// An output path whose directory is opened when it is named, before any sandbox runs, and
// written relative to that descriptor afterwards. A sandbox that can write into that directory
// (through a --bind) can neither swap the directory for a symlink during the run nor make the
// write follow one: the directory stays the one the caller named, the file is replaced by
// rename (which replaces a link, never follows it) or opened with O_NOFOLLOW.
class OutputFile {
public:
    // Opens PATH's directory (its own symlinks followed: that path is the caller's choice) and
    // refuses an existing PATH that is not a regular file (a device, a symlink, a FIFO).
    static Result<OutputFile> pin(const std::string& path, const char* step);

    // Replaces the file with TEXT: a temporary file with a fresh random name in the pinned
    // directory, fsync, renameat over the name.
    Status replace(const std::string& text) const;

    // Opens the file for writing as a stream (created or truncated). Refuses a symlink, a
    // non-regular file and a file with another hard link, so an earlier sandbox's plant cannot
    // redirect the stream.
    Result<Fd> open_stream() const;

    const std::string& path() const { return path_; }

private:
    OutputFile(std::string path, std::string base, const char* step, Fd dir)
        : path_(std::move(path)), base_(std::move(base)), step_(step), dir_(std::move(dir)) {}

    std::string path_;
    std::string base_;
    const char* step_;
    Fd dir_;
};

// pin and replace in one go, for files written when no sandbox runs (report -o).
Status write_file_atomically(const std::string& path, const std::string& text, const char* step);

}  // namespace containerv
