// `quantc convert MODEL.onnx -o OUT.onnx [--passes=a,b,c]` (api/convert.h).
#include <cstdio>

#include "api/convert.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/stdio_console.h"
#include "util/file.h"

namespace quantc {

int ConvertCommand(const std::vector<std::string>& argv) {
  const cli::CommandSpec& spec = api::ConvertSpec();
  cli::Args args;
  if (auto done = cli::ParseCommand(spec, argv, &args)) return *done;
  if (args.Has("list-passes")) {
    std::fputs(api::ListPasses().c_str(), stdout);
    return cli::kOk;
  }
  if (args.positional.size() != 1) return cli::UsageError(spec.name, "expected one MODEL.onnx");
  if (!args.Has("output")) return cli::UsageError(spec.name, "missing -o OUT.onnx");
  auto bytes = api::Convert({args.positional[0]}, args, StdioConsole(false, false));
  if (!bytes.ok()) return cli::Fail(spec.name, bytes.status());
  if (absl::Status st = WriteFileAtomically(args.Get("output"), *bytes); !st.ok()) {
    return cli::ReportError(st);
  }
  return cli::kOk;
}

}  // namespace quantc
