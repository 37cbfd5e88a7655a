// `quantc inspect MODEL.onnx [--format=text|json]` (api/inspect.h).
#include <cstdio>

#include "api/inspect.h"
#include "tools/cli.h"
#include "tools/commands.h"

namespace quantc {

int InspectCommand(const std::vector<std::string>& argv) {
  const cli::CommandSpec& spec = api::InspectSpec();
  cli::Args args;
  if (auto done = cli::ParseCommand(spec, argv, &args)) return *done;
  if (args.positional.size() != 1) return cli::UsageError(spec.name, "expected one MODEL.onnx");
  auto out = api::Inspect({args.positional[0]}, args);
  if (!out.ok()) return cli::Fail(spec.name, out.status());
  std::fwrite(out->data(), 1, out->size(), stdout);
  return cli::kOk;
}

}  // namespace quantc
