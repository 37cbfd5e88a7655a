// `quantc eval MODEL.onnx --data=X.npy --labels=Y.npy` (api/eval.h): prints
// the metric line on stdout.
#include <cstdio>

#include "api/eval.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/stdio_console.h"

namespace quantc {

int EvalCommand(const std::vector<std::string>& argv) {
  const cli::CommandSpec& spec = api::EvalSpec();
  cli::Args args;
  if (auto done = cli::ParseCommand(spec, argv, &args)) return *done;
  if (args.positional.size() != 1) return cli::UsageError(spec.name, "expected one MODEL.onnx");
  if (!args.Has("data") || !args.Has("labels")) {
    return cli::UsageError(spec.name, "--data=X.npy and --labels=Y.npy are required");
  }
  ArrayInput data, labels;
  data.path = args.Get("data");
  labels.path = args.Get("labels");
  auto r = api::Eval({args.positional[0]}, data, labels, args,
                     StdioConsole(/*verbose=*/false, !args.Has("quiet")));
  if (!r.ok()) return cli::Fail(spec.name, r.status());
  std::printf("%s\n", r->Describe().c_str());
  return cli::kOk;
}

}  // namespace quantc
