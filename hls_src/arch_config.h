// Parses architecture configs (hls_src/arch/*.toml, embedded in the binary) into ArchParams,
// validates them, and hashes them (generated RTL carries the hash; the harness refuses stale RTL).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hls_src/params.h"

namespace flexllm::kern {

ArchParams parse_arch_config(const std::string& toml_text, const std::string& origin);
// NAME of a built-in (hls_src/arch/NAME.toml) or a TOML path; throws flexllm::Error.
ArchParams load_arch_config(const std::string& name_or_path);
// Makes the config of a TOML path loadable by its `name` for the rest of the process (case ids and
// module names carry the name, not the path) and returns the name; a built-in name is returned as
// is. A file named like a built-in or an earlier file but with other parameters is an Error.
std::string register_arch_config(const std::string& name_or_path);
std::vector<std::string> builtin_arch_names();
// Canonical TOML text of the params (round-trips through parse_arch_config).
std::string to_toml(const ArchParams& p);
// FNV-1a 64 of to_toml(p): the params hash carried by generated RTL and manifests.
uint64_t params_hash(const ArchParams& p);
// Rules that hold for any model (positive sizes, blocks dividing WP, ...); throws flexllm::Error.
void validate(const ArchParams& p);

}  // namespace flexllm::kern
