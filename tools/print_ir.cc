#include "tools/print_ir.h"

#include <cstdio>
#include <string>

#include "ir/printer.h"

namespace quantc {

std::function<void(const Pass&, const Graph&, bool)> IrPrinter(const cli::Args& args) {
  bool all = args.Has("print-ir-after-all");
  std::string after = args.Get("print-ir-after");
  if (!all && after.empty()) return {};
  return [all, after](const Pass& pass, const Graph& g, bool changed) {
    if (!all && pass.name() != after) return;
    std::printf("// -----// IR after %s (%s) //----- //\n%s", std::string(pass.name()).c_str(),
                changed ? "changed" : "unchanged", PrintGraph(g).c_str());
  };
}

}  // namespace quantc
