// Runs an ordered list of passes with verification between them.
#ifndef QUANTC_PASSES_PASS_MANAGER_H_
#define QUANTC_PASSES_PASS_MANAGER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace quantc {

struct PassManagerOptions {
  /// Run the verifier after every pass.
  bool verify_each = true;
  /// Compare a structural fingerprint before and after each pass and fail
  /// when the pass's "changed" result is dishonest (on in tests).
  bool check_changed = false;
  /// Called after each pass (the driver prints the IR from here).
  std::function<void(const Pass& pass, const Graph& graph, bool changed)> after_pass;
};

class PassManager {
 public:
  explicit PassManager(PassManagerOptions options = {}) : options_(std::move(options)) {}
  void Add(std::unique_ptr<Pass> pass) { passes_.push_back(std::move(pass)); }
  void AddAll(std::vector<std::unique_ptr<Pass>> passes);
  /// Runs every pass once, in order. Returns whether any pass changed the
  /// graph. A failing pass or verification stops the run; the error names
  /// the pass.
  absl::StatusOr<bool> Run(Graph& graph) const;
  /// The names of the passes Run runs (and after_pass sees), in order, each
  /// once.
  std::vector<std::string> PassNames() const;
  /// Replaces the after-pass hook (e.g. once PassNames validated it).
  void set_after_pass(std::function<void(const Pass&, const Graph&, bool)> hook) {
    options_.after_pass = std::move(hook);
  }

 private:
  PassManagerOptions options_;
  std::vector<std::unique_ptr<Pass>> passes_;
};

/// A structural fingerprint of the whole graph (its canonical printed form,
/// which covers constants by content hash).
uint64_t GraphFingerprint(const Graph& graph);

/// Runs `inner` once, in order, as one pass (a named sub-pipeline).
class SequencePass : public Pass {
 public:
  SequencePass(std::string name, std::vector<std::unique_ptr<Pass>> inner)
      : name_(std::move(name)), inner_(std::move(inner)) {}
  absl::string_view name() const override { return name_; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  std::string name_;
  std::vector<std::unique_ptr<Pass>> inner_;
};

/// Repeats `inner` until no pass changes the graph, at most `max_iterations`
/// times (then FailedPrecondition: a pass set that never settles is a bug).
class FixedPointPass : public Pass {
 public:
  FixedPointPass(std::string name, std::vector<std::unique_ptr<Pass>> inner,
                 int max_iterations = 25);
  absl::string_view name() const override { return name_; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  std::string name_;
  std::vector<std::unique_ptr<Pass>> inner_;
  int max_iterations_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_PASS_MANAGER_H_
