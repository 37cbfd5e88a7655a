// The TINPU target table (see target.h). Every number below cites the section
// of /work/shared/docs/tinpu-format.md it comes from; CheckNpuLayer, which
// applies the §6 layer rules to nodes, lives in npu_layer.cc.
#include "backends/tinpu/target.h"

#include "absl/strings/str_cat.h"
#include "util/check.h"

namespace quantc::tinpu {
namespace {

bool IsSupportedWidth(int bits) { return bits == 2 || bits == 4 || bits == 8; }

// Op vocabulary (§1.3). A row with allowed = false documents a known op that
// TI's exporter can leave behind but that has no place in a legal model, so
// legalization can say why instead of just "unsupported".
constexpr OpRule kOpRules[] = {
    {"Conv", true, "integer-weight convolution, no bias (§4.1); NNC FCONV/GCONV/DWCONV/PWCONV"},
    {"ConvTranspose", true, "NNC TCONV pattern ConvTranspose -> BNORM (§6)"},
    {"MatMul", true, "integer-weight fully-connected, weight [in, out] (§4.3); NNC FC"},
    {"Gemm", true, "MatMul + offset Add merged by the simplifier, C = offset (§1.3)"},
    {"Add", true, "OSS offset (§2) and residual add (§4.7)"},
    {"Mul", true,
     "OSS multiplier and 2^-shift (§2); final Mul(s_last) when output_int=False (§1.5)"},
    {"Floor", true, "OSS floor = arithmetic right shift (§2)"},
    {"Clip", true, "OSS saturation and activation clip (§2)"},
    {"Relu", true, "activation after an OSS (§4.1)"},
    {"Round", true, "exact integer recovery after a pooling window sum (§4.10, §4.11)"},
    {"ReduceSum", true, "global average pooling, axes (2,3) (§4.11)"},
    {"AveragePool", true, "non-global average pooling (§4.10); NNC maps it onto DWCONV"},
    {"MaxPool", true, "max pooling on integers is exact (§4.9)"},
    {"Flatten", true, "layout only, integers pass unchanged (§4.12)"},
    {"Transpose", true, "layout only, integers pass unchanged (§4.13)"},
    // Reshape is not in NNC's pattern list, but it moves integers without any
    // arithmetic (scale and values unchanged, exactly like Flatten), and TI's
    // own export keeps x.reshape/view as Reshape (§4.12). It is legal only
    // with a constant target shape: a computed shape needs Shape/Gather ops,
    // which are not in the vocabulary.
    {"Reshape", true, "layout only with a constant shape, like Flatten (§4.12)"},
    {"Pad", true, "zero padding in front of AveragePool (§1.3); constant mode, value 0 only"},
    // Like Reshape: a Slice with constant bounds copies integers (a channel
    // split, as ShuffleNet's x.chunk(2, dim=1) exports), no arithmetic.
    {"Slice", true, "layout only with constant starts, ends, axes and steps, like Reshape"},
    // Like Reshape, not emitted by TI's exporter (torch.cat gets no rule,
    // §4.15), but lower_to_integer first brings every input to the output's
    // scale, so Concat only moves integers; the NPU report lists it as CPU.
    {"Concat", true, "layout only, after each input is requantized to the output scale"},
    {"Sub", false,
     "only in the unequal-scale residual fallback (§4.7.3): float, subtracts stale zero points, "
     "not NPU-legal"},
    {"Identity", false, "exporter artefact; remove it before emitting (§1.3)"},
    {"BatchNormalization", false, "float op; fold into the conv or into an input OSS (§4.5, §4.6)"},
    {"GlobalAveragePool", false, "TINPU spells it ReduceSum -> Round -> OSS (§4.11)"},
    {"Div", false, "TINPU spells the shift as Mul(2^-shift) (§2)"},
    {"QuantizeLinear", false, "a TINPU model carries no Q/DQ nodes (§1.2)"},
    {"DequantizeLinear", false, "a TINPU model carries no Q/DQ nodes (§1.2)"},
};

// Pad's pad value must be 0: opset >= 11 passes it as input 2 (default 0),
// older opsets as the `value` attribute.
bool PadIsZeroConstant(const Node& n, std::string* why) {
  if (n.GetString("mode", "constant") != "constant") {
    *why = "Pad: only constant (zero) padding is allowed";
    return false;
  }
  const Value* value = n.input(2);
  if (value == nullptr) {
    if (n.GetFloat("value", 0.0f) == 0.0f) return true;
    *why = "Pad: pad value must be 0";
    return false;
  }
  if (!value->is_initializer() || value->initializer().num_elements() != 1 ||
      value->initializer().GetAsDouble(0) != 0.0) {
    *why = "Pad: pad value must be a constant 0";
    return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateBitWidths(const BitWidths& bits) {
  if (IsSupportedWidth(bits.weight) && IsSupportedWidth(bits.activation)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("TINPU supports 8, 4 and 2-bit weights and activations; got weight bits ",
                   bits.weight, ", activation bits ", bits.activation));
}

ClipRange UnsignedRange(int bits) { return {0, (int64_t{1} << bits) - 1}; }

ClipRange SignedRange(int bits) {
  return {-(int64_t{1} << (bits - 1)), (int64_t{1} << (bits - 1)) - 1};
}

ClipRange ResidualRange() { return {-512, 511}; }

ClipRange TiCompatConvRange(int bits) {
  int64_t m = (int64_t{1} << bits) - 1;
  return {-m, m};
}

int64_t WeightMax(int weight_bits) { return (int64_t{1} << (weight_bits - 1)) - 1; }

OssLimits LimitsFor(int weight_bits) {
  QC_CHECK(IsSupportedWidth(weight_bits));
  const int shift_max = (1 << kShiftBits) - 1;
  if (weight_bits == 8) return {1, shift_max, -(int64_t{1} << 23), (int64_t{1} << 23) - 1};
  return {kMultiplierFieldBits, shift_max, -(int64_t{1} << 15), (int64_t{1} << 15) - 1};
}

absl::Span<const OpRule> OpRules() { return kOpRules; }

const OpRule* FindOpRule(absl::string_view op_type) {
  for (const OpRule& r : kOpRules) {
    if (op_type == r.op) return &r;
  }
  return nullptr;
}

bool IsAllowedOp(absl::string_view op_type) {
  const OpRule* r = FindOpRule(op_type);
  return r != nullptr && r->allowed;
}

bool IsAllowedNode(const Node& n, std::string* why) {
  std::string scratch;
  std::string& reason = why ? *why : scratch;
  const OpRule* r = n.domain().empty() ? FindOpRule(n.op_type()) : nullptr;
  if (r == nullptr) {
    reason = absl::StrCat(n.op_type(), ": not in the TINPU op vocabulary");
    return false;
  }
  if (!r->allowed) {
    reason = absl::StrCat(n.op_type(), ": ", r->why);
    return false;
  }
  if (n.op_type() == "Pad") return PadIsZeroConstant(n, &reason);
  if (n.op_type() == "Reshape" && (n.input(1) == nullptr || !n.input(1)->is_initializer())) {
    reason = "Reshape: the target shape must be a constant";
    return false;
  }
  if (n.op_type() == "Slice") {
    for (int i = 1; i < n.num_inputs(); ++i) {
      if (n.input(i) != nullptr && !n.input(i)->is_initializer()) {
        reason = "Slice: starts, ends, axes and steps must be constants";
        return false;
      }
    }
  }
  return true;
}

// §6 layer table. Kernel limits apply to the kernel *extent* (its largest
// spatial dimension): §6 says "width" for FCONV/DWCONV and "height" for GCONV,
// while TINPU time-series models carry the sequence along H with kW = 1, so a
// per-axis reading would let every (k, 1) kernel through FCONV/DWCONV.
const NpuLayerRules& NpuRules() {
  static const NpuLayerRules* const rules = new NpuLayerRules{
      /*channel_multiple=*/4,
      /*fconv_in_channels=*/1,
      /*fconv_max_kernel=*/8,
      /*gconv_max_kernel=*/7,
      /*dwconv_max_kernel=*/7,
      /*gconv_strides=*/{{1, 1}, {2, 1}, {2, 2}},
      /*fc_min_inputs_w8=*/16,
      /*fc_min_inputs_low=*/8,
      /*maxpool_max_kernel=*/4,
      /*gap_min_area=*/2,
  };
  return *rules;
}

const char* NpuLayerKindName(NpuLayerKind kind) {
  switch (kind) {
    case NpuLayerKind::kFirstConv:
      return "FCONV";
    case NpuLayerKind::kGeneralConv:
      return "GCONV";
    case NpuLayerKind::kDepthwiseConv:
      return "DWCONV";
    case NpuLayerKind::kPointwiseConv:
      return "PWCONV";
    case NpuLayerKind::kTransposedConv:
      return "TCONV";
    case NpuLayerKind::kFullyConnected:
      return "FC";
    case NpuLayerKind::kMaxPool:
      return "MAXPOOL";
    case NpuLayerKind::kAvgPool:
      return "AVGPOOL";
    case NpuLayerKind::kGlobalAvgPool:
      return "GAP";
    case NpuLayerKind::kOther:
      return "OTHER";
  }
  return "OTHER";
}

}  // namespace quantc::tinpu
