// Config plumbing shared by model configs, architecture configs and device profiles.
#include "golden/config_io.h"

#include <fmt/format.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "golden/error.h"

namespace flexllm {

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::pair<std::string, std::string> resolve_config_text(const std::string& kind,
                                                        const std::string& name_or_path,
                                                        const EmbeddedFiles& builtins) {
    for (const auto& [name, text] : builtins)
        if (name == name_or_path)
            return {fmt::format("built-in {} '{}'", kind, name), std::string(text)};
    std::ifstream probe(name_or_path);
    if (!probe) {
        std::string names;
        for (const auto& [name, text] : builtins)
            names += (names.empty() ? "" : ", ") + std::string(name);
        throw Error(fmt::format("unknown {} '{}': not a built-in ({}) and no such file", kind,
                                name_or_path, names));
    }
    return {name_or_path, read_text_file(name_or_path)};
}

toml::table parse_toml(const std::string& text, const std::string& origin) {
    try {
        return toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        const auto& b = e.source().begin;
        throw Error(
            fmt::format("{}:{}:{}: invalid TOML: {}", origin, b.line, b.column, e.description()));
    }
}

TomlReader::TomlReader(const toml::table& table, std::string origin, std::string prefix)
    : table_(table), origin_(std::move(origin)), prefix_(std::move(prefix)) {}

std::string TomlReader::where(std::string_view key) const {
    return fmt::format("{}: {}{}", origin_, prefix_.empty() ? "" : prefix_ + ".", key);
}

bool TomlReader::has(std::string_view key) const { return table_.contains(key); }

const toml::node* TomlReader::node(std::string_view key, bool required) {
    used_.insert(std::string(key));
    const toml::node* n = table_.get(key);
    if (!n && required) throw Error(where(key) + " is missing");
    return n;
}

int64_t TomlReader::get_int(std::string_view key) {
    const toml::node* n = node(key, true);
    if (auto v = n->value_exact<int64_t>()) return *v;
    throw Error(where(key) + " must be an integer");
}
int64_t TomlReader::get_int(std::string_view key, int64_t fallback) {
    return has(key) ? get_int(key) : (used_.insert(std::string(key)), fallback);
}
double TomlReader::get_double(std::string_view key) {
    const toml::node* n = node(key, true);
    if (auto v = n->value<double>()) return *v;  // integers are accepted as numbers
    throw Error(where(key) + " must be a number");
}
double TomlReader::get_double(std::string_view key, double fallback) {
    return has(key) ? get_double(key) : (used_.insert(std::string(key)), fallback);
}
namespace {
std::string bound_str(int64_t v) {
    if (v >= 1024 && (v & (v - 1)) == 0)
        return fmt::format("2^{}", std::countr_zero(static_cast<uint64_t>(v)));
    return std::to_string(v);
}
}  // namespace

int64_t TomlReader::get_int_in(std::string_view key, int64_t lo, int64_t hi) {
    const int64_t v = get_int(key);
    if (v < lo || v > hi)
        throw Error(fmt::format("{} must be in {}..{} (got {})", where(key), bound_str(lo),
                                bound_str(hi), v));
    return v;
}
int64_t TomlReader::get_int_in(std::string_view key, int64_t lo, int64_t hi, int64_t fallback) {
    return has(key) ? get_int_in(key, lo, hi) : (used_.insert(std::string(key)), fallback);
}
double TomlReader::get_positive(std::string_view key) {
    const double v = get_double(key);
    if (!(v > 0)) throw Error(where(key) + " must be positive");
    return v;
}
double TomlReader::get_non_negative(std::string_view key, double fallback) {
    const double v = get_double(key, fallback);
    if (!(v >= 0)) throw Error(where(key) + " must be >= 0");
    return v;
}
double TomlReader::get_fraction(std::string_view key) {
    const double v = get_double(key);
    if (!(v > 0 && v <= 1)) throw Error(where(key) + " must be in (0, 1]");
    return v;
}
double TomlReader::get_fraction(std::string_view key, double fallback) {
    return has(key) ? get_fraction(key) : (used_.insert(std::string(key)), fallback);
}

bool TomlReader::get_bool(std::string_view key, bool fallback) {
    const toml::node* n = node(key, false);
    if (!n) return fallback;
    if (auto v = n->value_exact<bool>()) return *v;
    throw Error(where(key) + " must be true or false");
}
std::string TomlReader::get_string(std::string_view key) {
    const toml::node* n = node(key, true);
    if (auto v = n->value_exact<std::string>()) return *v;
    throw Error(where(key) + " must be a string");
}
std::string TomlReader::get_string(std::string_view key, const std::string& fallback) {
    return has(key) ? get_string(key) : (used_.insert(std::string(key)), fallback);
}

TomlReader TomlReader::sub(std::string_view key) {
    static const toml::table kEmpty;
    const toml::node* n = node(key, false);
    std::string prefix = prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
    if (!n) return TomlReader(kEmpty, origin_, prefix);
    if (!n->is_table()) throw Error(where(key) + " must be a table");
    return TomlReader(*n->as_table(), origin_, prefix);
}

void TomlReader::finish() const {
    for (const auto& [k, v] : table_)
        if (!used_.contains(k.str())) throw Error(where(k.str()) + " is not a known key");
}

}  // namespace flexllm
