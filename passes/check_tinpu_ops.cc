// check_tinpu_ops: the TINPU op check. Before any data is read, it runs the
// rest of the TINPU pipeline on a copy of the graph with nominal observer
// ranges instead of calibration, so the very code that will lower the
// model says which nodes it cannot lower, all at once:
//
//   quantc: error: ...: 3 nodes have no TINPU integer form:
//     node 'se1/HardSigmoid' (HardSigmoid): has no TINPU integer form
//     ...
//   keep them in float, on the CPU (their inputs are dequantized and their
//   outputs quantized again): --float-ops=HardSigmoid
//
// The suggested --float-ops value is the user's list plus, per op type, the
// op type when every node of that type failed, else the node names. It is
// verified before it is printed: the check runs again with it, and nodes
// a float fallback cannot fix (or new ones it exposes, up to a few rounds)
// are listed as such instead of a suggestion that would not work. Scale
// problems are not this check's business: legalization repairs them, and
// with nominal ranges it repairs whatever it would on real data.
// Cost: one back-half run without data (two or more when it fails).
#include "passes/check_tinpu_ops.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "passes/insert_observers.h"
#include "passes/pass_manager.h"

namespace quantc {
namespace {

// Every observer measured [-1, 1]: enough for insert_qdq and legalization
// to produce the model structure lowering works on.
void SetNominalRanges(Graph& g) {
  for (Node* n : g.nodes()) {
    if (!IsObserver(*n) || n->GetInt("inherit", 0)) continue;
    n->SetAttr(Attribute::Floats("minmax", {-1.f, 1.f}));
    n->SetAttr(Attribute::Floats("range", {-1.f, 1.f}));
  }
}

class Checker {
 public:
  Checker(const Graph& g, const CheckTinpuOpsOptions& o) : g_(g), o_(o) {}

  // The nodes lowering rejects with `float_ops` kept in float.
  std::vector<LoweringProblem> Trial(const std::vector<std::string>& float_ops) {
    std::unique_ptr<Graph> copy = g_.Clone();
    PassManager prepare;
    prepare.AddAll(o_.prepare(float_ops));
    if (!prepare.Run(*copy).ok()) return std::vector<LoweringProblem>{};
    ops_in_copy_.clear();
    for (const Node* n : copy->nodes()) ops_in_copy_[n->op_type()]++;
    SetNominalRanges(*copy);
    std::vector<LoweringProblem> problems;
    PassManager lower;
    lower.AddAll(o_.lower(&problems));
    // Any other failure is left for the real run to report with its data.
    (void)lower.Run(*copy);
    return problems;
  }

  // `float_ops` plus what keeps `problems`' nodes in float.
  std::vector<std::string> Extend(std::vector<std::string> float_ops,
                                  const std::vector<LoweringProblem>& problems) const {
    std::map<std::string, std::vector<std::string>> by_op;
    for (const LoweringProblem& p : problems) by_op[p.op_type].push_back(p.label);
    for (auto& [op, nodes] : by_op) {
      std::set<std::string> unique(nodes.begin(), nodes.end());
      auto count = ops_in_copy_.find(op);
      const bool whole_type = count != ops_in_copy_.end() &&
                              static_cast<size_t>(count->second) == unique.size();
      std::vector<std::string> add = {op};
      if (!whole_type) {
        // Name the nodes (unnamed ones cannot be named: then no advice).
        add.clear();
        for (const LoweringProblem& p : problems) {
          if (p.op_type == op && !p.node.empty()) add.push_back(p.node);
        }
      }
      for (const std::string& a : add) {
        if (std::find(float_ops.begin(), float_ops.end(), a) == float_ops.end()) {
          float_ops.push_back(a);
        }
      }
    }
    return float_ops;
  }

 private:
  const Graph& g_;
  const CheckTinpuOpsOptions& o_;
  std::map<std::string, int> ops_in_copy_;  // op type -> nodes before lowering, last trial
};

std::string Lines(const std::vector<LoweringProblem>& problems) {
  std::vector<std::string> lines;
  std::set<std::string> seen;
  for (const LoweringProblem& p : problems) {
    std::string line = absl::StrCat("  ", p.label, ": ", p.why);
    if (seen.insert(line).second) lines.push_back(line);
  }
  return absl::StrJoin(lines, "\n");
}

size_t CountNodes(const std::vector<LoweringProblem>& problems) {
  std::set<std::string> nodes;
  for (const LoweringProblem& p : problems) nodes.insert(p.label);
  return nodes.size();
}

}  // namespace

absl::StatusOr<bool> CheckTinpuOpsPass::Run(Graph& graph) {
  if (!options_.prepare || !options_.lower) {
    return absl::FailedPreconditionError("check_tinpu_ops needs the pipeline to try");
  }
  Checker checker(graph, options_);
  const std::vector<LoweringProblem> first = checker.Trial(options_.float_ops);
  if (first.empty()) return false;
  // Follow our own advice until it works or stops helping.
  std::vector<std::string> fix = options_.float_ops;
  std::vector<LoweringProblem> left = first;
  for (int round = 0; round < 4 && !left.empty(); ++round) {
    std::vector<std::string> next = checker.Extend(fix, left);
    if (next == fix) break;  // nothing new to keep in float
    fix = std::move(next);
    left = checker.Trial(fix);
  }
  std::string message = absl::StrCat(CountNodes(first), " node(s) have no TINPU integer form:\n",
                                     Lines(first));
  if (left.empty()) {
    absl::StrAppend(&message,
                    "\nkeep them in float, on the CPU (their inputs are dequantized and their "
                    "outputs quantized again): --float-ops=",
                    absl::StrJoin(fix, ","));
  } else {
    absl::StrAppend(&message, "\nno --float-ops setting fixes these:\n", Lines(left));
  }
  return absl::UnimplementedError(message);
}

}  // namespace quantc
