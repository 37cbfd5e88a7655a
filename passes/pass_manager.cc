#include "passes/pass_manager.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ir/printer.h"
#include "ir/verifier.h"

namespace quantc {

uint64_t GraphFingerprint(const Graph& graph) {
  std::string text = PrintGraph(graph);
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

void PassManager::AddAll(std::vector<std::unique_ptr<Pass>> passes) {
  for (auto& p : passes) Add(std::move(p));
}

absl::StatusOr<bool> PassManager::Run(Graph& graph) const {
  bool any = false;
  for (const auto& pass : passes_) {
    uint64_t before = options_.check_changed ? GraphFingerprint(graph) : 0;
    absl::StatusOr<bool> changed = pass->Run(graph);
    if (!changed.ok()) {
      return absl::Status(changed.status().code(),
                          absl::StrCat("pass ", pass->name(), ": ", changed.status().message()));
    }
    if (options_.check_changed) {
      bool really = GraphFingerprint(graph) != before;
      if (really != *changed) {
        return absl::InternalError(absl::StrCat("pass ", pass->name(), " reported changed=",
                                                *changed ? "true" : "false", " but the graph ",
                                                really ? "changed" : "did not change"));
      }
    }
    if (options_.verify_each) {
      absl::Status st = VerifyGraph(graph);
      if (!st.ok()) {
        return absl::InternalError(absl::StrCat("after pass ", pass->name(), ": ", st.message()));
      }
    }
    if (options_.after_pass) options_.after_pass(*pass, graph, *changed);
    any = any || *changed;
  }
  return any;
}

std::vector<std::string> PassManager::PassNames() const {
  std::vector<std::string> names;
  for (const auto& pass : passes_) {
    std::string name(pass->name());
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

absl::StatusOr<bool> SequencePass::Run(Graph& graph) {
  bool changed = false;
  for (const auto& pass : inner_) {
    absl::StatusOr<bool> r = pass->Run(graph);
    if (!r.ok()) {
      return absl::Status(r.status().code(), absl::StrCat(pass->name(), ": ", r.status().message()));
    }
    changed = changed || *r;
  }
  return changed;
}

FixedPointPass::FixedPointPass(std::string name, std::vector<std::unique_ptr<Pass>> inner,
                               int max_iterations)
    : name_(std::move(name)), inner_(std::move(inner)), max_iterations_(max_iterations) {}

absl::StatusOr<bool> FixedPointPass::Run(Graph& graph) {
  bool any = false;
  for (int i = 0; i < max_iterations_; ++i) {
    bool changed = false;
    for (const auto& pass : inner_) {
      absl::StatusOr<bool> r = pass->Run(graph);
      if (!r.ok()) {
        return absl::Status(r.status().code(),
                            absl::StrCat(pass->name(), ": ", r.status().message()));
      }
      changed = changed || *r;
    }
    if (!changed) return any;
    any = true;
  }
  return absl::FailedPreconditionError(
      absl::StrCat(name_, " did not reach a fixed point in ", max_iterations_, " iterations"));
}

}  // namespace quantc
