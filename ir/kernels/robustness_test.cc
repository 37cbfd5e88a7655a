// Every kernel, fed malformed or unusual inputs, must return a Status (or
// a result) and never crash: the constant folder evaluates arbitrary nodes
// of untrusted models through EvaluateNode.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ir/interpreter.h"
#include "ir/kernels/testing/node_runner.h"

namespace quantc {
namespace testing {
namespace {

std::vector<Tensor> OddTensors() {
  return {
      F32({}, {1.5f}),
      F32({0}, {}),
      F32({2, 3}, {1, 2, 3, 4, 5, 6}),
      F32({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
      I64({2}, {-1, 3}),
      I64({1}, {int64_t{1} << 40}),
      U8({1}, {7}),
      I32({2, 0}, {}),
      F32({1, 1, 0, 3}, {}),
      I64({1, 2, 2}, {1, 2, 3, 4}),
      Tensor::FromVector<bool>({2}, {true, false}),
      Tensor::Strings({1}, {"x"}),
      Tensor(),
  };
}

TEST(Robustness, NoKernelCrashesOnOddInputs) {
  const std::vector<Tensor> odd = OddTensors();
  int evaluated = 0;
  for (const std::string& op : SupportedOps()) {
    for (int n_in = 0; n_in <= 3; ++n_in) {
      // Every input takes the same odd tensor, plus a mixed assignment.
      for (size_t pick = 0; pick <= odd.size(); ++pick) {
        std::vector<std::optional<Tensor>> ins;
        for (int i = 0; i < n_in; ++i) {
          ins.push_back(pick < odd.size() ? odd[pick] : odd[(i * 3 + 2) % odd.size()]);
        }
        for (int64_t opset : {7, 11, 13, 17}) {
          NodeRunner node(op, n_in, 2);
          // Window ops need a kernel; SAME padding allows empty outputs.
          node.Attr(Attribute::Ints("kernel_shape", {1, 1}))
              .Attr(Attribute::String("auto_pad", "SAME_UPPER"))
              .Attr(Attribute::Ints("axes", {-1}));
          auto r = node.Run(ins, opset);
          if (r.ok()) {
            EXPECT_EQ(r->size(), 2u) << op;
          } else {
            EXPECT_NE(r.status().code(), absl::StatusCode::kInternal) << op << ": " << r.status();
          }
          ++evaluated;
          // And once without attributes.
          NodeRunner bare(op, n_in, 2);
          auto r2 = bare.Run(ins, opset);
          if (!r2.ok()) {
            EXPECT_NE(r2.status().code(), absl::StatusCode::kInternal) << op;
          }
        }
      }
    }
  }
  EXPECT_GT(evaluated, 1000);
}

}  // namespace
}  // namespace testing
}  // namespace quantc
