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
// eligibility report shows everything a model designer must change.
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
  // Records `constraint` as failed unless `ok`; `got` is the actual value.
  void Require(bool ok, absl::string_view constraint, absl::string_view got) {
    if (!ok) failed_.push_back(absl::StrCat(constraint, " (got ", got, ")"));
  }
  LayerFit Done() const { return {kind_, failed_.empty(), absl::StrJoin(failed_, "; ")}; }

 private:
  NpuLayerKind kind_;
  std::vector<std::string> failed_;
};

LayerFit Fail(NpuLayerKind kind, std::string why) { return {kind, false, std::move(why)}; }

std::string MultipleOf(absl::string_view what) {
  return absl::StrCat(what, " multiple of ", NpuRules().channel_multiple);
}

bool IsMultiple(int64_t c) { return c > 0 && c % NpuRules().channel_multiple == 0; }

LayerFit CheckConv(const Node& n, bool is_first) {
  const NpuLayerRules& r = NpuRules();
  auto w = DimsOf(n.input(1));
  if (!w) return Fail(NpuLayerKind::kOther, "weight shape unknown");
  if (w->size() != 3 && w->size() != 4) {
    return Fail(NpuLayerKind::kOther,
                absl::StrCat("NNC convolutions are 2-D (weight rank ", w->size(), ")"));
  }
  const int64_t group = n.GetInt("group", 1);
  const int64_t c_out = (*w)[0], c_in = (*w)[1] * group;
  const int64_t kh = (*w)[2], kw = w->size() == 4 ? (*w)[3] : 1;
  const int64_t extent = std::max(kh, kw);
  std::vector<int64_t> s = n.GetInts("strides");
  const int64_t sh = s.empty() ? 1 : s[0], sw = s.size() > 1 ? s[1] : 1;

  if (group > 1 && group == c_in) {
    Checker c(NpuLayerKind::kDepthwiseConv);
    c.Require(extent <= r.dwconv_max_kernel, absl::StrCat("kernel <= ", r.dwconv_max_kernel),
              Hw(kh, kw));
    return c.Done();
  }
  if (group == 1 && (c_in == r.fconv_in_channels || (is_first && !IsMultiple(c_in)))) {
    Checker c(NpuLayerKind::kFirstConv);
    c.Require(c_in == r.fconv_in_channels, absl::StrCat("in channels ", r.fconv_in_channels),
              absl::StrCat(c_in));
    c.Require(IsMultiple(c_out), MultipleOf("out channels"), absl::StrCat(c_out));
    c.Require(extent <= r.fconv_max_kernel, absl::StrCat("kernel <= ", r.fconv_max_kernel),
              Hw(kh, kw));
    return c.Done();
  }
  if (group == 1 && kh == 1 && kw == 1) {
    Checker c(NpuLayerKind::kPointwiseConv);
    c.Require(IsMultiple(c_in), MultipleOf("in channels"), absl::StrCat(c_in));
    c.Require(IsMultiple(c_out), MultipleOf("out channels"), absl::StrCat(c_out));
    return c.Done();
  }
  Checker c(NpuLayerKind::kGeneralConv);
  c.Require(group == 1, "groups 1 or in channels (grouped conv has no NNC config)",
            absl::StrCat("groups ", group, ", in channels ", c_in));
  c.Require(IsMultiple(c_in), MultipleOf("in channels"), absl::StrCat(c_in));
  c.Require(IsMultiple(c_out), MultipleOf("out channels"), absl::StrCat(c_out));
  c.Require(extent <= r.gconv_max_kernel, absl::StrCat("kernel <= ", r.gconv_max_kernel),
            Hw(kh, kw));
  bool stride_ok = std::find(r.gconv_strides.begin(), r.gconv_strides.end(),
                             std::make_pair(sh, sw)) != r.gconv_strides.end();
  std::vector<std::string> allowed;
  for (const auto& [h, v] : r.gconv_strides) allowed.push_back(absl::StrCat("(", h, ",", v, ")"));
  c.Require(stride_ok, absl::StrCat("strides ", absl::StrJoin(allowed, ", ")),
            absl::StrCat("(", sh, ",", sw, ")"));
  return c.Done();
}

// Gemm/MatMul with a constant 2-D weight is NNC's FC; K = input features.
LayerFit CheckFullyConnected(const Node& n, const BitWidths& bits) {
  const Value* b = n.input(1);
  if (!IsConstantWeight(b)) {
    return Fail(NpuLayerKind::kOther, "second operand is not a constant weight (not an FC layer)");
  }
  auto w = DimsOf(b);
  if (!w || w->size() != 2) return Fail(NpuLayerKind::kOther, "FC weight must be 2-D");
  const bool trans_b = n.op_type() == "Gemm" && n.GetInt("transB", 0) != 0;
  const int64_t k = trans_b ? (*w)[1] : (*w)[0];
  // §6 gives 16 for 8-bit and 8 for 4-bit weights; NNC groups 2-bit with
  // 4-bit everywhere else (offset and multiplier widths), so 2-bit takes 8.
  const NpuLayerRules& r = NpuRules();
  const int64_t min_k = bits.weight >= 8 ? r.fc_min_inputs_w8 : r.fc_min_inputs_low;
  Checker c(NpuLayerKind::kFullyConnected);
  c.Require(k >= min_k,
            absl::StrCat("input features >= ", min_k, " at ", bits.weight, "-bit weights"),
            absl::StrCat(k));
  return c.Done();
}

// Spatial area H*W of a global pool's input [N, C, spatial...].
LayerFit CheckGlobalPool(const Node& n) {
  auto x = DimsOf(n.input(0));
  if (!x || x->size() < 3) return Fail(NpuLayerKind::kGlobalAvgPool, "input spatial shape unknown");
  int64_t area = 1;
  std::vector<std::string> parts;
  for (size_t i = 2; i < x->size(); ++i) {
    area *= (*x)[i];
    parts.push_back(absl::StrCat((*x)[i]));
  }
  Checker c(NpuLayerKind::kGlobalAvgPool);
  c.Require(area > NpuRules().gap_min_area, absl::StrCat("H*W > ", NpuRules().gap_min_area),
            absl::StrJoin(parts, "x"));
  return c.Done();
}

LayerFit CheckPool(const Node& n) {
  std::vector<int64_t> k = n.GetInts("kernel_shape");
  if (k.empty() || k.size() > 2) {
    return Fail(NpuLayerKind::kOther, "NNC pools are 1-D or 2-D with a kernel_shape");
  }
  const int64_t kh = k[0], kw = k.size() > 1 ? k[1] : 1;
  const NpuLayerRules& r = NpuRules();
  if (n.op_type() == "MaxPool") {
    Checker c(NpuLayerKind::kMaxPool);
    c.Require(std::min(kh, kw) <= r.maxpool_max_kernel,
              absl::StrCat("kernel <= ", r.maxpool_max_kernel, " in at least one dimension"),
              Hw(kh, kw));
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
  c.Require(std::max(kh, kw) <= r.dwconv_max_kernel,
            absl::StrCat("kernel <= ", r.dwconv_max_kernel, " (as DWCONV)"), Hw(kh, kw));
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
  if (!n.domain().empty()) return Fail(NpuLayerKind::kOther, "not an ONNX-domain op");
  if (op == "Conv") return CheckConv(n, is_first);
  if (op == "ConvTranspose") {
    return Fail(NpuLayerKind::kTransposedConv,
                "TCONV constraints are not in the target table (format doc §6 lists none)");
  }
  if (op == "Gemm" || op == "MatMul") return CheckFullyConnected(n, bits);
  if (op == "MaxPool" || op == "AveragePool") return CheckPool(n);
  if (op == "GlobalAveragePool" || IsSpatialReduceSum(n)) return CheckGlobalPool(n);
  return Fail(NpuLayerKind::kOther, absl::StrCat(op, " is not an NPU layer"));
}

}  // namespace quantc::tinpu
