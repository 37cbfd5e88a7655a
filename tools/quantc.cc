// The quantc driver: dispatches to a subcommand. All logic lives in the
// libraries; this file only parses the command word.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/cli.h"
#include "tools/cmd_run.h"
#include "tools/commands.h"

namespace {

constexpr char kHelp[] = R"(usage: quantc COMMAND [options]

quantc quantizes ONNX models for microcontrollers.

commands:
  inspect   print a model's IR and a summary (ops, parameters, MACs, memory)
  convert   import, verify, clean up and re-export a model
  quantize  post-training quantization (int8 ONNX QDQ, or TI NPU integers)
  run       run a model with quantc's reference interpreter on .npy inputs
  compile   compile a quantized model to C for microcontrollers

Run 'quantc COMMAND --help' for a command's options.
exit codes: 0 ok, 1 internal error, 2 usage, 3 invalid input, 4 unsupported
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kHelp, stderr);
    return quantc::cli::kUsage;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kHelp, stdout);
    return quantc::cli::kOk;
  }
  if (command == "inspect") return quantc::InspectCommand(args);
  if (command == "convert") return quantc::ConvertCommand(args);
  if (command == "quantize") return quantc::QuantizeCommand(args);
  if (command == "run") return quantc::RunCommand(args);
  if (command == "compile") return quantc::CompileCommand(args);
  std::fprintf(stderr, "quantc: error: unknown command '%s'\n%s", command.c_str(), kHelp);
  return quantc::cli::kUsage;
}
