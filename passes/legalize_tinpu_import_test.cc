// legalize_tinpu on quantization quantc did not choose (models quantized
// elsewhere, after passes/import): PyTorch's quint8 zero point 127, a scale
// just above a power of two, int8 weights at -128, and repairs reported
// without calibration data. Expected values are derived by hand in each
// comment.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/onnx_import.h"
#include "ir/verifier.h"
#include "passes/import/import_quantization.h"
#include "passes/legalize_tinpu.h"
#include "passes/quant_roles.h"

namespace quantc {
namespace {

using ::testing::HasSubstr;

// x: uint8 zero point 127 at 2^-5 (TI GENERIC's signed activations);
// w: int8 per channel at 2^-7 with one -128 (PyTorch's qint8 range); y:
// int8 zero point `y_zp` at `y_scale`.
std::unique_ptr<Graph> Model(float y_scale, int y_zp) {
  auto g = ImportModelText(absl::StrCat(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,1,1] x) => (float[1,2,1,1] y)
  <float s = {0.03125}, uint8 zp = {127}, int8[2,2,1,1] w = {-128, 5, 64, 3}, float[2] ws = {0.0078125, 0.0078125},
   int8[2] wzp = {0, 0}, float ys = {)",
                                        y_scale, R"(}, int8 yzp = {)", y_zp, R"(}> {
  q = QuantizeLinear(x, s, zp)
  d = DequantizeLinear(q, s, zp)
  wd = DequantizeLinear<axis = 0>(w, ws, wzp)
  c = Conv<kernel_shape = [1, 1]>(d, wd)
  yq = QuantizeLinear(c, ys, yzp)
  y = DequantizeLinear(yq, ys, yzp)
})"));
  EXPECT_TRUE(g.ok()) << g.status();
  EXPECT_TRUE(ImportQuantizationPass().Run(**g).ok());
  return *std::move(g);
}

std::vector<Diagnostic> Legalize(Graph& g) {
  std::vector<Diagnostic> log;
  LegalizeTinpuOptions o;
  o.input_prequantized = true;  // no input-quantize block: its limit is not the subject here
  o.log = &log;
  EXPECT_TRUE(LegalizeTinpuPass(o).Run(g).ok());
  EXPECT_TRUE(VerifyGraph(g).ok());
  return log;
}

const QuantParams& Q(const Graph& g, const char* name) { return *g.FindValue(name)->quant(); }

TEST(LegalizeTinpuImported, ZeroPointOneCodeOffKeepsItsScale) {
  auto g = Model(0.015625f, 0);
  std::vector<Diagnostic> log = Legalize(*g);
  // uint8 zero point 127 -> 128 (the signed domain), scale 2^-5 kept: only
  // the top code (128 * 2^-5 = 4) is lost, instead of doubling the step.
  EXPECT_EQ(Q(*g, "q").zero_point[0], 128);
  EXPECT_EQ(Q(*g, "q").scale[0], 0.03125f);
  ASSERT_FALSE(log.empty());
  EXPECT_THAT(log[0].message, HasSubstr("zero point 127 -> 128"));
  EXPECT_THAT(log[0].message, HasSubstr("the value 4 at the range's end"));
  // No data: an estimate, 0 dB for an unchanged step, hence a note.
  EXPECT_EQ(log[0].severity, Diagnostic::Severity::kNote);
  EXPECT_THAT(log[0].message, HasSubstr("not measured on the model's output"));
}

TEST(LegalizeTinpuImported, WeightAtMinus128ClipsToTheNarrowRange) {
  auto g = Model(0.015625f, 0);
  std::vector<Diagnostic> log = Legalize(*g);
  const Value* w = DequantizedConstant(g->FindValue("c")->producer()->input(1));
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->initializer().GetAsDouble(0), -127);
  EXPECT_EQ(w->initializer().GetAsDouble(1), 5);
  bool reported = false;
  for (const Diagnostic& d : log) {
    reported =
        reported || (d.subject.find("weights of") == 0 &&
                     d.message.find("1 of 4 integer weights outside +-127") != std::string::npos);
  }
  EXPECT_TRUE(reported);
}

TEST(LegalizeTinpuImported, ScaleJustAboveAPowerOfTwoRoundsDown) {
  // 0.0157 = 2^-6 * 1.0048: rounding down to 2^-6 clips the top
  // 128 * (1 - 1/1.0048) = 0.6 codes (<= 2), rounding up would halve the
  // resolution. 0.02 = 2^-6 * 1.28 would clip 28 codes: it rounds up, 2^-5.
  auto g = Model(0.0157f, 0);
  Legalize(*g);
  EXPECT_EQ(Q(*g, "yq").scale[0], 0.015625f);
  auto g2 = Model(0.02f, 0);
  std::vector<Diagnostic> log = Legalize(*g2);
  EXPECT_EQ(Q(*g2, "yq").scale[0], 0.03125f);
  // Estimate: 20 log10(0.03125 / 0.02) = 3.9 dB of that tensor's SQNR: a warning.
  bool warned = false;
  for (const Diagnostic& d : log) {
    if (d.subject.find("tensor 'y'") == 0) {
      warned = d.severity == Diagnostic::Severity::kWarning &&
               d.message.find("about 3.9 dB") != std::string::npos;
    }
  }
  EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace quantc
