// Typed, checked access to the fields of a JSON document read from a user's file (RTL manifests):
// every missing key, wrong type, out-of-range value or unknown key is an Error naming the file and
// the key's path (e.g. "streams.s_axis_x.elem_width").
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

#include "golden/error.h"
#include "rtl_gen/generator.h"

namespace flexllm::tb {

class JsonFields {
  public:
    // `what` names the document in errors ("manifest x.json").
    explicit JsonFields(std::string what) : what_(std::move(what)) {}

    nlohmann::json parse(const std::string& text) const {
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(text);
        } catch (const nlohmann::json::exception& e) {
            fail("", fmt::format("is not valid JSON: {}", e.what()));
        }
        if (!j.is_object()) fail("", "is not a JSON object");
        return j;
    }

    [[noreturn]] void fail(const std::string& path, const std::string& why) const {
        throw Error(fmt::format("{}{}{} {}", what_, path.empty() ? "" : ": ", path, why));
    }

    const nlohmann::json& at(const nlohmann::json& o, const std::string& key,
                             const std::string& path) const {
        const auto it = o.find(key);
        if (it == o.end()) fail(path, "is missing");
        return *it;
    }
    std::string str(const nlohmann::json& o, const std::string& key,
                    const std::string& path) const {
        const auto& v = at(o, key, path);
        if (!v.is_string()) fail(path, "must be a string");
        return v.get<std::string>();
    }
    bool boolean(const nlohmann::json& o, const std::string& key, const std::string& path) const {
        const auto& v = at(o, key, path);
        if (!v.is_boolean()) fail(path, "must be true or false");
        return v.get<bool>();
    }
    int integer(const nlohmann::json& o, const std::string& key, int lo, int hi,
                const std::string& path) const {
        const auto& v = at(o, key, path);
        if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
            fail(path, fmt::format("must be an integer in {}..{}", lo, hi));
        return v.get<int>();
    }
    const nlohmann::json& object(const nlohmann::json& o, const std::string& key,
                                 const std::string& path) const {
        const auto& v = at(o, key, path);
        if (!v.is_object()) fail(path, "must be an object");
        return v;
    }
    const nlohmann::json& array(const nlohmann::json& o, const std::string& key,
                                const std::string& path) const {
        const auto& v = at(o, key, path);
        if (!v.is_array()) fail(path, "must be an array");
        return v;
    }
    // A SystemVerilog / C++ identifier (it goes into generated code).
    std::string identifier(const nlohmann::json& o, const std::string& key,
                           const std::string& path) const {
        const std::string s = str(o, key, path);
        if (!rtlgen::is_identifier(s)) fail(path, fmt::format("'{}' is not an identifier", s));
        return s;
    }
    // Every key of `o` is one of `allowed`.
    void only(const nlohmann::json& o, std::initializer_list<const char*> allowed,
              const std::string& path) const {
        for (auto it = o.begin(); it != o.end(); ++it) {
            bool known = false;
            for (const char* a : allowed) known = known || it.key() == a;
            if (!known) fail(path.empty() ? it.key() : path + "." + it.key(), "is not a known key");
        }
    }

  private:
    std::string what_;
};

}  // namespace flexllm::tb
