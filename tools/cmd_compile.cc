// `quantc compile MODEL.onnx -o DIR` (api/compile.h): writes the C folder
// atomically, the report first (if it cannot be written, the folder is left
// alone).
#include <cstdio>

#include "api/compile.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "util/dir.h"
#include "util/file.h"

namespace quantc {

int CompileCommand(const std::vector<std::string>& argv) {
  const cli::CommandSpec& spec = api::CompileSpec();
  cli::Args args;
  if (auto done = cli::ParseCommand(spec, argv, &args)) return *done;
  if (args.positional.size() != 1) return cli::UsageError(spec.name, "expected one MODEL.onnx");
  if (!args.Has("output")) return cli::UsageError(spec.name, "missing -o DIR");
  auto r = api::Compile({args.positional[0]}, args, args.Get("output"));
  if (!r.ok()) return cli::Fail(spec.name, r.status());
  if (args.Has("report")) {
    if (absl::Status st = WriteFileAtomically(args.Get("report"), r->report); !st.ok()) {
      return cli::ReportError(st);
    }
  }
  if (absl::Status st = WriteDirectoryAtomically(args.Get("output"), r->files); !st.ok()) {
    return cli::ReportError(st);
  }
  std::fputs(r->summary.c_str(), stdout);
  return cli::kOk;
}

}  // namespace quantc
