#include "ir/kernels/testing/node_runner.h"

#include "absl/strings/str_cat.h"
#include "ir/interpreter.h"

namespace quantc {
namespace testing {

NodeRunner::NodeRunner(absl::string_view op, int num_inputs, int num_outputs) {
  std::vector<Value*> ins;
  for (int i = 0; i < num_inputs; ++i) {
    ins.push_back(graph_.AddInput(absl::StrCat("in", i), TensorType()));
  }
  std::vector<std::string> outs;
  for (int i = 0; i < num_outputs; ++i) outs.push_back(absl::StrCat("out", i));
  node_ = graph_.AddNode(op, ins, outs, nullptr, "n");
}

NodeRunner& NodeRunner::Attr(Attribute a) {
  node_->SetAttr(std::move(a));
  return *this;
}

absl::StatusOr<std::vector<Tensor>> NodeRunner::Run(
    const std::vector<std::optional<Tensor>>& inputs, int64_t opset) {
  std::vector<const Tensor*> ptrs;
  for (const auto& t : inputs) ptrs.push_back(t ? &*t : nullptr);
  return EvaluateNode(*node_, ptrs, opset);
}

absl::StatusOr<Tensor> NodeRunner::Run1(const std::vector<std::optional<Tensor>>& inputs,
                                        int64_t opset) {
  auto r = Run(inputs, opset);
  if (!r.ok()) return r.status();
  return (*r)[0];
}

std::vector<float> RandomFloats(int64_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 12345u;
  for (int64_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    v[i] = static_cast<float>(s >> 8) / 8388608.0f - 1.0f;
  }
  return v;
}

}  // namespace testing
}  // namespace quantc
