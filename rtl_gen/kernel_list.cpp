// Parsing and lookup of the embedded kernel list.
#include "rtl_gen/kernel_list.h"

#include <fmt/format.h>

#include <set>
#include <sstream>

#include "golden/error.h"

namespace flexllm::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& kernel_list();
}

namespace flexllm::rtlgen {

std::string join(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& x : names) s += (s.empty() ? "" : ", ") + x;
    return s;
}

std::vector<VariantInfo> parse_kernel_list(const std::string& text, const std::string& origin) {
    std::vector<VariantInfo> out;
    std::set<std::string> names, faults, kernels;
    std::istringstream in(text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        VariantInfo v;
        if (!(words >> v.kernel >> v.variant))
            throw Error(fmt::format("{}:{}: expected '<kernel> <variant> [faults...]'", origin, n));
        if (v.variant.rfind(v.kernel, 0) != 0)
            throw Error(fmt::format("{}:{}: variant {} does not start with its kernel's name {}",
                                    origin, n, v.variant, v.kernel));
        if (kernels.count(v.kernel) && out.back().kernel != v.kernel)
            throw Error(fmt::format("{}:{}: the variants of kernel {} must be on adjacent lines",
                                    origin, n, v.kernel));
        kernels.insert(v.kernel);
        if (!names.insert(v.variant).second)
            throw Error(fmt::format("{}:{}: variant {} listed twice", origin, n, v.variant));
        for (std::string f; words >> f;) {
            if (!faults.insert(f).second)
                throw Error(fmt::format("{}:{}: fault kind {} listed twice", origin, n, f));
            v.faults.push_back(f);
        }
        out.push_back(std::move(v));
    }
    return out;
}

const std::vector<VariantInfo>& variants() {
    static const std::vector<VariantInfo> v = [] {
        const auto& files = embedded::kernel_list();
        return parse_kernel_list(std::string(files.at(0).second), "rtl_gen/kernels.txt");
    }();
    return v;
}

std::vector<std::string> kernel_names() {
    std::vector<std::string> k;
    for (const auto& v : variants())
        if (k.empty() || k.back() != v.kernel) k.push_back(v.kernel);
    return k;
}

const VariantInfo& find_variant(const std::string& variant) {
    std::vector<std::string> all;
    for (const auto& v : variants()) {
        if (v.variant == variant) return v;
        all.push_back(v.variant);
    }
    throw Error(fmt::format("unknown kernel variant '{}'", variant), join(all));
}

std::vector<std::string> fault_kinds() {
    std::vector<std::string> f;
    for (const auto& v : variants()) f.insert(f.end(), v.faults.begin(), v.faults.end());
    return f;
}

const VariantInfo& fault_variant(const std::string& fault) {
    for (const auto& v : variants())
        for (const auto& f : v.faults)
            if (f == fault) return v;
    throw Error(fmt::format("unknown fault kind '{}'", fault), "one of " + join(fault_kinds()));
}

}  // namespace flexllm::rtlgen
