// Each ONNX-to-libtorch op mapping of training, on tiny shapes with a batch
// of 2:
// * forward: equals quantc's reference interpreter (an independent
//   implementation of the ONNX semantics) on the same node and inputs;
// * backward: the autograd gradient of sum(y * r) (r fixed random) with
//   respect to every float input equals central finite differences in
//   float64.
// BatchNormalization (train and eval) and the fake-quant straight-through
// estimator go through SimModel in sim_model_test.cc.
#include "train/torch_ops.h"

#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"

namespace quantc::train {
namespace {

struct Input {
  std::vector<int64_t> dims;
  std::vector<double> values;  // empty: random floats
  bool is_int = false;         // an int64 constant (shape, axes, pads)
  bool constant = false;       // no gradient checked (e.g. Clip bounds)
};

// Random float input of these dims.
Input X(std::vector<int64_t> dims) { return Input{std::move(dims), {}, false, false}; }
// An int64 constant (shape, axes, pads).
Input Ints(std::vector<double> v) {
  int64_t n = static_cast<int64_t>(v.size());
  return Input{{n}, std::move(v), true, false};
}
// A float scalar constant whose gradient is not checked (Clip bounds).
Input Bound(double v) { return Input{{}, {v}, false, true}; }

struct Case {
  std::string name;
  std::string model;  // ONNX text: one node, every input a graph input
  std::vector<Input> inputs;
  bool weighted = false;  // Conv/ConvTranspose/Gemm/MatMul: RunWeighted
};

// Random values away from 0 and from each other, so ReLU kinks, Clip
// bounds and MaxPool ties are more than the finite-difference step away.
at::Tensor RandomInput(const Input& in, std::mt19937& rng) {
  if (in.is_int) return at::tensor(std::vector<int64_t>(in.values.begin(), in.values.end()), at::kLong);
  if (!in.values.empty()) return at::tensor(in.values, at::kDouble).view(in.dims);
  int64_t n = NumElements(in.dims);
  std::vector<double> v(n);
  std::uniform_real_distribution<double> u(0.05, 1.0);
  for (int64_t i = 0; i < n; ++i) v[i] = (rng() % 2 ? 1 : -1) * (u(rng) + 1e-3 * static_cast<double>(i));
  return at::tensor(v, at::kDouble).view(in.dims);
}

at::Tensor Run(const Node& n, const std::vector<at::Tensor>& in, int64_t opset, bool weighted) {
  if (weighted) return RunWeighted(n, in[0], in[1], in.size() > 2 ? in[2] : at::Tensor());
  return RunNode(n, in, opset);
}

Tensor ToQuantc(const at::Tensor& t) {
  if (t.scalar_type() == at::kLong) {
    at::Tensor c = t.contiguous();
    return Tensor::FromVector<int64_t>(c.sizes().vec(),
                                       std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()));
  }
  return FromTorch(t);
}

void Check(const Case& c) {
  SCOPED_TRACE(c.name);
  auto g = ImportModelText(c.model);
  ASSERT_TRUE(g.ok()) << g.status();
  const Node& n = **(*g)->nodes().begin();
  const int64_t opset = (*g)->opset();
  std::mt19937 rng(7);
  std::vector<at::Tensor> in;
  for (const Input& i : c.inputs) in.push_back(RandomInput(i, rng));

  // Forward against the interpreter (float32).
  std::vector<Tensor> qin;
  for (const at::Tensor& t : in) qin.push_back(ToQuantc(t));
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : qin) ptrs.push_back(&t);
  auto want = EvaluateNode(n, ptrs, opset);
  ASSERT_TRUE(want.ok()) << want.status();
  at::Tensor got = Run(n, in, opset, c.weighted);
  at::Tensor ref = ToTorch((*want)[0]).to(at::kDouble);
  ASSERT_EQ(got.sizes(), ref.sizes());
  EXPECT_LT((got - ref).abs().max().item<double>(), 1e-5);

  // Backward against central differences.
  at::Tensor r = RandomInput(X(got.sizes().vec()), rng);
  std::vector<at::Tensor> leaves;
  for (size_t k = 0; k < in.size(); ++k) {
    bool fixed = c.inputs[k].is_int || c.inputs[k].constant;
    leaves.push_back(fixed ? in[k] : in[k].clone().set_requires_grad(true));
  }
  (Run(n, leaves, opset, c.weighted) * r).sum().backward();
  const double h = 1e-6;
  for (size_t k = 0; k < in.size(); ++k) {
    if (c.inputs[k].is_int || c.inputs[k].constant) continue;
    at::Tensor grad = leaves[k].grad();
    ASSERT_TRUE(grad.defined()) << "input " << k;
    at::Tensor flat = in[k].view(-1);
    for (int64_t i = 0; i < flat.numel(); ++i) {
      std::vector<at::Tensor> plus = in, minus = in;
      plus[k] = in[k].clone();
      minus[k] = in[k].clone();
      plus[k].view(-1)[i] += h;
      minus[k].view(-1)[i] -= h;
      double fd = ((Run(n, plus, opset, c.weighted) * r).sum().item<double>() -
                   (Run(n, minus, opset, c.weighted) * r).sum().item<double>()) / (2 * h);
      double ad = grad.view(-1)[i].item<double>();
      ASSERT_NEAR(ad, fd, 1e-5 * std::max(1.0, std::abs(fd))) << "input " << k << " element " << i;
    }
  }
}

std::string Model(const std::string& sig, const std::string& body, int opset = 13) {
  return absl::StrCat("<ir_version: 8, opset_import: [\"\" : ", opset, "]>\nm ", sig, " {\n  ", body, "\n}");
}

TEST(TorchOpsGradTest, Convolutions) {
  Check({"conv1d", Model("(float[2,3,6] x, float[4,3,3] w, float[4] b) => (float[2,4,6] y)",
                         "y = Conv<pads = [1, 1]>(x, w, b)"),
         {X({2, 3, 6}), X({4, 3, 3}), X({4})}, true});
  Check({"conv2d strided asymmetric pads", Model("(float[2,2,5,5] x, float[3,2,3,2] w, float[3] b) => (float[2,3,2,3] y)",
                                                 "y = Conv<pads = [1, 0, 0, 1], strides = [2, 2]>(x, w, b)"),
         {X({2, 2, 5, 5}), X({3, 2, 3, 2}), X({3})}, true});
  Check({"conv2d grouped dilated", Model("(float[2,4,5,5] x, float[4,2,2,2] w) => (float[2,4,3,3] y)",
                                         "y = Conv<group = 2, dilations = [2, 2]>(x, w)"),
         {X({2, 4, 5, 5}), X({4, 2, 2, 2})}, true});
  Check({"depthwise same_upper", Model("(float[2,3,4,4] x, float[3,1,3,3] w) => (float[2,3,4,4] y)",
                                       "y = Conv<group = 3, auto_pad = \"SAME_UPPER\">(x, w)"),
         {X({2, 3, 4, 4}), X({3, 1, 3, 3})}, true});
  Check({"conv transpose", Model("(float[2,2,3,3] x, float[2,3,2,2] w, float[3] b) => (float[2,3,6,6] y)",
                                 "y = ConvTranspose<strides = [2, 2], pads = [1, 0, 0, 1], output_padding = [1, 1]>(x, w, b)"),
         {X({2, 2, 3, 3}), X({2, 3, 2, 2}), X({3})}, true});
}

TEST(TorchOpsGradTest, GemmAndMatMul) {
  Check({"gemm transB alpha beta", Model("(float[2,5] a, float[3,5] w, float[3] c) => (float[2,3] y)",
                                         "y = Gemm<transB = 1, alpha = 0.5, beta = 2.0>(a, w, c)"),
         {X({2, 5}), X({3, 5}), X({3})}, true});
  Check({"matmul 3d", Model("(float[2,3,4] a, float[4,5] w) => (float[2,3,5] y)", "y = MatMul(a, w)"),
         {X({2, 3, 4}), X({4, 5})}, true});
}

TEST(TorchOpsGradTest, Activations) {
  const std::string sig = "(float[2,3,4] x) => (float[2,3,4] y)";
  for (const char* op : {"Relu", "Sigmoid", "Tanh", "HardSwish"}) {
    Check({op, Model(sig, absl::StrCat("y = ", op, "(x)"), 14), {X({2, 3, 4})}});
  }
  Check({"leaky", Model(sig, "y = LeakyRelu<alpha = 0.2>(x)"), {X({2, 3, 4})}});
  Check({"hardsigmoid", Model(sig, "y = HardSigmoid<alpha = 0.3, beta = 0.4>(x)"), {X({2, 3, 4})}});
  Check({"clip", Model("(float[2,3,4] x, float lo, float hi) => (float[2,3,4] y)", "y = Clip(x, lo, hi)"),
         {X({2, 3, 4}), Bound(-0.5), Bound(0.55)}});
  Check({"softmax", Model(sig, "y = Softmax<axis = 1>(x)"), {X({2, 3, 4})}});
  Check({"softmax opset 11", Model(sig, "y = Softmax<axis = 1>(x)", 11), {X({2, 3, 4})}});
}

TEST(TorchOpsGradTest, Pooling) {
  Check({"maxpool ceil asymmetric", Model("(float[2,2,5,5] x) => (float[2,2,3,3] y)",
                                          "y = MaxPool<kernel_shape = [2, 2], strides = [2, 2], pads = [0, 0, 1, 1]>(x)"),
         {X({2, 2, 5, 5})}});
  Check({"maxpool1d", Model("(float[2,2,7] x) => (float[2,2,3] y)", "y = MaxPool<kernel_shape = [3], strides = [2]>(x)"),
         {X({2, 2, 7})}});
  Check({"avgpool pads excluded", Model("(float[2,2,4,4] x) => (float[2,2,4,4] y)",
                                        "y = AveragePool<kernel_shape = [3, 3], pads = [1, 1, 1, 1]>(x)"),
         {X({2, 2, 4, 4})}});
  Check({"avgpool pads included", Model("(float[2,2,4,4] x) => (float[2,2,2,2] y)",
                                        "y = AveragePool<kernel_shape = [2, 2], strides = [2, 2], pads = [0, 0, 1, 1], count_include_pad = 1>(x)"),
         {X({2, 2, 4, 4})}});
  Check({"gap", Model("(float[2,3,4,2] x) => (float[2,3,1,1] y)", "y = GlobalAveragePool(x)"), {X({2, 3, 4, 2})}});
}

TEST(TorchOpsGradTest, ElementwiseAndLayout) {
  Check({"add broadcast", Model("(float[2,3,4] a, float[3,1] b) => (float[2,3,4] y)", "y = Add(a, b)"),
         {X({2, 3, 4}), X({3, 1})}});
  Check({"mul", Model("(float[2,3] a, float[2,3] b) => (float[2,3] y)", "y = Mul(a, b)"), {X({2, 3}), X({2, 3})}});
  Check({"concat", Model("(float[2,2,3] a, float[2,1,3] b) => (float[2,3,3] y)", "y = Concat<axis = 1>(a, b)"),
         {X({2, 2, 3}), X({2, 1, 3})}});
  Check({"reshape", Model("(float[2,3,4] x, int64[3] s) => (float[2,12,1] y)", "y = Reshape(x, s)"),
         {X({2, 3, 4}), Ints({2, -1, 1})}});
  Check({"flatten", Model("(float[2,3,2,2] x) => (float[2,12] y)", "y = Flatten<axis = 1>(x)"), {X({2, 3, 2, 2})}});
  Check({"transpose", Model("(float[2,3,4] x) => (float[2,4,3] y)", "y = Transpose<perm = [0, 2, 1]>(x)"),
         {X({2, 3, 4})}});
  Check({"squeeze", Model("(float[2,3,1,4] x, int64[1] a) => (float[2,3,4] y)", "y = Squeeze(x, a)"),
         {X({2, 3, 1, 4}), Ints({2})}});
  Check({"unsqueeze", Model("(float[2,3] x, int64[1] a) => (float[2,3,1] y)", "y = Unsqueeze(x, a)"),
         {X({2, 3}), Ints({-1})}});
  Check({"pad", Model("(float[2,2,3] x, int64[6] p) => (float[2,2,6] y)", "y = Pad(x, p)"),
         {X({2, 2, 3}), Ints({0, 0, 1, 0, 0, 2})}});
}

TEST(TorchOpsTest, RejectsUnsupportedOpsAndBatchMoves) {
  auto check = [](const std::string& sig, const std::string& body, const std::string& fragment) {
    auto g = ImportModelText(Model(sig, body));
    ASSERT_TRUE(g.ok()) << g.status();
    absl::Status st = CheckTrainable(**(*g)->nodes().begin(), 13);
    EXPECT_EQ(st.code(), absl::StatusCode::kUnimplemented) << body;
    EXPECT_NE(st.message().find("unsupported in training: " + fragment), std::string::npos) << st.message();
  };
  check("(float[1,2,4] x) => (float[1,2,4] y)", "y = Erf(x)", "op not in the supported list");
  check("(float[1,2,4] x) => (float[8] y) <int64[1] s = {8}>", "y = Reshape(x, s)",
        "the reshape moves the batch dimension");
  check("(float[1,2,4] x) => (float[2,4] y)", "y = Flatten<axis = 2>(x)", "Flatten with axis != 1");
  check("(float[1,2,4] x) => (float[2,1,4] y)", "y = Transpose<perm = [1, 0, 2]>(x)",
        "the permutation moves the batch dimension");
  check("(float[1,2,4] x) => (float[2,2,4] y)", "y = Concat<axis = 0>(x, x)", "axis 0 is the batch dimension");
  check("(float[1,2,4] x, float[4,3] w) => (float[1,2,3] y)", "y = MatMul(x, w)",
        "the weight must be a constant");
  // Accepted: the same ops keeping the batch first.
  auto g = ImportModelText(Model("(float[1,2,4] x) => (float[1,8] y) <int64[2] s = {1, 8}>", "y = Reshape(x, s)"));
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(CheckTrainable(**(*g)->nodes().begin(), 13).ok());
}

}  // namespace
}  // namespace quantc::train
