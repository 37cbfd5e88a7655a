// CheckNpuLayer: maps one node onto NNC's NPU layer configurations (format
// doc §6) using the numbers of NpuRules() (target.cc).
//
// Classification of a Conv with weight [C_out, C_in/g, kH(, kW)] and group g
// (a 1-D conv's kernel k is read as (k, 1), the TINPU time-series layout):
//   g > 1 and g == C_in                  -> DWCONV
//   g > 1 otherwise                      -> GCONV (fails: grouped conv has no NNC config)
//   C_in == 1, or first conv with C_in % 4 != 0
//                                        -> FCONV (the only config for such an input)
//   1x1 kernel                           -> PWCONV
//   otherwise                            -> GCONV
// Every failed constraint is reported, not just the first, so one run of the
// eligibility report shows everything a model designer must change. Each
// reason is written for that designer: which NPU configuration the layer
// maps to and what it needs, what this layer has, and what would make it
// fit, e.g. "FCONV (the NPU's first convolution) reads 1 input channel:
// this layer reads 3; pad the model input to 4 channels (zeros) and it runs
// as a general convolution (GCONV)".
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/tinpu/target.h"

namespace quantc::tinpu {
namespace {

// Static dims of `v`: its type, else its initializer, else (QDQ form) the
// initializer a DequantizeLinear dequantizes.
std::optional<std::vector<int64_t>> DimsOf(const Value* v) {
  if (v == nullptr) return std::nullopt;
  if (auto d = v->type().StaticDims()) return d;
  if (v->is_initializer()) return v->initializer().dims();
  const Node* p = v->producer();
  if (p != nullptr && p->op_type() == "DequantizeLinear") return DimsOf(p->input(0));
  return std::nullopt;
}

// A weight operand: a constant, possibly behind a DequantizeLinear.
bool IsConstantWeight(const Value* v) {
  if (v == nullptr) return false;
  if (v->is_initializer()) return true;
  const Node* p = v->producer();
  return p != nullptr && p->op_type() == "DequantizeLinear" && p->input(0) != nullptr &&
         p->input(0)->is_initializer();
}

// Spatial extent as "HxW" for messages.
std::string Hw(int64_t h, int64_t w) { return absl::StrCat(h, "x", w); }

class Checker {
 public:
  explicit Checker(NpuLayerKind kind) : kind_(kind) {}
  // Records a failed constraint unless `ok`: what the NPU needs, what the
  // layer has, and (optionally) what would make it fit.
  void Require(bool ok, absl::string_view needs, absl::string_view has,
               absl::string_view fix = "") {
    if (ok) return;
    std::string why = absl::StrCat(needs, ": this layer has ", has);
    if (!fix.empty()) absl::StrAppend(&why, "; ", fix);
    failed_.push_back(std::move(why));
  }
  bool ok() const { return failed_.empty(); }
  LayerFit Done() const { return {kind_, failed_.empty(), absl::StrJoin(failed_, "; ")}; }

 private:
  NpuLayerKind kind_;
  std::vector<std::string> failed_;
};

LayerFit Fail(NpuLayerKind kind, std::string why) { return {kind, false, std::move(why)}; }

bool IsMultiple(int64_t c) { return c > 0 && c % NpuRules().channel_multiple == 0; }

int64_t RoundUpToMultiple(int64_t c) {
  const int64_t m = NpuRules().channel_multiple;
  return (std::max<int64_t>(c, 1) + m - 1) / m * m;
}

// "input channels must be a multiple of 4: this layer has 6; 8 would fit".
void RequireChannels(Checker& c, const char* which, int64_t got, const char* how) {
  c.Require(IsMultiple(got),
            absl::StrCat(which, " channels must be a multiple of ", NpuRules().channel_multiple),
            absl::StrCat(got),
            absl::StrCat(RoundUpToMultiple(got), " would fit (", how, ")"));
}

constexpr char kMoreInputs[] = "zero-padded channels, the layer before producing them";
constexpr char kMoreOutputs[] = "extra all-zero filters whose outputs are ignored";

void RequireKernel(Checker& c, int64_t extent, int64_t max, int64_t kh, int64_t kw,
                   absl::string_view what) {
  c.Require(extent <= max, absl::StrCat(what, " kernels are at most ", max, " wide"), Hw(kh, kw),
            "use a smaller kernel, or two stacked ones");
}

// A general convolution's stride and kernel rules (channels checked apart).
void RequireGconvShape(Checker& c, int64_t kh, int64_t kw, int64_t sh, int64_t sw) {
  const NpuLayerRules& r = NpuRules();
  RequireKernel(c, std::max(kh, kw), r.gconv_max_kernel, kh, kw, "GCONV");
  bool stride_ok = std::find(r.gconv_strides.begin(), r.gconv_strides.end(),
                             std::make_pair(sh, sw)) != r.gconv_strides.end();
  std::vector<std::string> allowed;
  for (const auto& [h, v] : r.gconv_strides) allowed.push_back(absl::StrCat("(", h, ",", v, ")"));
  c.Require(stride_ok, absl::StrCat("GCONV strides are ", absl::StrJoin(allowed, ", ")),
            absl::StrCat("(", sh, ",", sw, ")"));
}

// A first conv that reads too many channels for FCONV: what padding its
// input channels to a multiple of 4 would give (it then maps to GCONV).
std::string FirstConvFix(int64_t c_in, int64_t c_out, int64_t kh, int64_t kw, int64_t sh,
                         int64_t sw) {
  Checker gconv(NpuLayerKind::kGeneralConv);
  RequireChannels(gconv, "output", c_out, kMoreOutputs);
  RequireGconvShape(gconv, kh, kw, sh, sw);
  std::string fix = absl::StrCat("give the model a 1-channel input, or pad it to ",
                                 RoundUpToMultiple(c_in),
                                 " channels (zeros) so this layer runs as a general convolution "
                                 "(GCONV)");
  if (!gconv.ok()) absl::StrAppend(&fix, ", where ", gconv.Done().failed_constraint);
  return fix;
}

LayerFit CheckConv(const Node& n, bool is_first) {
  const NpuLayerRules& r = NpuRules();
  auto w = DimsOf(n.input(1));
  if (!w) return Fail(NpuLayerKind::kOther, "the weight shape is unknown");
  if (w->size() != 3 && w->size() != 4) {
    return Fail(NpuLayerKind::kOther,
                absl::StrCat("NPU convolutions are 1-D or 2-D: this layer's weight has rank ",
                             w->size()));
  }
  const int64_t group = n.GetInt("group", 1);
  const int64_t c_out = (*w)[0], c_in = (*w)[1] * group;
  const int64_t kh = (*w)[2], kw = w->size() == 4 ? (*w)[3] : 1;
  const int64_t extent = std::max(kh, kw);
  std::vector<int64_t> s = n.GetInts("strides");
  const int64_t sh = s.empty() ? 1 : s[0], sw = s.size() > 1 ? s[1] : 1;

  if (group > 1 && group == c_in) {
    Checker c(NpuLayerKind::kDepthwiseConv);
    RequireKernel(c, extent, r.dwconv_max_kernel, kh, kw, "DWCONV (depthwise convolution)");
    return c.Done();
  }
  if (group == 1 && (c_in == r.fconv_in_channels || (is_first && !IsMultiple(c_in)))) {
    Checker c(NpuLayerKind::kFirstConv);
    c.Require(c_in == r.fconv_in_channels,
              absl::StrCat("FCONV (the NPU's first convolution) reads ", r.fconv_in_channels,
                           " input channel"),
              absl::StrCat(c_in, " input channels"), FirstConvFix(c_in, c_out, kh, kw, sh, sw));
    RequireChannels(c, "FCONV output", c_out, kMoreOutputs);
    RequireKernel(c, extent, r.fconv_max_kernel, kh, kw, "FCONV");
    return c.Done();
  }
  if (group == 1 && kh == 1 && kw == 1) {
    Checker c(NpuLayerKind::kPointwiseConv);
    RequireChannels(c, "PWCONV (1x1 convolution) input", c_in, kMoreInputs);
    RequireChannels(c, "PWCONV (1x1 convolution) output", c_out, kMoreOutputs);
    return c.Done();
  }
  Checker c(NpuLayerKind::kGeneralConv);
  c.Require(group == 1,
            "a grouped convolution runs on the NPU only as depthwise (groups = input channels)",
            absl::StrCat(group, " groups over ", c_in, " input channels"),
            absl::StrCat("use groups 1 or ", c_in));
  RequireChannels(c, "GCONV (general convolution) input", c_in, kMoreInputs);
  RequireChannels(c, "GCONV output", c_out, kMoreOutputs);
  RequireGconvShape(c, kh, kw, sh, sw);
  return c.Done();
}

// Gemm/MatMul with a constant 2-D weight is NNC's FC; K = input features.
LayerFit CheckFullyConnected(const Node& n, const BitWidths& bits) {
  const Value* b = n.input(1);
  if (!IsConstantWeight(b)) {
    return Fail(NpuLayerKind::kOther,
                "its second operand is computed, not a constant weight (not an FC layer)");
  }
  auto w = DimsOf(b);
  if (!w || w->size() != 2) {
    return Fail(NpuLayerKind::kOther, "an NPU fully connected layer has a 2-D weight");
  }
  const bool trans_b = n.op_type() == "Gemm" && n.GetInt("transB", 0) != 0;
  const int64_t k = trans_b ? (*w)[1] : (*w)[0];
  // §6 gives 16 for 8-bit and 8 for 4-bit weights; NNC groups 2-bit with
  // 4-bit everywhere else (offset and multiplier widths), so 2-bit takes 8.
  const NpuLayerRules& r = NpuRules();
  const int64_t min_k = bits.weight >= 8 ? r.fc_min_inputs_w8 : r.fc_min_inputs_low;
  Checker c(NpuLayerKind::kFullyConnected);
  c.Require(k >= min_k,
            absl::StrCat("an FC (fully connected) layer reads at least ", min_k,
                         " input features at ", bits.weight, "-bit weights"),
            absl::StrCat(k),
            bits.weight >= 8 ? absl::StrCat("widen its input, or use 4-bit weights (at least ",
                                            r.fc_min_inputs_low, ")")
                             : "widen its input");
  return c.Done();
}

// Spatial area H*W of a global pool's input [N, C, spatial...].
LayerFit CheckGlobalPool(const Node& n) {
  auto x = DimsOf(n.input(0));
  if (!x || x->size() < 3) {
    return Fail(NpuLayerKind::kGlobalAvgPool, "the input's spatial shape is unknown");
  }
  int64_t area = 1;
  std::vector<std::string> parts;
  for (size_t i = 2; i < x->size(); ++i) {
    area *= (*x)[i];
    parts.push_back(absl::StrCat((*x)[i]));
  }
  Checker c(NpuLayerKind::kGlobalAvgPool);
  c.Require(area > NpuRules().gap_min_area,
            absl::StrCat("global average pooling needs more than ", NpuRules().gap_min_area,
                         " input positions (H*W)"),
            absl::StrJoin(parts, "x"), "pool before a smaller feature map is reached");
  return c.Done();
}

LayerFit CheckPool(const Node& n) {
  std::vector<int64_t> k = n.GetInts("kernel_shape");
  if (k.empty() || k.size() > 2) {
    return Fail(NpuLayerKind::kOther, "NPU pools are 1-D or 2-D with a kernel_shape");
  }
  const int64_t kh = k[0], kw = k.size() > 1 ? k[1] : 1;
  const NpuLayerRules& r = NpuRules();
  if (n.op_type() == "MaxPool") {
    Checker c(NpuLayerKind::kMaxPool);
    c.Require(std::min(kh, kw) <= r.maxpool_max_kernel,
              absl::StrCat("MAXPOOL kernels are at most ", r.maxpool_max_kernel,
                           " in at least one dimension"),
              Hw(kh, kw), "use a smaller window, or two stacked pools");
    return c.Done();
  }
  // An AveragePool whose unpadded window is the whole input is global.
  auto x = DimsOf(n.input(0));
  std::vector<int64_t> pads = n.GetInts("pads");
  const std::string auto_pad = n.GetString("auto_pad", "NOTSET");
  bool unpadded = (auto_pad == "NOTSET" || auto_pad == "VALID") &&
                  std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; });
  if (x && x->size() == k.size() + 2 && unpadded &&
      std::equal(k.begin(), k.end(), x->begin() + 2)) {
    return CheckGlobalPool(n);
  }
  // §6: a non-global average pool is mapped onto DWCONV.
  Checker c(NpuLayerKind::kAvgPool);
  RequireKernel(c, std::max(kh, kw), r.dwconv_max_kernel, kh, kw,
                "average pooling runs as a depthwise convolution (DWCONV), whose");
  return c.Done();
}

// ReduceSum over exactly axes 2..rank-1 (TINPU's global average pool, §4.11).
// Axes are an attribute before opset 13 and an input from 13 on.
bool IsSpatialReduceSum(const Node& n) {
  if (n.op_type() != "ReduceSum") return false;
  auto x = DimsOf(n.input(0));
  if (!x || x->size() < 3) return false;
  std::vector<int64_t> axes = n.GetInts("axes");
  if (const Value* a = n.input(1); a != nullptr) {
    if (!a->is_initializer()) return false;
    for (int64_t i = 0; i < a->initializer().num_elements(); ++i) {
      axes.push_back(static_cast<int64_t>(a->initializer().GetAsDouble(i)));
    }
  }
  const int64_t rank = static_cast<int64_t>(x->size());
  for (int64_t& ax : axes) ax = ax < 0 ? ax + rank : ax;
  std::sort(axes.begin(), axes.end());
  if (static_cast<int64_t>(axes.size()) != rank - 2) return false;
  for (int64_t i = 0; i < rank - 2; ++i) {
    if (axes[i] != i + 2) return false;
  }
  return true;
}

}  // namespace

bool IsNpuLayerCandidate(const Node& n) {
  if (!n.domain().empty()) return false;
  static const char* const kOps[] = {"Conv",        "ConvTranspose",    "Gemm", "MatMul", "MaxPool",
                                     "AveragePool", "GlobalAveragePool"};
  for (const char* op : kOps) {
    if (n.op_type() == op) return true;
  }
  return IsSpatialReduceSum(n);
}

LayerFit CheckNpuLayer(const Node& n, bool is_first, const BitWidths& bits) {
  const std::string& op = n.op_type();
  if (!n.domain().empty()) return Fail(NpuLayerKind::kOther, "not a standard ONNX op");
  if (op == "Conv") return CheckConv(n, is_first);
  if (op == "ConvTranspose") {
    return Fail(NpuLayerKind::kTransposedConv,
                "TI documents no NPU constraints for transposed convolutions (TCONV), so quantc "
                "cannot promise one runs there");
  }
  if (op == "Gemm" || op == "MatMul") return CheckFullyConnected(n, bits);
  if (op == "MaxPool" || op == "AveragePool") return CheckPool(n);
  if (op == "GlobalAveragePool" || IsSpatialReduceSum(n)) return CheckGlobalPool(n);
  return Fail(NpuLayerKind::kOther, absl::StrCat(op, " is not an NPU layer"));
}

}  // namespace quantc::tinpu
