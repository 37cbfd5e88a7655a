// The quantc driver: dispatches to a subcommand. All logic lives in the
// libraries; this file only knows the command table.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/compile.h"
#include "api/convert.h"
#include "api/eval.h"
#include "api/inspect.h"
#include "api/quantize.h"
#include "api/run.h"
#include "api/train.h"
#include "api/version.h"
#include "fmt/format.h"
#include "ir/onnx_import.h"
#include "tools/cli.h"
#include "tools/commands.h"

namespace {

using quantc::cli::CommandSpec;

struct Command {
  const CommandSpec& (*spec)();
  int (*run)(const std::vector<std::string>&);
};

// One row per subcommand, in the order `quantc --help` lists them.
const std::vector<Command>& Commands() {
  static const auto* commands = new std::vector<Command>{
      {quantc::api::InspectSpec, quantc::InspectCommand},
      {quantc::api::ConvertSpec, quantc::ConvertCommand},
      {quantc::api::QuantizeSpec, quantc::QuantizeCommand},
      {quantc::api::RunSpec, quantc::RunCommand},
      {quantc::api::CompileSpec, quantc::CompileCommand},
      {quantc::api::EvalSpec, quantc::EvalCommand},
      {quantc::api::TrainSpec, quantc::TrainCommand},
  };
  return *commands;
}

const Command* Find(const std::string& name) {
  for (const Command& c : Commands()) {
    if (c.spec().name == name) return &c;
  }
  return nullptr;
}

std::string MainHelp() {
  std::string out =
      "usage: quantc COMMAND [options]\n"
      "       quantc help COMMAND | quantc COMMAND --help\n"
      "       quantc --version\n\n"
      "quantc quantizes ONNX models for microcontrollers.\n\ncommands:\n";
  for (const Command& c : Commands()) {
    absl::StrAppend(&out, fmt::format("  {:<9} {}\n", c.spec().name, c.spec().summary));
  }
  absl::StrAppend(&out,
                  "\nRun 'quantc help COMMAND' for a command's options and their defaults.\n"
                  "exit codes: 0 ok, 1 internal error, 2 usage, 3 invalid input, 4 unsupported\n");
  return out;
}

int UnknownCommand(const std::string& name) {
  std::fprintf(stderr, "quantc: error: unknown command '%s'\n%s", name.c_str(), MainHelp().c_str());
  return quantc::cli::kUsage;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(MainHelp().c_str(), stderr);
    return quantc::cli::kUsage;
  }
  const std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "--version" || command == "version") {
    std::printf("quantc %s\nONNX %s (ai.onnx opsets 1 to %lld; below %lld upgraded to %lld)\n",
                quantc::kQuantcVersion, quantc::OnnxLibraryVersion(),
                static_cast<long long>(quantc::kMaxOpset),
                static_cast<long long>(quantc::kMinOpset),
                static_cast<long long>(quantc::kMinOpset));
    return quantc::cli::kOk;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    if (command == "help" && !args.empty()) {
      const Command* c = Find(args[0]);
      if (!c) return UnknownCommand(args[0]);
      std::fputs(quantc::cli::FormatHelp(c->spec()).c_str(), stdout);
      return quantc::cli::kOk;
    }
    std::fputs(MainHelp().c_str(), stdout);
    return quantc::cli::kOk;
  }
  const Command* c = Find(command);
  return c ? c->run(args) : UnknownCommand(command);
}
