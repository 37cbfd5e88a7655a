// Shows how another toolchain embeds quantc: it links the libraries, builds
// its own pipeline from registered passes plus a pass of its own, runs it
// with verification, and serializes the result. Only public headers are
// used.
#include "gtest/gtest.h"
#include "ir/onnx_export.h"
#include "ir/onnx_import.h"
#include "ir/printer.h"
#include "passes/pass_manager.h"
#include "passes/registry.h"

namespace {

// An embedder's own pass: its runtime has no Relu, so Relu(x) becomes
// Max(x, 0). Like quantc's passes it only redirects uses; the registered
// remove_dead_nodes deletes the old node.
class ReluToMaxPass : public quantc::Pass {
 public:
  absl::string_view name() const override { return "vendor_relu_to_max"; }
  absl::StatusOr<bool> Run(quantc::Graph& graph) override {
    bool changed = false;
    for (quantc::Node* n : graph.nodes().ToVector()) {
      bool live = !n->output(0)->uses().empty() || graph.IsGraphOutput(n->output(0));
      if (n->op_type() != "Relu" || !live) continue;
      quantc::Value* zero = graph.AddInitializer("zero", quantc::Tensor::Scalar<float>(0));
      quantc::Node* max = graph.AddNode("Max", {n->input(0), zero}, {"max"}, n);
      max->output(0)->set_type(n->output(0)->type());
      graph.ReplaceAllUsesWith(n->output(0), max->output(0));
      changed = true;
    }
    return changed;
  }
};

constexpr char kModel[] = R"(
<ir_version: 8, opset_import: ["" : 13]>
embedded (float[1,4] x) => (float[1,4] y) {
  a = Identity(x)
  b = Relu(a)
  y = Identity(b)
}
)";

TEST(Embedding, CustomPipelineRunsThroughPublicApi) {
  auto graph = quantc::ImportModelText(kModel);
  ASSERT_TRUE(graph.ok()) << graph.status();

  quantc::PassManagerOptions options;
  options.check_changed = true;
  std::vector<std::string> trace;
  options.after_pass = [&](const quantc::Pass& p, const quantc::Graph&, bool changed) {
    trace.push_back(std::string(p.name()) + (changed ? "+" : "-"));
  };
  quantc::PassManager pm(options);
  auto first = quantc::CreatePass("remove_identity");
  auto last = quantc::CreatePass("remove_dead_nodes");
  ASSERT_TRUE(first.ok() && last.ok());
  pm.Add(*std::move(first));
  pm.Add(std::make_unique<ReluToMaxPass>());
  pm.Add(*std::move(last));
  auto changed = pm.Run(**graph);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(trace, (std::vector<std::string>{"remove_identity+", "vendor_relu_to_max+",
                                            "remove_dead_nodes+"}));
  EXPECT_EQ(quantc::PrintGraph(**graph),
            "graph \"embedded\" ir=8 opsets={\"\": 13}\n"
            "input %x: f32[1,4]\n"
            "const %zero: f32[] [0]\n"
            "%y: f32[1,4] = Max(%x, %zero)\n"
            "output %y\n");
  auto bytes = quantc::ExportModelBytes(**graph);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
}

TEST(Embedding, DishonestPassIsCaught) {
  class LyingPass : public quantc::Pass {
   public:
    absl::string_view name() const override { return "liar"; }
    absl::StatusOr<bool> Run(quantc::Graph& graph) override {
      graph.set_name("renamed");
      return false;
    }
  };
  auto graph = quantc::ImportModelText(kModel);
  ASSERT_TRUE(graph.ok());
  quantc::PassManagerOptions options;
  options.check_changed = true;
  quantc::PassManager pm(options);
  pm.Add(std::make_unique<LyingPass>());
  auto r = pm.Run(**graph);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("liar"), std::string::npos);
}

}  // namespace
