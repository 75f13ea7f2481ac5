// Where each value of a JSON text starts, by JSON pointer. nlohmann-json 3.11 (Debian 12) keeps
// no positions in the values it parses, so validation finds them with this small scanner.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace containerv {

// 1-based. The column counts characters (UTF-8 code points), a tab as one.
struct TextPosition {
    int line = 0;
    int column = 0;
};

// The position of byte `offset` of `text` (the end of the text when beyond it).
TextPosition position_at(std::string_view text, std::size_t offset);

class JsonPositions {
public:
    // One pass over `text`, which nlohmann-json has already parsed: the scanner trusts the
    // syntax and stops at the first thing it does not expect, keeping what it found so far.
    // It also stops where containers nest deeper than `max_depth` (pointers grow with depth,
    // so a hostile file would cost quadratic time and memory); depth() is then max_depth + 1.
    static JsonPositions scan(std::string_view text, int max_depth = 64);

    // Where the value at `pointer` starts, or with `at_key` its member's key. A pointer not in
    // the text gets its nearest enclosing value; {0, 0} only for an empty text.
    TextPosition find(const std::string& pointer, bool at_key = false) const;
    bool contains(const std::string& pointer) const { return values_.count(pointer) != 0; }

    // How deep containers nest: 1 for a flat object; at most max_depth + 1.
    int depth() const { return depth_; }

    // Members given a second time in one object (the parser keeps the last): the pointer and
    // where the later key is.
    const std::vector<std::pair<std::string, TextPosition>>& duplicates() const {
        return duplicates_;
    }

private:
    std::map<std::string, TextPosition> values_;
    std::map<std::string, TextPosition> keys_;
    std::vector<std::pair<std::string, TextPosition>> duplicates_;
    int depth_ = 0;
};

}  // namespace containerv
