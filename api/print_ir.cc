#include "api/print_ir.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/printer.h"

namespace quantc::api {

absl::Status CheckPrintIrAfter(const cli::Args& args, const std::vector<std::string>& names) {
  const std::string after = args.Get("print-ir-after");
  if (args.Has("print-ir-after") && std::find(names.begin(), names.end(), after) == names.end()) {
    return cli::AsUsageError(absl::InvalidArgumentError(
        absl::StrCat("--print-ir-after=", after, " names no pass this command runs; it runs: ",
                     absl::StrJoin(names, ", "))));
  }
  return absl::OkStatus();
}

absl::Status AddIrPrinter(const cli::Args& args, const Console& console, PassManager& pm,
                          std::function<void(const Pass&, const Graph&, bool)> existing,
                          const std::vector<std::string>& valid_names) {
  const bool all = args.Has("print-ir-after-all");
  const std::string after = args.Get("print-ir-after");
  if (absl::Status st = CheckPrintIrAfter(args, valid_names.empty() ? pm.PassNames() : valid_names);
      !st.ok()) {
    return st;
  }
  const bool print = all || !after.empty();
  auto out = console.out;
  pm.set_after_pass([=](const Pass& pass, const Graph& g, bool changed) {
    if (existing) existing(pass, g, changed);
    if (!print || !out || (!all && pass.name() != after)) return;
    out(absl::StrCat("// -----// IR after ", pass.name(), " (", changed ? "changed" : "unchanged",
                     ") //----- //\n", PrintGraph(g)));
  });
  return absl::OkStatus();
}

}  // namespace quantc::api
