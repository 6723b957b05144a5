// `flexllm config`: prints a resolved, validated model config (built-in name or TOML file).
#include <fmt/format.h>

#include "golden/model_config.h"
#include "tb/cli/command.h"

namespace flexllm::cli {
namespace {
Registrar reg({"config", "Validate and print a model config (NAME or FILE.toml)",
               [](CLI::App& sub) -> std::function<int()> {
                   auto model = std::make_shared<std::string>("tiny");
                   sub.add_option("--model", *model, "built-in model name or TOML file");
                   return [model] {
                       fmt::print("{}", golden::load_model_config(*model).to_toml());
                       return kExitOk;
                   };
               },
               90});
}  // namespace
}  // namespace flexllm::cli
