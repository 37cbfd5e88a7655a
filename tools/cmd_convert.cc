// `quantc convert MODEL.onnx -o OUT.onnx [--passes=a,b,c]`: import, verify,
// run the canonical pipeline (or the named passes), export.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "ir/onnx_export.h"
#include "ir/onnx_import.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/pass_manager.h"
#include "passes/pipelines.h"
#include "passes/registry.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/print_ir.h"

namespace quantc {
namespace {

constexpr char kHelp[] = R"(usage: quantc convert MODEL.onnx -o OUT.onnx [options]

Imports MODEL (ONNX, ai.onnx opsets 1-17; below 7 upgraded to 7), verifies it, runs the canonical
cleanup pipeline (remove_identity, fold_constants, remove_dead_nodes, to a
fixed point) or the passes given, and writes OUT. Results are unchanged:
only structure is simplified. OUT is written atomically.

  -o, --output=FILE          output model (required)
  --passes=a,b,c             run these passes instead of the canonical ones
  --list-passes              list the registered passes and exit
  --print-ir-after-all       print the IR to stdout after every pass
  --print-ir-after=NAME      print the IR after each run of pass NAME
  --verify-each              also check each pass's "changed" report
)";

void ListPasses() {
  for (const PassInfo& p : RegisteredPasses()) std::printf("%-20s %s\n", p.name, p.summary);
}

}  // namespace

int ConvertCommand(const std::vector<std::string>& argv) {
  auto args = cli::ParseArgs(argv, {{"output", "o", true},
                                    {"passes", "", true},
                                    {"list-passes", "", false},
                                    {"print-ir-after-all", "", false},
                                    {"print-ir-after", "", true},
                                    {"verify-each", "", false},
                                    {"help", "h", false}});
  if (!args.ok()) return cli::UsageError("convert", std::string(args.status().message()));
  if (args->Has("help")) {
    std::fputs(kHelp, stdout);
    return cli::kOk;
  }
  if (args->Has("list-passes")) {
    ListPasses();
    return cli::kOk;
  }
  if (args->positional.size() != 1) return cli::UsageError("convert", "expected one MODEL.onnx");
  if (!args->Has("output")) return cli::UsageError("convert", "missing -o OUT.onnx");
  std::vector<std::unique_ptr<Pass>> passes;
  if (args->Has("passes")) {
    auto p = CreatePasses(args->Get("passes"));
    if (!p.ok()) return cli::UsageError("convert", std::string(p.status().message()));
    passes = *std::move(p);
  } else {
    passes.push_back(CanonicalizePass());
  }
  const std::string& path = args->positional[0];
  auto graph = ImportModelFile(path);
  if (!graph.ok()) return cli::ReportError(graph.status());
  if (absl::Status st = VerifyGraph(**graph); !st.ok()) {
    return cli::ReportError(absl::Status(st.code(), absl::StrCat(path, ": ", st.message())));
  }
  PassManagerOptions options;
  options.check_changed = args->Has("verify-each");
  options.after_pass = IrPrinter(*args);
  PassManager pm(std::move(options));
  pm.AddAll(std::move(passes));
  if (auto r = pm.Run(**graph); !r.ok()) {
    return cli::ReportError(absl::Status(r.status().code(), absl::StrCat(path, ": ", r.status().message())));
  }
  if (absl::Status st = ExportModelFile(**graph, args->Get("output")); !st.ok()) {
    return cli::ReportError(st);
  }
  return cli::kOk;
}

}  // namespace quantc
