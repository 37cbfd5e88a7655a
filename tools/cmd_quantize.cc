// `quantc quantize MODEL.onnx -o OUT.onnx --calib=DATA` (api/quantize.h):
// writes the model, then the report, each atomically; nothing on failure.
#include "api/quantize.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/stdio_console.h"
#include "util/file.h"

namespace quantc {

int QuantizeCommand(const std::vector<std::string>& argv) {
  const cli::CommandSpec& spec = api::QuantizeSpec();
  cli::Args args;
  if (auto done = cli::ParseCommand(spec, argv, &args)) return *done;
  if (args.positional.size() != 1) return cli::UsageError(spec.name, "expected one MODEL.onnx");
  if (!args.Has("output")) return cli::UsageError(spec.name, "missing -o OUT.onnx");
  api::CalibInput calib;
  calib.spec = args.Get("calib");
  auto out = api::Quantize({args.positional[0]}, calib, args,
                           StdioConsole(args.Has("verbose"), !args.Has("quiet")));
  if (!out.ok()) return cli::Fail(spec.name, out.status());
  if (auto st = WriteFileAtomically(args.Get("output"), out->model); !st.ok()) {
    return cli::ReportError(st);
  }
  if (args.Has("report")) {
    if (auto st = WriteFileAtomically(args.Get("report"), out->report_file); !st.ok()) {
      return cli::ReportError(st);
    }
  }
  return cli::kOk;
}

}  // namespace quantc
