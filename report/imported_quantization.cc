#include "report/imported_quantization.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "ir/printer.h"
#include "passes/quant_roles.h"
#include "quant/numeric.h"
#include "quant/qparams.h"
#include "util/json.h"

namespace quantc {
namespace {

std::string NameOf(const Node* n) {
  if (!n) return "";
  return n->name().empty() ? n->output(0)->name() : n->name();
}

// symmetric: zero point in the middle of the storage range (int8 0, uint8
// 128, or PyTorch's 127); unsigned: at its bottom; anything else asymmetric.
std::string Scheme(const QuantParams& p, const IntRange& r) {
  bool mid = true, bottom = true;
  for (int64_t z : p.zero_point) {
    const int64_t m = (r.qmin + r.qmax + 1) / 2;
    mid = mid && (z == m || z == m - 1);
    bottom = bottom && z == r.qmin;
  }
  if (mid) return "symmetric";
  return bottom ? "unsigned" : "asymmetric";
}

TensorQuantization Describe(const Value& v, const std::string& kind, const Node* layer) {
  const QuantParams& p = *v.quant();
  TensorQuantization t;
  t.name = v.name();
  t.kind = kind;
  t.layer = NameOf(layer);
  t.storage = p.storage;
  t.bits = static_cast<int>(DTypeSize(p.storage) * 8);
  const IntRange r = RangeFor(p.storage, t.bits, false);
  t.qmin = r.qmin;
  t.qmax = r.qmax;
  if (v.is_initializer()) {
    const Tensor& c = v.initializer();
    t.qmin = r.qmax;
    t.qmax = r.qmin;
    for (int64_t i = 0; i < c.num_elements(); ++i) {
      const int64_t q = static_cast<int64_t>(c.GetAsDouble(i));
      t.qmin = std::min(t.qmin, q);
      t.qmax = std::max(t.qmax, q);
    }
  }
  t.scheme = Scheme(p, r);
  t.channels = static_cast<int64_t>(p.scale.size());
  t.axis = p.axis ? *p.axis : -1;
  t.scale_min = *std::min_element(p.scale.begin(), p.scale.end());
  t.scale_max = *std::max_element(p.scale.begin(), p.scale.end());
  t.power_of_two =
      std::all_of(p.scale.begin(), p.scale.end(), [](float s) { return IsPowerOfTwo(s); });
  t.zero_point_min = *std::min_element(p.zero_point.begin(), p.zero_point.end());
  t.zero_point_max = *std::max_element(p.zero_point.begin(), p.zero_point.end());
  return t;
}

std::string Range(double lo, double hi) {
  return lo == hi ? FormatFloat(static_cast<float>(lo))
                  : absl::StrCat(FormatFloat(static_cast<float>(lo)), "..",
                                 FormatFloat(static_cast<float>(hi)));
}

}  // namespace

std::vector<TensorQuantization> DescribeQuantization(const Graph& g) {
  std::vector<TensorQuantization> out;
  for (const Node* n : g.nodes()) {
    if (n->op_type() == "QuantizeLinear" && n->output(0)->quant()) {
      out.push_back(Describe(*n->output(0), "activation", n->input(0)->producer()));
      // The tensor users know, not the Q output; a model output keeps its
      // public name on the DequantizeLinear.
      const Value* dq = DequantizedOutput(*n);
      out.back().name = dq && g.IsGraphOutput(dq) ? dq->name() : n->input(0)->name();
    }
    if (n->op_type() != "DequantizeLinear" || !n->input(0)->is_initializer() ||
        !n->input(0)->quant()) {
      continue;
    }
    const Value& c = *n->input(0);
    const bool bias = c.quant()->kind == QuantTensorKind::kBias;
    const Node* layer = n->output(0)->uses().empty() ? nullptr : n->output(0)->uses()[0].user;
    out.push_back(Describe(c, bias ? "bias" : "weight", layer));
    if (layer) out.back().name = NameOf(layer);  // exporters' constant names say little
  }
  return out;
}

std::string QuantizationToText(const std::vector<TensorQuantization>& ts) {
  std::string out =
      fmt::format("{:<40} {:<10} {:<4} {:<5} {:<11} {:<16} {:<24} {}\n", "tensor", "kind", "type",
                  "ints", "scheme", "granularity", "scale", "zero point");
  for (const TensorQuantization& t : ts) {
    const std::string gran = t.channels == 1
                                 ? "per-tensor"
                                 : absl::StrCat("per-channel(", t.channels, ", axis ", t.axis, ")");
    const std::string scale =
        absl::StrCat(Range(t.scale_min, t.scale_max), t.power_of_two ? " (2^k)" : "");
    const std::string ints =
        t.kind == "activation" ? absl::StrCat(t.bits) : absl::StrCat("[", t.qmin, ",", t.qmax, "]");
    out += fmt::format("{:<40} {:<10} {:<4} {:<5} {:<11} {:<16} {:<24} {}\n", t.name, t.kind,
                       DTypeName(t.storage), ints, t.scheme, gran, scale,
                       t.zero_point_min == t.zero_point_max
                           ? absl::StrCat(t.zero_point_min)
                           : absl::StrCat(t.zero_point_min, "..", t.zero_point_max));
  }
  return out;
}

std::string QuantizationToJson(const std::vector<TensorQuantization>& ts) {
  std::vector<std::string> rows;
  for (const TensorQuantization& t : ts) {
    rows.push_back(absl::StrCat(
        "{\"tensor\":", JsonString(t.name), ",\"kind\":", JsonString(t.kind), ",\"layer\":",
        JsonString(t.layer), ",\"type\":", JsonString(DTypeName(t.storage)), ",\"bits\":", t.bits,
        ",\"int_range\":[", t.qmin, ",", t.qmax, "],\"scheme\":", JsonString(t.scheme),
        ",\"per_channel\":", t.channels > 1 ? "true" : "false", ",\"channels\":", t.channels,
        ",\"axis\":", t.axis, ",\"scale_min\":", fmt::format("{:.9g}", t.scale_min),
        ",\"scale_max\":", fmt::format("{:.9g}", t.scale_max),
        ",\"power_of_two\":", t.power_of_two ? "true" : "false",
        ",\"zero_point_min\":", t.zero_point_min, ",\"zero_point_max\":", t.zero_point_max, "}"));
  }
  return absl::StrCat("[", absl::StrJoin(rows, ",\n  "), "]");
}

}  // namespace quantc
