// Shared config plumbing: reading files, resolving built-in (embedded) configs by name, and a
// strict TOML table reader that rejects unknown keys and wrong types with a one-line reason.
#pragma once

#include <toml++/toml.h>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flexllm {

// The largest text file (config TOML, suite, manifest or index JSON) read_text_file accepts.
inline constexpr size_t kMaxTextFileBytes = size_t{16} << 20;

// Whole file as bytes/text; throws Error("cannot read FILE: reason") -- also for a directory and
// a file larger than kMaxTextFileBytes.
std::string read_text_file(const std::string& path);

// True when `name` is a plain file name: not empty, not "." or "..", no '/' (nor '\\' or NUL).
// Every path read out of a file (a checkpoint index's shards, a manifest's sources) must be one,
// so that a file can only name files in its own folder.
bool plain_file_name(std::string_view name);

// The items of a comma-separated list ("a,b"); an empty list or an empty item is an Error naming
// `where` (e.g. "--arch" or "suite.toml: archs").
std::vector<std::string> split_list(const std::string& list, const std::string& where);

// `s` as a TOML basic string, quotes included: '"' and '\\' escaped, control characters as \n, \t,
// ... or \uXXXX, so that any string read from a config writes back as the same string.
std::string toml_quoted(std::string_view s);

// Throws Error "bad <where> <p>" unless 0 <= p < 1 (nan fails too).
void check_probability(double p, const std::string& where);

// Checks before any work starts that an output can be written: a file (not a directory; the
// nearest existing folder on its path writable) or a folder (itself, or the nearest existing one
// above it, a writable directory). Creates nothing; throws Error naming `option` and the path.
void check_output_file(const std::string& path, const std::string& option);
void check_output_dir(const std::string& path, const std::string& option);

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
