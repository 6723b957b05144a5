// Text helpers shared by case ids (kernel_registry.cpp) and layer selections (cases.cpp).
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace flexllm::tb {

inline std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> parts;
    size_t b = 0;
    for (size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == sep) {
            parts.push_back(s.substr(b, i - b));
            b = i + 1;
        }
    return parts;
}

// A layer index: decimal digits only (no sign, no spaces), at most 6 of them.
inline std::optional<int> parse_index(const std::string& s) {
    if (s.empty() || s.size() > 6 ||
        !std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
        return std::nullopt;
    return std::stoi(s);
}

}  // namespace flexllm::tb
