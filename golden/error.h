// The one error type of host code: a one-line reason plus an optional hint. Only main() turns it
// into a message and exit code 2 (bad usage or bad input).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace flexllm {

class Error : public std::runtime_error {
  public:
    explicit Error(std::string what, std::string hint = {})
        : std::runtime_error(std::move(what)), hint_(std::move(hint)) {}
    const std::string& hint() const { return hint_; }

  private:
    std::string hint_;
};

}  // namespace flexllm
