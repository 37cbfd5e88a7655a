#include "passes/check_tinpu_ops.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/onnx_import.h"
#include "passes/insert_observers.h"
#include "passes/mark_float_ops.h"

namespace quantc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kModel[] = R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,4] x) => (float[1,4] y) {
  a = Tanh(x)
  b = Relu(a)
  c = Tanh(b)
  d = Sigmoid(c)
  y = Sigmoid(d)
})";

// Stands in for the TINPU back half: every node that is not float and whose
// op is Tanh or Sigmoid, or whose name is "stubborn" even in float, fails.
class StubLowerPass : public Pass {
 public:
  explicit StubLowerPass(std::vector<LoweringProblem>* problems) : problems_(problems) {}
  absl::string_view name() const override { return "stub_lower"; }
  absl::StatusOr<bool> Run(Graph& g) override {
    for (const Node* n : g.nodes()) {
      bool bad = !n->float_op() && (n->op_type() == "Tanh" || n->op_type() == "Sigmoid");
      if (bad || n->name() == "stubborn") {
        problems_->push_back({n->name(), n->op_type(), n->Describe(), "has no TINPU integer form"});
      }
    }
    if (problems_->empty()) return false;
    return absl::UnimplementedError("stub");
  }

 private:
  std::vector<LoweringProblem>* problems_;
};

CheckTinpuOpsOptions Options(std::vector<std::string> float_ops) {
  CheckTinpuOpsOptions o;
  o.float_ops = std::move(float_ops);
  o.prepare = [](const std::vector<std::string>& f) {
    std::vector<std::unique_ptr<Pass>> p;
    p.push_back(std::make_unique<MarkFloatOpsPass>(MarkFloatOpsOptions{f}));
    p.push_back(std::make_unique<InsertObserversPass>());
    return p;
  };
  o.lower = [](std::vector<LoweringProblem>* problems) {
    std::vector<std::unique_ptr<Pass>> p;
    p.push_back(std::make_unique<StubLowerPass>(problems));
    return p;
  };
  return o;
}

std::unique_ptr<Graph> Load(const std::vector<std::string>& names) {
  auto g = ImportModelText(kModel);
  EXPECT_TRUE(g.ok()) << g.status();
  std::vector<Node*> nodes = (*g)->nodes().ToVector();
  for (size_t i = 0; i < names.size(); ++i) (*g)->RenameNode(nodes[i], names[i]);
  return *std::move(g);
}

TEST(CheckTinpuOps, NothingToReportChangesNothing) {
  auto g = Load({"t1", "r", "t2", "s1", "s2"});
  auto r = CheckTinpuOpsPass(Options({"Tanh", "Sigmoid"})).Run(*g);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(*r);
}

TEST(CheckTinpuOps, ListsEveryNodeAndAdviceThatWorks) {
  auto g = Load({"t1", "r", "t2", "s1", "s2"});
  auto r = CheckTinpuOpsPass(Options({})).Run(*g);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
  const std::string msg(r.status().message());
  EXPECT_THAT(msg, HasSubstr("4 node(s) have no TINPU integer form"));
  for (const char* n : {"'t1' (Tanh)", "'t2' (Tanh)", "'s1' (Sigmoid)", "'s2' (Sigmoid)"}) {
    EXPECT_THAT(msg, HasSubstr(n));
  }
  // Every Sigmoid and Tanh failed: the op types are the advice.
  EXPECT_THAT(msg, HasSubstr("--float-ops=Sigmoid,Tanh"));
  // Following it: no error.
  EXPECT_FALSE(*CheckTinpuOpsPass(Options({"Sigmoid", "Tanh"})).Run(*g));
}

TEST(CheckTinpuOps, PartialOpTypesAreNamedAndTheUserListIsKept) {
  auto g = Load({"t1", "r", "t2", "s1", "s2"});
  auto r = CheckTinpuOpsPass(Options({"t1", "s1"})).Run(*g);
  ASSERT_FALSE(r.ok());
  // Only t2 and s2 fail now: named, after the user's own entries.
  EXPECT_THAT(r.status().message(), HasSubstr("--float-ops=t1,s1,s2,t2"));
  EXPECT_FALSE(*CheckTinpuOpsPass(Options({"t1", "s1", "s2", "t2"})).Run(*g));
}

TEST(CheckTinpuOps, NoAdviceWhenFloatDoesNotHelp) {
  auto g = Load({"t1", "r", "stubborn", "s1", "s2"});
  auto r = CheckTinpuOpsPass(Options({"Sigmoid"})).Run(*g);
  ASSERT_FALSE(r.ok());
  const std::string msg(r.status().message());
  EXPECT_THAT(msg, HasSubstr("no --float-ops setting fixes these:\n  node 'stubborn' (Tanh)"));
  EXPECT_THAT(msg, Not(HasSubstr("keep them in float")));
}

}  // namespace
}  // namespace quantc
