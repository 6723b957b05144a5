// Shared config plumbing: reading files, resolving built-in (embedded) configs by name, and a
// strict TOML table reader that rejects unknown keys and wrong types with a one-line reason.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flexllm {

// Whole file as bytes/text; throws Error("cannot read FILE: reason").
std::string read_text_file(const std::string& path);

using EmbeddedFiles = std::vector<std::pair<std::string_view, std::string_view>>;

// Returns {origin, text}: a built-in entry when `name_or_path` names one, else the file's text.
// Throws Error listing the built-in names when neither exists. `kind` is e.g. "model".
std::pair<std::string, std::string> resolve_config_text(const std::string& kind,
                                                        const std::string& name_or_path,
                                                        const EmbeddedFiles& builtins);

toml::table parse_toml(const std::string& text, const std::string& origin);

// Reads keys of one table; every key must be consumed (finish() throws on leftovers).
class TomlReader {
  public:
    TomlReader(const toml::table& table, std::string origin, std::string prefix = {});

    int64_t get_int(std::string_view key);
    int64_t get_int(std::string_view key, int64_t fallback);
    double get_double(std::string_view key);
    double get_double(std::string_view key, double fallback);
    // Range-checked numbers; the error reads "<where> must be in LO..HI (got V)" (powers of two
    // of 2^10 and up are written 2^k), "must be positive", "must be >= 0" or "must be in (0, 1]".
    int64_t get_int_in(std::string_view key, int64_t lo, int64_t hi);
    int64_t get_int_in(std::string_view key, int64_t lo, int64_t hi, int64_t fallback);
    double get_positive(std::string_view key);
    double get_non_negative(std::string_view key, double fallback);
    double get_fraction(std::string_view key);
    double get_fraction(std::string_view key, double fallback);
    bool get_bool(std::string_view key, bool fallback);
    std::string get_string(std::string_view key);
    std::string get_string(std::string_view key, const std::string& fallback);
    bool has(std::string_view key) const;
    // A sub-table reader (absent -> empty table).
    TomlReader sub(std::string_view key);
    void finish() const;
    const std::string& origin() const { return origin_; }
    std::string where(std::string_view key) const;  // "origin: prefix.key"

  private:
    const toml::node* node(std::string_view key, bool required);
    const toml::table& table_;
    std::string origin_;
    std::string prefix_;
    std::set<std::string, std::less<>> used_;
};

}  // namespace flexllm
