// Cycle records: parsing, loading, prediction.
#include "tb/perf/measured.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "golden/config_io.h"
#include "golden/error.h"
#include "hls_src/arch_config.h"

namespace flexllm::perf {

namespace {

constexpr const char* kFormat = "flexllm-cycles-v1";

int get_int(const nlohmann::json& j, const char* key, int fallback, const std::string& where) {
    if (!j.contains(key)) return fallback;
    if (!j[key].is_number_integer())
        throw Error(fmt::format("{}: '{}' must be an integer", where, key));
    const int64_t v = j[key].get<int64_t>();
    if (v < 1 || v > (1 << 24)) throw Error(fmt::format("{}: '{}' must be in 1..2^24", where, key));
    return static_cast<int>(v);
}

int64_t get_int64(const nlohmann::json& j, const char* key, int64_t fallback,
                  const std::string& where) {
    if (!j.contains(key)) return fallback;
    if (!j[key].is_number_integer())
        throw Error(fmt::format("{}: '{}' must be an integer", where, key));
    return j[key].get<int64_t>();
}

std::string get_str(const nlohmann::json& j, const char* key, const std::string& where,
                    bool required) {
    if (!j.contains(key)) {
        if (required) throw Error(fmt::format("{}: '{}' is missing", where, key));
        return {};
    }
    if (!j[key].is_string()) throw Error(fmt::format("{}: '{}' must be a string", where, key));
    return j[key].get<std::string>();
}

// A `flexllm regress --json` report: {"cases": [{"id", "arch", "phase", "stage", "role",
// "cycles": {"measured", "model", ...}}, ...]}.
std::vector<CycleRecord> parse_regress_report(const nlohmann::json& doc,
                                              const std::string& origin) {
    std::vector<CycleRecord> out;
    for (const auto& c : doc["cases"]) {
        if (!c.is_object() || !c.contains("cycles") || !c["cycles"].is_object()) continue;
        const auto& cy = c["cycles"];
        const std::string id =
            c.contains("id") && c["id"].is_string() ? c["id"].get<std::string>() : std::string("?");
        const std::string where = fmt::format("{}#{}", origin, id);
        const int64_t measured = get_int64(cy, "measured", 0, where + ": cycles");
        const int64_t model = get_int64(cy, "model", 0, where + ": cycles");
        if (measured <= 0 || model <= 0) continue;  // no RTL run, or no model for the stage
        CycleRecord r;
        r.origin = where;
        r.stage = get_str(c, "stage", where, true);
        r.arch = get_str(c, "arch", where, true);
        r.role = get_str(c, "role", where, false);
        r.phase = get_str(c, "phase", where, false);
        r.cycles = measured;
        r.model_cycles = model;
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace

std::vector<CycleRecord> parse_cycle_records(const std::string& json_text,
                                             const std::string& origin) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(json_text);
    } catch (const nlohmann::json::exception& e) {  // parse_error, out_of_range (1e400)
        throw Error(fmt::format("{}: invalid JSON: {}", origin, e.what()));
    }
    if (doc.is_object() && doc.contains("cases") && doc["cases"].is_array())
        return parse_regress_report(doc, origin);
    if (!doc.is_object() || !doc.contains("format") || doc["format"] != kFormat)
        throw Error(fmt::format("{}: not a cycle record file (\"format\": \"{}\" expected)", origin,
                                kFormat));
    if (!doc.contains("records") || !doc["records"].is_array())
        throw Error(fmt::format("{}: 'records' must be an array", origin));
    std::vector<CycleRecord> out;
    int i = 0;
    for (const auto& j : doc["records"]) {
        const std::string where = fmt::format("{}#{}", origin, i++);
        if (!j.is_object()) throw Error(where + ": a record must be an object");
        CycleRecord r;
        r.origin = where;
        r.stage = get_str(j, "stage", where, true);
        r.arch = get_str(j, "arch", where, true);
        r.params_hash = get_str(j, "params_hash", where, false);
        r.role = get_str(j, "role", where, false);
        r.phase = get_str(j, "phase", where, false);
        r.tokens = get_int(j, "tokens", 1, where);
        r.d_in = get_int(j, "d_in", 0, where);
        r.d_out = get_int(j, "d_out", 0, where);
        r.d = get_int(j, "d", 0, where);
        if (!j.contains("cycles") || !j["cycles"].is_number_integer() ||
            j["cycles"].get<int64_t>() <= 0)
            throw Error(where + ": 'cycles' must be a positive integer");
        r.cycles = j["cycles"].get<int64_t>();
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<CycleRecord> load_cycle_records(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(path, ec)) return parse_cycle_records(read_text_file(path), path);
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(path, ec))
        if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<CycleRecord> out;
    for (const auto& f : files) {
        auto recs = parse_cycle_records(read_text_file(f), f);
        out.insert(out.end(), recs.begin(), recs.end());
    }
    return out;
}

Residual predict(const CycleRecord& r) {
    Residual res;
    res.record = r;
    if (r.model_cycles > 0 && r.d_in <= 0 && r.d <= 0) {  // a regress report's own model value
        res.predicted.total = r.model_cycles;
        res.residual = static_cast<double>(r.cycles - r.model_cycles) / r.model_cycles;
        return res;
    }
    const kern::ArchParams a = kern::load_arch_config(r.arch);
    if (!r.params_hash.empty()) {
        const uint64_t want = kern::params_hash(a);
        std::string hex = r.params_hash;
        if (hex.rfind("0x", 0) == 0 || hex.rfind("0X", 0) == 0) hex = hex.substr(2);
        uint64_t got = 0;
        size_t used = 0;
        try {
            got = std::stoull(hex, &used, 16);
        } catch (const std::exception&) {
            used = 0;
        }
        if (hex.empty() || used != hex.size())
            throw Error(
                fmt::format("{}: params_hash '{}' is not a hex number", r.origin, r.params_hash));
        if (got != want)
            throw Error(fmt::format("{}: stale record: params hash {} but arch '{}' hashes to "
                                    "0x{:016x}",
                                    r.origin, r.params_hash, a.name, want),
                        "regenerate the RTL and re-run the harness");
    }
    auto need = [&](int v, const char* key) {
        if (v <= 0) throw Error(fmt::format("{}: {} needs '{}'", r.origin, r.stage, key));
    };
    if (r.stage == "linear_decode") {
        need(r.d_in, "d_in");
        need(r.d_out, "d_out");
        res.predicted = linear_decode_cycles(r.d_in, r.d_out, a.decode);
    } else if (r.stage == "linear_prefill") {
        need(r.d_in, "d_in");
        need(r.d_out, "d_out");
        if (r.role == "q" || r.role == "k") {
            res.predicted = linear_prefill_cycles(r.tokens, r.d_in, r.d_out, a.prefill.tp,
                                                  a.prefill.kq_wp, a.prefill.kq_mem);
        } else if (r.role == "v" || r.role == "o") {
            res.predicted = linear_prefill_cycles(r.tokens, r.d_in, r.d_out, a.prefill.tp,
                                                  a.prefill.vo_wp, a.prefill.vo_mem);
        } else if (r.role == "gate" || r.role == "up" || r.role == "down" || r.role == "lm_head") {
            res.predicted = linear_prefill_cycles(r.tokens, r.d_in, r.d_out, a.prefill.tp,
                                                  a.prefill.ffn_wp, a.prefill.ffn_mem,
                                                  fill::kLinearPrefill, a.prefill.ffn_blocks);
        } else {
            throw Error(fmt::format("{}: linear_prefill role '{}' unknown", r.origin, r.role),
                        "one of q, k, v, o, gate, up, down, lm_head");
        }
    } else if (r.stage.rfind("quant_token", 0) == 0) {
        need(r.d, "d");
        const std::string phase = r.stage == "quant_token" ? r.phase : r.stage.substr(12);
        if (phase == "decode")
            res.predicted = quant_token_cycles(r.tokens, r.d, a.decode.lanes);
        else if (phase == "prefill")
            res.predicted = quant_token_prefill_cycles(r.tokens, r.d, a.prefill.tp);
        else
            throw Error(fmt::format("{}: quant_token phase must be prefill or decode (got '{}')",
                                    r.origin, r.phase));
    } else {
        throw Error(fmt::format("{}: no model for stage '{}'", r.origin, r.stage),
                    "stages with RTL: linear_decode, linear_prefill, quant_token");
    }
    res.residual = static_cast<double>(r.cycles - res.predicted.total) /
                   static_cast<double>(res.predicted.total);
    return res;
}

}  // namespace flexllm::perf
