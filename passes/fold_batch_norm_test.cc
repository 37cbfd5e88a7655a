// Tests for fold_batch_norm: declines first, then structure, then numerics.
//
// The numeric test runs each graph before and after folding through the
// reference interpreter (ir/interpreter.h, float32) on random inputs and
// requires max |before - after| <= 1e-5 * max(1, max |before|).
#include "passes/fold_batch_norm.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"
#include "passes/pass_manager.h"
#include "passes/remove_dead_nodes.h"

namespace quantc {
namespace {

using ::testing::ElementsAre;

MATCHER_P(IsOkAndHolds, expected, "") {
  if (!arg.ok()) {
    *result_listener << "status " << arg.status();
    return false;
  }
  *result_listener << "value " << *arg;
  return *arg == expected;
}

std::unique_ptr<Graph> Import(const std::string& text) {
  auto g = ImportModelText(text);
  EXPECT_TRUE(g.ok()) << g.status() << "\n" << text;
  return g.ok() ? *std::move(g) : nullptr;
}

// fold_batch_norm with verification and the honest-"changed" check.
absl::StatusOr<bool> Fold(Graph& g) {
  PassManagerOptions options;
  options.verify_each = true;
  options.check_changed = true;
  PassManager pm(options);
  pm.Add(std::make_unique<FoldBatchNormPass>());
  return pm.Run(g);
}

void RemoveDead(Graph& g) { ASSERT_TRUE(RemoveDeadNodesPass().Run(g).ok()); }

std::vector<std::string> OpTypes(const Graph& g) {
  std::vector<std::string> ops;
  for (const Node* n : g.nodes()) ops.push_back(n->op_type());
  return ops;
}

// ---------------------------------------------------------------------------
// Declines (no change, no error).

constexpr char kBnParams[] = R"(float[2] scale = {1, 2}, float[2] shift = {0, 1},
   float[2] mean = {1, 0}, float[2] var = {1, 4})";

std::string ConvBnModel(int opset, const std::string& extra_inputs, const std::string& inits,
                        const std::string& body) {
  return absl::Substitute(R"(<ir_version: 8, opset_import: ["" : $0]>
m (float[1,2,2,2] x$1) => (float[1,2,2,2] z)
  <float[2,2,1,1] w = {1, 2, 3, 4}, float[2] b = {1, -1}$2> {
$3
})",
                          opset, extra_inputs, inits, body);
}

TEST(FoldBatchNormTest, DeclinesWhenNothingFoldable) {
  struct Case {
    const char* name;
    std::string model;
  };
  const std::string bn = absl::StrCat(", ", kBnParams);
  std::vector<Case> cases = {
      {"bn on graph input",
       ConvBnModel(13, "", bn, "  z = BatchNormalization(x, scale, shift, mean, var)")},
      {"conv output has a second user", ConvBnModel(13, "", bn, R"(  c = Conv(x, w, b)
  y = BatchNormalization(c, scale, shift, mean, var)
  z = Add(y, c))")},
      {"non-constant mean", ConvBnModel(13, ", float[2] mean",
                                        ", float[2] scale = {1, 2}, float[2] shift = {0, 1}, "
                                        "float[2] var = {1, 4}",
                                        R"(  c = Conv(x, w, b)
  z = BatchNormalization(c, scale, shift, mean, var))")},
      {"non-constant weight", ConvBnModel(13, ", float[2,2,1,1] wx", bn, R"(  c = Conv(x, wx, b)
  z = BatchNormalization(c, scale, shift, mean, var))")},
      {"training_mode=1", ConvBnModel(15, "", bn, R"(  c = Conv(x, w, b)
  z, rm, rv = BatchNormalization<training_mode = 1>(c, scale, shift, mean, var))")},
      {"running mean output used (opset 9 training form)",
       ConvBnModel(9, "", bn, R"(  c = Conv(x, w, b)
  y, rm, rv, sm, sv = BatchNormalization(c, scale, shift, mean, var)
  z = Add(y, rm))")},
      {"BN parameter size differs from conv channels",
       ConvBnModel(13, "", R"(, float[3] scale = {1, 2, 3}, float[3] shift = {0, 1, 2},
   float[3] mean = {1, 0, 1}, float[3] var = {1, 4, 1})",
                   R"(  c = Conv(x, w, b)
  z = BatchNormalization(c, scale, shift, mean, var))")},
      {"negative variance",
       ConvBnModel(13, "", R"(, float[2] scale = {1, 2}, float[2] shift = {0, 1},
   float[2] mean = {1, 0}, float[2] var = {1, -4})",
                   R"(  c = Conv(x, w, b)
  z = BatchNormalization(c, scale, shift, mean, var))")},
      {"dead BN", ConvBnModel(13, "", bn, R"(  c = Conv(x, w, b)
  y = BatchNormalization(c, scale, shift, mean, var)
  z = Relu(x))")},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::unique_ptr<Graph> g = Import(c.model);
    ASSERT_NE(g, nullptr);
    EXPECT_THAT(Fold(*g), IsOkAndHolds(false));
  }
}

TEST(FoldBatchNormTest, DeclinesGemmWithPerRowC) {
  std::unique_ptr<Graph> g = Import(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[2,3] a) => (float[2,2] z)
  <float[2,3] w = {1, 2, 3, 4, 5, 6}, float[2,2] cb = {1, 2, 3, 4},
   float[2] scale = {1, 2}, float[2] shift = {0, 1},
   float[2] mean = {1, 0}, float[2] var = {1, 4}> {
  g = Gemm<transB = 1>(a, w, cb)
  z = BatchNormalization(g, scale, shift, mean, var)
})");
  ASSERT_NE(g, nullptr);
  EXPECT_THAT(Fold(*g), IsOkAndHolds(false));
}

// ---------------------------------------------------------------------------
// Structure.

TEST(FoldBatchNormTest, FoldsConvBnAndKeepsOutputName) {
  std::unique_ptr<Graph> g = Import(ConvBnModel(13, "", absl::StrCat(", ", kBnParams), R"(
  c = Conv(x, w, b)
  z = BatchNormalization(c, scale, shift, mean, var))"));
  ASSERT_NE(g, nullptr);
  ASSERT_THAT(Fold(*g), IsOkAndHolds(true));
  RemoveDead(*g);
  ASSERT_THAT(OpTypes(*g), ElementsAre("Conv"));
  const Node* conv = *g->nodes().begin();
  EXPECT_EQ(g->outputs()[0]->name(), "z");
  EXPECT_EQ(conv->output(0), g->outputs()[0]);
  ASSERT_TRUE(conv->input(1)->is_initializer());
  ASSERT_TRUE(conv->input(2)->is_initializer());
  // g = scale / sqrt(var + 1e-5) ~ {1, 1}; b' = (b - mean) * g + shift.
  const Tensor& bias = conv->input(2)->initializer();
  const double eps = 1e-5f;  // the float attribute default, widened
  double g0 = 1 / std::sqrt(1 + eps), g1 = 2 / std::sqrt(4 + eps);
  EXPECT_FLOAT_EQ(bias.data<float>()[0], static_cast<float>((1 - 1) * g0 + 0));
  EXPECT_FLOAT_EQ(bias.data<float>()[1], static_cast<float>((-1 - 0) * g1 + 1));
  // Idempotent: the folded graph has no BN left to fold.
  EXPECT_THAT(Fold(*g), IsOkAndHolds(false));
}

TEST(FoldBatchNormTest, RecordsWhatEachFoldReplaced) {
  std::unique_ptr<Graph> g = Import(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,2,2] x, float[3,2] a) => (float[1,2,2,2] z, float[3,2] y)
  <float[2,2,1,1] w = {1, 2, 3, 4}, float[2] b = {1, -1}, float[2,2] wg = {1, 2, 3, 4},
   float[2] scale = {1, 2}, float[2] shift = {0, 1}, float[2] mean = {1, 0}, float[2] var = {1, 4}> {
  c = Conv(x, w, b)
  z = BatchNormalization<epsilon = 0.5, momentum = 0.8>(c, scale, shift, mean, var)
  gm = Gemm<beta = 2.0>(a, wg, b)
  y = BatchNormalization(gm, scale, shift, mean, var)
})");
  ASSERT_NE(g, nullptr);
  std::vector<FoldedBatchNorm> folds;
  ASSERT_THAT(FoldBatchNormPass(FoldBatchNormOptions{&folds}).Run(*g), IsOkAndHolds(true));
  ASSERT_EQ(folds.size(), 2u);
  // The record names the new node and keeps the pre-fold weight and BN.
  EXPECT_EQ(folds[0].folded->op_type(), "Conv");
  EXPECT_EQ(folds[0].folded->output(0), g->outputs()[0]);
  EXPECT_THAT(folds[0].weight.data<float>(), ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(folds[0].bias, ElementsAre(1, -1));
  EXPECT_THAT(folds[0].scale, ElementsAre(1, 2));
  EXPECT_THAT(folds[0].shift, ElementsAre(0, 1));
  EXPECT_THAT(folds[0].mean, ElementsAre(1, 0));
  EXPECT_THAT(folds[0].var, ElementsAre(1, 4));
  EXPECT_FLOAT_EQ(folds[0].epsilon, 0.5f);
  EXPECT_FLOAT_EQ(folds[0].momentum, 0.8f);
  // Gemm: the bias record is beta * C; defaults for epsilon and momentum.
  EXPECT_EQ(folds[1].folded->op_type(), "Gemm");
  EXPECT_THAT(folds[1].bias, ElementsAre(2, -2));
  EXPECT_FLOAT_EQ(folds[1].epsilon, 1e-5f);
  EXPECT_FLOAT_EQ(folds[1].momentum, 0.9f);
}

TEST(FoldBatchNormTest, SharedWeightIsNotMutated) {
  std::unique_ptr<Graph> g = Import(ConvBnModel(13, "", absl::StrCat(", ", kBnParams), R"(
  c1 = Conv(x, w, b)
  y1 = BatchNormalization(c1, scale, shift, mean, var)
  c2 = Conv(x, w)
  z = Add(y1, c2))"));
  ASSERT_NE(g, nullptr);
  const Value* w = g->FindValue("w");
  Tensor before = w->initializer();
  std::vector<float> before_values(before.data<float>().begin(), before.data<float>().end());
  ASSERT_THAT(Fold(*g), IsOkAndHolds(true));
  RemoveDead(*g);
  EXPECT_THAT(OpTypes(*g), ElementsAre("Conv", "Conv", "Add"));
  ASSERT_EQ(g->FindValue("w"), w);
  std::vector<float> after(w->initializer().data<float>().begin(),
                           w->initializer().data<float>().end());
  EXPECT_EQ(after, before_values);
  ASSERT_EQ(w->uses().size(), 1u);  // only the unfolded c2 still reads it
  EXPECT_EQ(w->uses()[0].user->output(0)->name(), "c2");
}

// ---------------------------------------------------------------------------
// Numerics: the graph before and after folding, run by the reference
// interpreter on the same random inputs.

std::vector<Tensor> RunGraph(const Graph& g, const std::vector<Tensor>& inputs) {
  Interpreter interpreter(g);
  absl::StatusOr<std::vector<Tensor>> out = interpreter.Run(inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *std::move(out) : std::vector<Tensor>{};
}

// Random float32 initializer text: `float[d0,d1] name = {...}`.
std::string RandomInit(std::mt19937& rng, const std::string& name, const std::vector<int64_t>& dims,
                       double lo, double hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<std::string> vals;
  for (int64_t i = 0; i < NumElements(dims); ++i) vals.push_back(absl::StrCat(dist(rng)));
  return absl::StrCat("float[", absl::StrJoin(dims, ","), "] ", name, " = {",
                      absl::StrJoin(vals, ", "), "}");
}

// scale, shift, mean, var for `c` channels, with `suffix` on the names.
std::string RandomBnInits(std::mt19937& rng, int64_t c, const std::string& suffix = "") {
  return absl::StrJoin(
      {RandomInit(rng, "scale" + suffix, {c}, -2, 2), RandomInit(rng, "shift" + suffix, {c}, -1, 1),
       RandomInit(rng, "mean" + suffix, {c}, -1, 1), RandomInit(rng, "var" + suffix, {c}, 0.05, 2)},
      ",\n   ");
}

struct NumericCase {
  const char* name;
  int opset;
  std::string inputs;       // graph input list, e.g. "float[1,3,5,5] x"
  std::string output_dims;  // of graph output z, e.g. "1,8,5,5"
  std::vector<std::pair<std::string, std::vector<int64_t>>> weights;  // name, dims
  int64_t channels;         // of the BN whose parameters have no name suffix
  std::string extra_inits;  // more initializers the body uses
  std::string body;         // must define graph output z
};

TEST(FoldBatchNormTest, NumericallyEquivalent) {
  std::mt19937 rng(1234);
  std::vector<NumericCase> cases = {
      {"conv2d 3x3 stride 2 pads 1 bias",
       13,
       "float[2,3,7,7] x",
       "2,4,4,4",
       {{"w", {4, 3, 3, 3}}, {"b", {4}}},
       4,
       "",
       "  c = Conv<strides = [2, 2], pads = [1, 1, 1, 1]>(x, w, b)\n"
       "  y = BatchNormalization<epsilon = 0.001>(c, scale, shift, mean, var)\n"
       "  z = Relu(y)"},
      {"conv2d no bias, dilation 2, asymmetric pads, opset 9",
       9,
       "float[1,2,6,6] x",
       "1,3,5,5",
       {{"w", {3, 2, 2, 2}}},
       3,
       "",
       "  c = Conv<dilations = [2, 2], pads = [0, 1, 1, 0]>(x, w)\n"
       "  z = BatchNormalization(c, scale, shift, mean, var)"},
      {"depthwise group=4",
       11,
       "float[1,4,5,5] x",
       "1,4,5,5",
       {{"w", {4, 1, 3, 3}}, {"b", {4}}},
       4,
       "",
       "  c = Conv<group = 4, pads = [1, 1, 1, 1]>(x, w, b)\n"
       "  z = BatchNormalization(c, scale, shift, mean, var)"},
      {"grouped conv group=2",
       13,
       "float[1,4,4,4] x",
       "1,6,2,2",
       {{"w", {6, 2, 3, 3}}, {"b", {6}}},
       6,
       "",
       "  c = Conv<group = 2>(x, w, b)\n  z = BatchNormalization(c, scale, shift, mean, var)"},
      {"conv1d, opset 15",
       15,
       "float[2,3,9] x",
       "2,5,4",
       {{"w", {5, 3, 3}}, {"b", {5}}},
       5,
       "",
       "  c = Conv<strides = [2]>(x, w, b)\n"
       "  z = BatchNormalization<epsilon = 0.01>(c, scale, shift, mean, var)"},
      {"conv3d, opset 17",
       17,
       "float[1,2,3,4,4] x",
       "1,3,2,3,3",
       {{"w", {3, 2, 2, 2, 2}}, {"b", {3}}},
       3,
       "",
       "  c = Conv(x, w, b)\n  z = BatchNormalization(c, scale, shift, mean, var)"},
      {"convtranspose group=2 stride 2 output_padding",
       13,
       "float[1,4,3,3] x",
       "1,6,6,6",
       {{"w", {4, 3, 3, 3}}, {"b", {6}}},
       6,
       "",
       "  c = ConvTranspose<group = 2, strides = [2, 2], pads = [1, 1, 1, 1], "
       "output_padding = [1, 1]>(x, w, b)\n"
       "  z = BatchNormalization(c, scale, shift, mean, var)"},
      {"convtranspose 1-D no bias, opset 14",
       14,
       "float[2,3,4] x",
       "2,2,6",
       {{"w", {3, 2, 3}}},
       2,
       "",
       "  c = ConvTranspose(x, w)\n"
       "  z = BatchNormalization<training_mode = 0>(c, scale, shift, mean, var)"},
      {"gemm transA transB alpha beta C[N]",
       13,
       "float[3,4] a",
       "4,5",
       {{"w", {5, 3}}, {"cb", {5}}},
       5,
       "",
       "  g = Gemm<transA = 1, transB = 1, alpha = 0.7, beta = 1.3>(a, w, cb)\n"
       "  z = BatchNormalization(g, scale, shift, mean, var)"},
      {"gemm transB=0 no C",
       11,
       "float[2,4] a",
       "2,3",
       {{"w", {4, 3}}},
       3,
       "",
       "  g = Gemm<alpha = 2.0>(a, w)\n  z = BatchNormalization(g, scale, shift, mean, var)"},
      {"gemm C[1,N] beta 0.5, opset 7",
       7,
       "float[2,4] a",
       "2,3",
       {{"w", {4, 3}}, {"cb", {1, 3}}},
       3,
       "",
       "  g = Gemm<beta = 0.5>(a, w, cb)\n  z = BatchNormalization(g, scale, shift, mean, var)"},
      {"gemm scalar C",
       13,
       "float[2,4] a",
       "2,3",
       {{"w", {3, 4}}, {"cb", {1}}},
       3,
       "",
       "  g = Gemm<transB = 1, beta = 3.0>(a, w, cb)\n"
       "  z = BatchNormalization(g, scale, shift, mean, var)"},
      {"shared weight, two folds",
       13,
       "float[1,3,4,4] x",
       "1,3,4,4",
       {{"w", {3, 3, 1, 1}}},
       3,
       RandomBnInits(rng, 3, "2"),
       "  c1 = Conv(x, w)\n  y1 = BatchNormalization(c1, scale, shift, mean, var)\n"
       "  c2 = Conv(x, w)\n  y2 = BatchNormalization(c2, scale2, shift2, mean2, var2)\n"
       "  z = Add(y1, y2)"},
      {"BN chain folds twice",
       13,
       "float[1,3,4,4] x",
       "1,3,2,2",
       {{"w", {3, 3, 3, 3}}},
       3,
       RandomBnInits(rng, 3, "2"),
       "  c = Conv(x, w)\n  y1 = BatchNormalization(c, scale, shift, mean, var)\n"
       "  z = BatchNormalization(y1, scale2, shift2, mean2, var2)"},
  };
  for (const NumericCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> inits;
    for (const auto& [name, dims] : c.weights) inits.push_back(RandomInit(rng, name, dims, -1, 1));
    inits.push_back(RandomBnInits(rng, c.channels));
    if (!c.extra_inits.empty()) inits.push_back(c.extra_inits);
    std::string text = absl::Substitute(
        "<ir_version: 8, opset_import: [\"\" : $0]>\nm ($1) => (float[$2] z)\n  <$3> {\n$4\n}",
        c.opset, c.inputs, c.output_dims, absl::StrJoin(inits, ",\n   "), c.body);
    std::unique_ptr<Graph> g = Import(text);
    ASSERT_NE(g, nullptr);

    std::vector<Tensor> inputs;
    for (const Value* in : g->inputs()) {
      std::optional<std::vector<int64_t>> dims = in->type().StaticDims();
      ASSERT_TRUE(dims.has_value());
      std::uniform_real_distribution<float> dist(-1, 1);
      std::vector<float> values(NumElements(*dims));
      for (float& e : values) e = dist(rng);
      inputs.push_back(Tensor::FromVector(*dims, values));
    }
    std::vector<Tensor> before = RunGraph(*g, inputs);
    ASSERT_THAT(Fold(*g), IsOkAndHolds(true));
    RemoveDead(*g);
    for (const Node* n : g->nodes()) EXPECT_NE(n->op_type(), "BatchNormalization");
    std::vector<Tensor> after = RunGraph(*g, inputs);
    ASSERT_EQ(before.size(), 1u);
    ASSERT_EQ(after.size(), 1u);
    ASSERT_EQ(before[0].dims(), after[0].dims());
    double max_abs = 0, max_diff = 0;
    for (int64_t i = 0; i < before[0].num_elements(); ++i) {
      double b = before[0].data<float>()[i], a = after[0].data<float>()[i];
      max_abs = std::max(max_abs, std::abs(b));
      max_diff = std::max(max_diff, std::abs(b - a));
    }
    EXPECT_LE(max_diff, 1e-5 * std::max(1.0, max_abs)) << "max |before| = " << max_abs;
    EXPECT_GT(max_abs, 0.0);
  }
}

}  // namespace
}  // namespace quantc
