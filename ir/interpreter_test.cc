// The interpreter as a whole: graph execution, input checking, observers,
// liveness, dispatch errors and the kernel table itself. Per-family kernel
// tests live in ir/kernels/*_test.cc.
#include "ir/interpreter.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/kernels/registry.h"
#include "ir/kernels/testing/node_runner.h"
#include "ir/onnx_import.h"

namespace quantc {
namespace {

using ::testing::ElementsAre;
using testing::F32;
using ::testing::HasSubstr;
using testing::Values;

constexpr char kModel[] = R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2] x) => (float[1,2] y, float[1,2] a) <float[2] w = {10, 20}> {
  a = Relu(x)
  b = Mul(a, w)
  c = Neg(b)
  unused = Sigmoid(c)
  y = Add(b, c)
})";

TEST(Interpreter, RunsAGraphAndKeepsOutputsThatAreAlsoIntermediates) {
  auto g = ImportModelText(kModel);
  ASSERT_TRUE(g.ok()) << g.status();
  Interpreter interp(**g);
  auto out = interp.Run({F32({1, 2}, {-1, 2})});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_THAT(Values<float>((*out)[0]), ElementsAre(0, 0));
  EXPECT_THAT(Values<float>((*out)[1]), ElementsAre(0, 2));
  // A second run on the same interpreter gives the same answer.
  auto again = interp.Run({F32({1, 2}, {-1, 2})});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[1], (*out)[1]);
}

TEST(Interpreter, ObserverSeesEveryNodeOutputInOrder) {
  auto g = ImportModelText(kModel);
  ASSERT_TRUE(g.ok());
  Interpreter interp(**g);
  std::vector<std::string> seen;
  interp.set_observer([&](const Value& v, const Tensor& t) {
    seen.push_back(v.name());
    EXPECT_EQ(t.dims(), (std::vector<int64_t>{1, 2}));
  });
  ASSERT_TRUE(interp.Run({F32({1, 2}, {1, 2})}).ok());
  EXPECT_THAT(seen, ElementsAre("a", "b", "c", "unused", "y"));
}

TEST(Interpreter, ChecksInputCountTypeAndShape) {
  auto g = ImportModelText(kModel);
  ASSERT_TRUE(g.ok());
  Interpreter interp(**g);
  EXPECT_THAT(interp.Run({}).status().message(), HasSubstr("has 1 inputs but 0 tensors"));
  auto type = interp.Run({Tensor::FromVector<int64_t>({1, 2}, {1, 2})});
  EXPECT_THAT(type.status().message(), HasSubstr("graph input 'x': expected element type f32"));
  auto shape = interp.Run({F32({2, 1}, {1, 2})});
  EXPECT_THAT(shape.status().message(),
              HasSubstr("graph input 'x': expected shape [1,2], got [2,1]"));
}

TEST(Interpreter, SymbolicDimsAcceptAnySize) {
  auto g = ImportModelText(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[N, 2] x) => (float[N, 2] y) { y = Relu(x) })");
  ASSERT_TRUE(g.ok()) << g.status();
  Interpreter interp(**g);
  auto out = interp.Run({F32({3, 2}, {-1, 1, -2, 2, -3, 3})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (std::vector<int64_t>{3, 2}));
}

TEST(Interpreter, KernelErrorsNameTheNode) {
  auto g = ImportModelText(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[2] x, float[3] z) => (float[2] y) { y = Add(x, z) })");
  // Shape inference may already reject this; build it by hand if so.
  if (g.ok()) {
    Interpreter interp(**g);
    auto out = interp.Run({F32({2}, {1, 2}), F32({3}, {1, 2, 3})});
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(out.status().message(), HasSubstr("(Add): shapes [2] and [3] cannot be broadcast"));
  }
  testing::NodeRunner bad("Add", 2);
  auto r = bad.Run1({F32({2}, {1, 2}), F32({3}, {1, 2, 3})});
  EXPECT_THAT(r.status().message(), HasSubstr("node 'n' (Add): shapes [2] and [3]"));
}

// Kernels cache packed constant weights inside an Interpreter; a weight
// that is a graph input (different every run) must never be cached.
TEST(Interpreter, CachedWeightsMatchFreshEvaluation) {
  auto g = ImportModelText(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,4,4] x, float[3,2,3,3] wx) => (float[1,3] y, float[1,3,2,2] z)
  <float[3,2,1,1] w = {1, -2, 3, -4, 5, -6}, float[3] b = {0.5, -0.5, 1},
   float[12,3] fc = {1,0,0, 0,1,0, 0,0,1, 1,1,0, 0,1,1, 1,0,1, 2,0,0, 0,2,0, 0,0,2, 1,1,1, -1,0,1, 0,-1,1}> {
  c = Conv<pads = [0, 0, 0, 0]>(x, w, b)
  p = MaxPool<kernel_shape = [2, 2], strides = [2, 2]>(c)
  f = Flatten(p)
  y = MatMul(f, fc)
  z = Conv(x, wx)
})");
  ASSERT_TRUE(g.ok()) << g.status();
  Interpreter cached(**g);
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    std::vector<Tensor> in = {F32({1, 2, 4, 4}, testing::RandomFloats(32, seed)),
                              F32({3, 2, 3, 3}, testing::RandomFloats(54, seed + 10))};
    auto a = cached.Run(in);
    Interpreter fresh(**g);
    auto b = fresh.Run(in);
    ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
    EXPECT_EQ((*a)[0], (*b)[0]) << "seed " << seed;
    EXPECT_EQ((*a)[1], (*b)[1]) << "seed " << seed;
  }
}

// Nodes of constants alone (a weight's DequantizeLinear) are computed once
// and reused: the results equal node-by-node evaluation on every run, and
// the observer still sees their outputs each run, in node order.
TEST(Interpreter, ConstantNodesComputeOnceAndStillReachTheObserver) {
  auto g = ImportModelText(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,3,3] x) => (float[1,2,3,3] y)
  <int8[2,2,1,1] wq = {3, -5, 7, 127}, float[2] ws = {0.5, 0.25}, int8[2] wz = {0, 0}> {
  w = DequantizeLinear<axis = 0>(wq, ws, wz)
  y = Conv(x, w)
})");
  ASSERT_TRUE(g.ok()) << g.status();
  Interpreter interp(**g);
  std::vector<std::string> seen;
  interp.set_observer([&](const Value& v, const Tensor&) { seen.push_back(v.name()); });
  const Node* dq = (*g)->nodes().ToVector()[0];
  const Node* conv = (*g)->nodes().ToVector()[1];
  for (uint32_t seed = 1; seed <= 2; ++seed) {
    Tensor x = F32({1, 2, 3, 3}, testing::RandomFloats(18, seed));
    auto out = interp.Run({x});
    ASSERT_TRUE(out.ok()) << out.status();
    const Tensor* dq_in[] = {&dq->input(0)->initializer(), &dq->input(1)->initializer(),
                             &dq->input(2)->initializer()};
    auto w = EvaluateNode(*dq, dq_in, 13);
    ASSERT_TRUE(w.ok());
    const Tensor* conv_in[] = {&x, &(*w)[0]};
    auto y = EvaluateNode(*conv, conv_in, 13);
    ASSERT_TRUE(y.ok());
    EXPECT_EQ((*out)[0], (*y)[0]) << "seed " << seed;
  }
  EXPECT_THAT(seen, ElementsAre("w", "y", "w", "y"));
}

TEST(Interpreter, UnsortedGraphIsAnErrorNotACrash) {
  Graph g;
  Value* x = g.AddInput("x", TensorType::Static(DType::kFloat32, {1}));
  Node* second = g.AddNode("Relu", {x}, {"b"}, nullptr, "second");
  // "first" is inserted after its user, so the plan sees 'a' read too early.
  Node* first = g.AddNode("Relu", {x}, {"a"}, nullptr, "first");
  second->SetInput(0, first->output(0));
  g.AddOutput(second->output(0));
  Interpreter interp(g);
  auto out = interp.Run({F32({1}, {1})});
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(out.status().message(), HasSubstr("node 'second' (Relu): input 'a' is not defined"));
}

TEST(EvaluateNode, UnknownOpAndDomainAreUnimplemented) {
  testing::NodeRunner op("NoSuchOp");
  auto r = op.Run1({F32({1}, {1})});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(r.status().message(),
              HasSubstr("node 'n' (NoSuchOp): the interpreter has no kernel"));
  Graph g;
  Value* x = g.AddInput("x", TensorType());
  Node* n = g.AddNode("Relu", {x}, {"y"}, nullptr, "custom", "com.example");
  Tensor t = F32({1}, {1});
  const Tensor* in[] = {&t};
  auto d = EvaluateNode(*n, in, 13);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(d.status().message(),
              HasSubstr("node 'custom' (Relu): operator domain 'com.example'"));
}

TEST(EvaluateNode, OpsNewerThanTheOpsetAreUnimplemented) {
  testing::NodeRunner hs("HardSwish");
  EXPECT_TRUE(hs.Run1({F32({1}, {1})}, 14).ok());
  auto old = hs.Run1({F32({1}, {1})}, 13);
  EXPECT_EQ(old.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(old.status().message(), HasSubstr("no kernel for opset 13"));
}

TEST(EvaluateNode, OmittedOutputsComeBackEmpty) {
  testing::NodeRunner mp("MaxPool", 1, 2);
  mp.Attr(Attribute::Ints("kernel_shape", {1}));
  auto r = mp.Run({F32({1, 1, 2}, {1, 2})});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 2u);  // Indices requested by the node: computed
}

TEST(KernelTable, SortedAndConsistent) {
  auto table = kernels::KernelTable();
  for (size_t i = 1; i < table.size(); ++i) {
    const std::string prev = table[i - 1].op_type, cur = table[i].op_type;
    EXPECT_TRUE(prev < cur || (prev == cur && table[i - 1].min_opset < table[i].min_opset))
        << prev << " / " << cur;
  }
  std::vector<std::string> ops = SupportedOps();
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end()));
  EXPECT_TRUE(std::adjacent_find(ops.begin(), ops.end()) == ops.end());
  for (const char* op :
       {"Conv",          "ConvTranspose", "Gemm",        "MatMul",         "BatchNormalization",
        "Relu",          "Clip",          "LeakyRelu",   "PRelu",          "Sigmoid",
        "Tanh",          "HardSigmoid",   "HardSwish",   "Softmax",        "Add",
        "Sub",           "Mul",           "Div",         "Concat",         "Split",
        "Slice",         "Reshape",       "Flatten",     "Transpose",      "Squeeze",
        "Unsqueeze",     "Pad",           "MaxPool",     "AveragePool",    "GlobalAveragePool",
        "GlobalMaxPool", "ReduceMean",    "ReduceSum",   "Identity",       "Dropout",
        "Constant",      "Shape",         "Gather",      "Cast",           "Floor",
        "Round",         "Min",           "Max",         "QuantizeLinear", "DequantizeLinear",
        "QLinearConv",   "QLinearMatMul", "ConvInteger", "MatMulInteger"}) {
    EXPECT_TRUE(HasKernel(op)) << op;
  }
  EXPECT_FALSE(HasKernel("LSTM"));
  // Clip's two forms resolve by opset.
  EXPECT_EQ(kernels::FindKernel("Clip", 10)->min_opset, 6);
  EXPECT_EQ(kernels::FindKernel("Clip", 17)->min_opset, 11);
}

}  // namespace
}  // namespace quantc
