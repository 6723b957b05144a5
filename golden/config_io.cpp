// Config and file plumbing shared by model configs, architecture configs, device profiles, suites
// and the outputs of the CLI.
#include "golden/config_io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "golden/error.h"

namespace flexllm {

std::string read_text_file(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw Error(fmt::format("cannot read {}: it is a directory, not a file", path));
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    std::string text;
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        if (text.size() + static_cast<size_t>(in.gcount()) > kMaxTextFileBytes)
            throw Error(fmt::format("cannot read {}: larger than the {} MiB limit of a text file",
                                    path, kMaxTextFileBytes >> 20));
        text.append(buf, static_cast<size_t>(in.gcount()));
    }
    if (in.bad()) throw Error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    return text;
}

bool plain_file_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." &&
           name.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

std::vector<std::string> split_list(const std::string& list, const std::string& where) {
    std::vector<std::string> out;
    size_t b = 0;
    for (size_t i = 0; i <= list.size(); ++i)
        if (i == list.size() || list[i] == ',') {
            if (i == b)
                throw Error(list.empty() ? fmt::format("{} is an empty list", where)
                                         : fmt::format("{}: empty item in '{}'", where, list));
            out.push_back(list.substr(b, i - b));
            b = i + 1;
        }
    return out;
}

std::string toml_quoted(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (c < 0x20 || c == 0x7f)
                    out += fmt::format("\\u{:04X}", c);
                else
                    out += ch;
        }
    }
    return out + "\"";
}

void check_probability(double p, const std::string& where) {
    if (!(p >= 0 && p < 1))
        throw Error(fmt::format("bad {} {}", where, p), "a probability in [0, 1)");
}

namespace {
// The nearest folder on `p`'s path that exists (p itself when it does), or "." for a relative
// path none of whose folders exist.
std::filesystem::path nearest_existing(std::filesystem::path p) {
    std::error_code ec;
    while (!p.empty() && !std::filesystem::exists(p, ec)) p = p.parent_path();
    return p.empty() ? std::filesystem::path(".") : p;
}

// Creates and removes a probe file in `dir`: the only check that is right for root, read-only
// mounts and pseudo file systems alike.
void probe_writable(const std::filesystem::path& dir, const std::string& option,
                    const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throw Error(
            fmt::format("cannot write {} {}: {} is not a directory", option, path, dir.string()));
    const std::string probe = (dir / fmt::format(".flexllm-probe-{}", ::getpid())).string();
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        throw Error(fmt::format("cannot write {} {}: {}", option, path, std::strerror(errno)));
    ::close(fd);
    ::unlink(probe.c_str());
}
}  // namespace

void check_output_file(const std::string& path, const std::string& option) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw Error(fmt::format("cannot write {} {}: it is a directory", option, path));
    if (std::filesystem::exists(path, ec)) {
        const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0)
            throw Error(fmt::format("cannot write {} {}: {}", option, path, std::strerror(errno)));
        ::close(fd);
    }
    probe_writable(nearest_existing(std::filesystem::path(path).parent_path()), option, path);
}

void check_output_dir(const std::string& path, const std::string& option) {
    probe_writable(nearest_existing(path), option, path);
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
    if (auto v = n->value<double>()) {  // integers are accepted as numbers
        if (!std::isfinite(*v))
            throw Error(fmt::format("{} must be finite (got {})", where(key), *v));
        return *v;
    }
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
