#include "api/convert.h"

#include "absl/strings/str_cat.h"
#include "fmt/format.h"
#include "api/print_ir.h"
#include "ir/onnx_export.h"
#include "passes/pass_manager.h"
#include "passes/pipelines.h"
#include "passes/registry.h"
#include "util/status_macros.h"

namespace quantc::api {

const cli::CommandSpec& ConvertSpec() {
  static const cli::CommandSpec* spec = new cli::CommandSpec{
      "convert",
      "import, verify, clean up and re-export a model",
      "quantc convert MODEL.onnx -o OUT.onnx [options]",
      "Imports MODEL (ONNX, ai.onnx opsets 1-17; below 7 upgraded to 7 by ONNX's version "
      "converter), verifies it, runs the canonical cleanup pipeline (remove_identity, "
      "fold_constants, remove_dead_nodes, to a fixed point) or the passes given, and writes "
      "OUT. Results are unchanged: only structure is simplified. OUT is written atomically.",
      {cli::Required("output", "FILE", "output model", "o"),
       cli::Value("passes", "a,b,c", "canonicalize",
                  "run these registered passes, in order, instead of the canonical pipeline"),
       cli::Bool("list-passes", "list the registered passes and exit"),
       cli::Bool("print-ir-after-all", "print the IR to stdout after every pass"),
       cli::Value("print-ir-after", "NAME", "", "print the IR after each run of pass NAME"),
       cli::Bool("verify-each", "also check each pass's \"changed\" report"),
       cli::Bool("help", "print this help and exit", "h")},
      ""};
  return *spec;
}

absl::StatusOr<std::string> Convert(const ModelInput& model, const cli::Args& args,
                                    const Console& console) {
  std::vector<std::unique_ptr<Pass>> passes;
  if (args.Has("passes")) {
    auto p = CreatePasses(args.Get("passes"));
    if (!p.ok()) return cli::AsUsageError(p.status());
    passes = *std::move(p);
  } else {
    passes.push_back(CanonicalizePass());
  }
  PassManagerOptions options;
  options.check_changed = args.Has("verify-each");
  PassManager pm(std::move(options));
  pm.AddAll(std::move(passes));
  QC_RETURN_IF_ERROR(AddIrPrinter(args, console, pm));
  QC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> graph, LoadModel(model));
  if (auto r = pm.Run(*graph); !r.ok()) return InModel(model, r.status());
  return ExportModelBytes(*graph);
}

std::string ListPasses() {
  std::string out;
  for (const PassInfo& p : RegisteredPasses()) out += fmt::format("{:<20} {}\n", p.name, p.summary);
  return out;
}

}  // namespace quantc::api
