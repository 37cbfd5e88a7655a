// normalize_qdq: imported Q/DQ nodes in the shape quantc's own insert_qdq
// produces, so legalize_tinpu and lower_to_integer read them unchanged.
//
//   Before:  %q = QuantizeLinear(%x, %s1: f32[1], %zp1: u8[1])
//            %d = DequantizeLinear(%q, %s1_copy: f32[1], %zp1_copy)          (equal values)
//            %q2 = QuantizeLinear(%d, %s1, %zp1);  %d2 = DequantizeLinear(%q2, ...)   (redundant)
//            %k = DequantizeLinear(%c: u8[4] const, %sc, %zc);  %y = Add(%d2, %k)
//   After:   %q = QuantizeLinear(%x, %s1s: f32 scalar, %zp1s: u8 scalar)
//            %d = DequantizeLinear(%q, %s1s, %zp1s);  %y = Add(%d, %k_real: f32[4])
//
// Rules, in node order:
// * scalar parameters: a per-tensor QuantizeLinear's scale and zero point
//   become scalar initializers (one per original initializer, so tensors that
//   shared one keep sharing it: a repair of one moves all, as for quantc's
//   inherited quantization); its DequantizeLinears use the very same
//   initializers (import_quantization checked the values agree);
// * redundant pairs: DequantizeLinear -> QuantizeLinear with the same
//   parameters re-creates the integers it was given (q = clamp(rne((q0 - zp)
//   s / s) + zp) = q0), so readers of the second QuantizeLinear read the
//   first one instead;
// * a requantization DequantizeLinear(s1) -> QuantizeLinear(s2) whose first
//   QuantizeLinear feeds nothing else is folded into it: the producer is
//   quantized once, at s2 (a note: the intermediate rounding at s1 is gone);
// * a dequantized constant that is no layer's weight or bias (it has no
//   QuantParams) becomes the float constant (q - zp) * s it stands for.
#include "passes/import/normalize_qdq.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ir/printer.h"
#include "passes/quant_roles.h"
#include "quant/qparams.h"

namespace quantc {
namespace {

bool IsQ(const Node& n) { return n.domain().empty() && n.op_type() == "QuantizeLinear"; }
bool IsDq(const Node& n) { return n.domain().empty() && n.op_type() == "DequantizeLinear"; }

bool SameParams(const QuantParams& a, const QuantParams& b) {
  return a.storage == b.storage && a.scale == b.scale && a.zero_point == b.zero_point &&
         a.axis == b.axis;
}

class Normalizer {
 public:
  Normalizer(Graph& g, const NormalizeQdqOptions& o) : g_(g), o_(o) {}

  bool Run() {
    for (Node* n : g_.nodes().ToVector()) {
      if (IsQ(*n) && n->output(0)->quant()) {
        ScalarParams(n);
        SkipRedundant(n);
      } else if (IsDq(*n)) {
        DequantizeConstant(n);
      }
    }
    return changed_;
  }

 private:
  // One scalar initializer per original (shape [1] or scalar) initializer.
  Value* Scalar(Value* v, const std::string& base) {
    if (!v->is_initializer() || v->initializer().rank() == 0) return v;
    auto it = scalars_.find(v);
    if (it != scalars_.end()) return it->second;
    const Tensor& t = v->initializer();
    Value* s = g_.AddInitializer(base, t.Reshaped({}));
    scalars_[v] = s;
    return s;
  }

  void ScalarParams(Node* q) {
    const QuantParams& p = *q->output(0)->quant();
    Value* s = Scalar(q->input(1), q->input(1)->name() + "_scalar");
    Value* zp = q->input(2) ? Scalar(q->input(2), q->input(2)->name() + "_scalar")
                            : g_.AddInitializer(q->output(0)->name() + "_zero_point",
                                                ZeroPointTensor(p.storage, p.zero_point[0]));
    if (s != q->input(1)) Set(q, 1, s);
    if (q->num_inputs() < 3) {
      q->AddInput(zp);
      changed_ = true;
    } else if (zp != q->input(2)) {
      Set(q, 2, zp);
    }
    SyncDequantizes(q);
  }

  // Every DequantizeLinear of q's output reads q's own scale and zero point.
  void SyncDequantizes(Node* q) {
    for (const Use& u : q->output(0)->uses()) {
      if (!IsDq(*u.user)) continue;
      if (u.user->input(1) != q->input(1)) Set(u.user, 1, q->input(1));
      if (u.user->num_inputs() < 3) {
        u.user->AddInput(q->input(2));
        changed_ = true;
      } else if (u.user->input(2) != q->input(2)) {
        Set(u.user, 2, q->input(2));
      }
    }
  }

  void Set(Node* n, int i, Value* v) {
    n->SetInput(i, v);
    changed_ = true;
  }

  // q reads DequantizeLinear(q0): same parameters -> q0's integers.
  void SkipRedundant(Node* q) {
    const Node* dq = DequantizeOf(q->input(0));
    Value* q0 = dq ? dq->input(0) : nullptr;
    if (!q0 || q0->is_initializer() || !q0->quant()) return;
    const QuantParams& p = *q->output(0)->quant();
    if (SameParams(*q0->quant(), p)) {
      g_.ReplaceAllUsesWith(q->output(0), q0);
      SyncDequantizes(q0->producer());
      changed_ = true;
      return;
    }
    // A requantization: fold it into q0's QuantizeLinear when q0 feeds
    // only this pair, so the producer is quantized once at q's parameters.
    Node* first = q0->producer();
    if (q0->uses().size() != 1 || dq->output(0)->uses().size() != 1 || g_.IsGraphOutput(q0) ||
        g_.IsGraphOutput(dq->output(0))) {
      return;
    }
    if (o_.log) {
      o_.log->push_back({Diagnostic::Severity::kNote, first->Describe(),
                         absl::StrCat("requantized straight to scale ", FormatFloat(p.scale[0]),
                                      " instead of through ", FormatFloat(q0->quant()->scale[0]),
                                      " (a double rounding of the source model dropped)"),
                         std::nullopt});
    }
    first->SetInput(1, q->input(1));
    first->SetInput(2, q->input(2));
    first->output(0)->set_quant(p);
    TensorType t = first->output(0)->type();
    t.dtype = p.storage;
    first->output(0)->set_type(t);
    g_.ReplaceAllUsesWith(q->output(0), q0);
    SyncDequantizes(first);
    changed_ = true;
  }

  void DequantizeConstant(Node* dq) {
    Value* c = dq->input(0);
    if (!c->is_initializer() || c->quant()) return;
    const Tensor& t = c->initializer();
    const Tensor& s = dq->input(1)->initializer();
    const Value* zpv = dq->input(2);
    int64_t axis = dq->GetInt("axis", 1);
    if (axis < 0) axis += t.rank();
    const int64_t channels = s.num_elements();
    int64_t inner = 1;
    for (int64_t d = axis + 1; d < t.rank(); ++d) inner *= t.dims()[d];
    Tensor real(DType::kFloat32, t.dims());
    for (int64_t i = 0; i < t.num_elements(); ++i) {
      const int64_t k = channels == 1 ? 0 : (i / inner) % channels;
      const double zp =
          zpv ? zpv->initializer().GetAsDouble(zpv->initializer().num_elements() == 1 ? 0 : k) : 0;
      // DequantizeLinear's own arithmetic: float32 (q - zp) * s.
      real.mutable_data<float>()[i] =
          static_cast<float>(t.GetAsDouble(i) - zp) * s.data<float>()[static_cast<size_t>(k)];
    }
    Value* f = g_.AddInitializer(c->name() + "_real", real);
    g_.ReplaceAllUsesWith(dq->output(0), f);
    changed_ = true;
  }

  Graph& g_;
  const NormalizeQdqOptions& o_;
  bool changed_ = false;
  absl::flat_hash_map<const Value*, Value*> scalars_;
};

}  // namespace

absl::StatusOr<bool> NormalizeQdqPass::Run(Graph& graph) {
  return Normalizer(graph, options_).Run();
}

}  // namespace quantc
