// The quantc driver: dispatches to a subcommand. All logic lives in the
// libraries; this file only knows the command table.
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/compile.h"
#include "api/convert.h"
#include "api/eval.h"
#include "api/inspect.h"
#include "api/quantize.h"
#include "api/run.h"
#include "api/session.h"
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
                  "exit codes: 0 ok, 1 internal error, 2 usage, 3 invalid input, 4 unsupported\n"
                  "environment: QUANTC_MAX_TENSOR_BYTES  largest tensor quantc creates from "
                  "input\n             (default 1073741824, 1 GiB); larger ones are refused as "
                  "invalid\n");
  return out;
}

int UnknownCommand(const std::string& name) {
  std::fprintf(stderr, "quantc: error: unknown command '%s'\n%s", name.c_str(), MainHelp().c_str());
  return quantc::cli::kUsage;
}

int Dispatch(int argc, char** argv) {
  if (absl::Status st = quantc::api::ApplyTensorCapFromEnvironment(); !st.ok()) {
    std::fprintf(stderr, "quantc: error: %s\n", std::string(st.message()).c_str());
    return quantc::cli::kUsage;
  }
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

// The model file a failing command was given (its first non-flag
// argument), for the last-resort messages below.
std::string ModelArg(int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    if (argv[i][0] != '-') return argv[i];
  }
  return "(no model)";
}

}  // namespace

// Errors cross every API as absl::Status, and the kernels and the importer
// check every size from input before allocating. These handlers are the
// net under that: memory that still runs out (many tensors, each within
// the cap) or an exception from a library must end in a clean error and an
// exit code, never in std::terminate.
int main(int argc, char** argv) {
  try {
    return Dispatch(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "quantc: error: %s: out of memory (the model needs more memory than "
                 "is available)\n", ModelArg(argc, argv).c_str());
    return quantc::cli::kUnsupported;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quantc: error: %s: internal error: %s\n", ModelArg(argc, argv).c_str(),
                 e.what());
    return quantc::cli::kInternal;
  }
}
