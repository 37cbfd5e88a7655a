// conv1d_to_conv2d: TI's NPU compiler has no Conv1d path (its time-series
// models use Conv2d with (k, 1) kernels on (N, C, L, 1) tensors), so 1-D
// regions are rewritten into that form before quantization.
//
//   Before:  %c = Conv(%x: f32[1,8,8], %w: f32[16,8,3]) {kernel_shape=[3], pads=[1,1]}
//            %r = Relu(%c);  %g = GlobalAveragePool(%r);  %f = Flatten(%g)
//   After:   %x4 = Reshape(%x, [1,8,8,1])
//            %c4 = Conv(%x4, %w4: f32[16,8,3,1]) {kernel_shape=[3,1], pads=[1,0,1,0]}
//            %r4 = Relu(%c4);  %g4 = GlobalAveragePool(%r4);  %f = Flatten(%g4)
//
// Each rank-3 float tensor in the region gets a rank-4 twin (its values with
// a trailing axis of size 1). Walking nodes in order: a 1-D Conv, MaxPool or
// AveragePool gets a (k, 1) version (strides, dilations and pads extended
// with the neutral 1 / 0); element-wise and channel-wise ops (Relu, Clip,
// BatchNormalization, Add, Mul, ...) run on the twins, with rank-2/3
// constants reshaped to broadcast the same way; global pools and
// Flatten(axis=1) read the twin directly (their results are the same values
// in the same order). The region starts with a Reshape of the first rank-3
// input to (N, C, L, 1) and ends with a Reshape back wherever a consumer
// outside it needs the rank-3 tensor, so every graph output keeps its shape. The old 1-D
// nodes become dead for remove_dead_nodes. Numerically an identity.
// QDQ models (imported quantized ones) convert the same way: a weight
// behind a DequantizeLinear gets a (k, 1) copy of its integers with the same
// scales, per-tensor QuantizeLinear/DequantizeLinear run on twins like any
// element-wise op, and a Reshape of a quantized (dequantized) tensor is
// quantized again with the same scale and zero point, as quantc's QDQ form
// quantizes every value-moving op.
#include "passes/conv1d_to_conv2d.h"

#include "absl/container/flat_hash_map.h"
#include "passes/quant_roles.h"

namespace quantc {
namespace {

bool IsRank3Float(const Value* v) {
  return v && v->type().dtype == DType::kFloat32 && v->type().shape && v->type().shape->size() == 3;
}

// A rank-3 activation: float, or the integers of a QuantizeLinear.
bool IsRank3Activation(const Value* v) {
  return v && !v->is_initializer() && v->type().shape && v->type().shape->size() == 3 &&
         (v->type().dtype == DType::kFloat32 || v->type().dtype == DType::kInt8 ||
          v->type().dtype == DType::kUInt8);
}

// A conv's weight constant: the initializer itself, or the quantized one
// behind its DequantizeLinear.
const Value* WeightConstant(const Node& n) {
  const Value* w = n.input(1);
  if (w && w->is_initializer()) return w;
  return DequantizedConstant(w);
}

bool IsConv1d(const Node& n) {
  const Value* w = WeightConstant(n);
  return n.op_type() == "Conv" && n.domain().empty() && IsRank3Float(n.input(0)) && w &&
         w->initializer().rank() == 3;
}

// Per-tensor Q/DQ: element-wise on activations.
bool IsPerTensorQdq(const Node& n) {
  if (!n.domain().empty() || (n.op_type() != "QuantizeLinear" && n.op_type() != "DequantizeLinear")) {
    return false;
  }
  const Value* s = n.input(1);
  return s && s->is_initializer() && s->initializer().num_elements() == 1;
}

bool IsPool1d(const Node& n) {
  return (n.op_type() == "MaxPool" || n.op_type() == "AveragePool") && IsRank3Float(n.input(0)) &&
         n.num_outputs() == 1;
}

// Ops whose result on (N, C, L, 1) is their result on (N, C, L) plus the axis.
bool IsAxisAgnostic(const Node& n) {
  static const char* kOps[] = {"Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid",
                               "HardSwish", "PRelu", "Add", "Sub", "Mul", "Div", "Identity",
                               "Dropout", "BatchNormalization", "Abs", "Neg"};
  for (const char* op : kOps) {
    if (n.op_type() == op && n.domain().empty()) return true;
  }
  return IsPerTensorQdq(n);
}

std::vector<int64_t> Extend(std::vector<int64_t> v, int64_t neutral) {
  v.push_back(neutral);
  return v;
}

TensorType Rank4(const TensorType& t) {
  TensorType r = t;
  if (r.shape) r.shape->push_back(Dim{1, ""});
  return r;
}

class Rewriter {
 public:
  explicit Rewriter(Graph& g) : g_(g) {}

  bool Run() {
    bool started = false;
    for (Node* n : g_.nodes().ToVector()) {
      if (IsConv1d(*n) || IsPool1d(*n)) {
        ConvertWindowed(n);
        started = true;
      } else if (started && IsAxisAgnostic(*n) && HasTwinInput(*n) && CanConvertAgnostic(*n)) {
        ConvertAgnostic(n);
      } else if (started && HasTwinInput(*n) && ReadsTwinDirectly(*n)) {
        Node* c = Clone(n, {Twin(n->input(0), n)});
        bool global = n->op_type() != "Flatten";
        for (int i = 0; i < n->num_outputs(); ++i) {
          if (global) {
            c->output(i)->set_type(Rank4(n->output(i)->type()));
            twins_[n->output(i)] = c->output(i);
          } else {
            c->output(i)->set_type(n->output(i)->type());
            g_.ReplaceAllUsesWith(n->output(i), c->output(i));
          }
        }
      } else if (started) {
        for (int i = 0; i < n->num_inputs(); ++i) {
          auto it = n->input(i) ? twins_.find(n->input(i)) : twins_.end();
          if (it != twins_.end()) n->SetInput(i, Squeeze(it->second, n->input(i), n));
        }
      }
    }
    for (size_t i = 0; i < g_.outputs().size(); ++i) {
      auto it = twins_.find(g_.outputs()[i]);
      if (it != twins_.end()) g_.ReplaceAllUsesWith(g_.outputs()[i], Squeeze(it->second, g_.outputs()[i], nullptr));
    }
    return started;
  }

 private:
  bool HasTwinInput(const Node& n) const {
    for (const Value* in : n.inputs()) {
      if (in && twins_.contains(in)) return true;
    }
    return false;
  }

  // Global pools keep (N, C, 1, 1); Flatten(axis=1) gives the same matrix.
  static bool ReadsTwinDirectly(const Node& n) {
    return n.op_type() == "GlobalAveragePool" || n.op_type() == "GlobalMaxPool" ||
           (n.op_type() == "Flatten" && n.GetInt("axis", 1) == 1);
  }

  // x viewed with type `to`: a Reshape to the static shape (TINPU's op
  // vocabulary has Reshape), or an (Un)Squeeze of axis 3 when dims are not
  // static.
  Value* View(Value* x, const TensorType& to, bool add_axis, const std::string& name,
              Node* before) {
    std::optional<std::vector<int64_t>> dims = to.StaticDims();
    Node* n;
    if (dims) {
      Value* shape = g_.AddInitializer(name + "_shape",
                                       Tensor::FromVector<int64_t>({static_cast<int64_t>(dims->size())}, *dims));
      n = g_.AddNode("Reshape", {x, shape}, {name}, before);
    } else {
      const char* op = add_axis ? "Unsqueeze" : "Squeeze";
      if (g_.opset() >= 13) {
        n = g_.AddNode(op, {x, g_.AddInitializer(name + "_axes", Tensor::FromVector<int64_t>({1}, {3}))},
                       {name}, before);
      } else {
        n = g_.AddNode(op, {x}, {name}, before);
        n->SetAttr(Attribute::Ints("axes", {3}));
      }
    }
    n->output(0)->set_type(to);
    const Node* dq = DequantizeOf(x);
    if (!dq || !dq->input(0)->quant()) return n->output(0);
    // A view of a quantized tensor is quantized with its parameters.
    Node* q = g_.AddNode("QuantizeLinear", {n->output(0), dq->input(1), dq->input(2)},
                         {name + "_quantized"}, before);
    TensorType qt = to;
    qt.dtype = dq->input(0)->type().dtype;
    q->output(0)->set_type(qt);
    q->output(0)->set_quant(dq->input(0)->quant());
    Node* d = g_.AddNode("DequantizeLinear", {q->output(0), dq->input(1), dq->input(2)},
                         {name + "_dequantized"}, before);
    d->output(0)->set_type(to);
    return d->output(0);
  }

  // The rank-4 twin of `v`, made by a reshape when `v` has none yet.
  Value* Twin(Value* v, Node* before) {
    auto it = twins_.find(v);
    if (it != twins_.end()) return it->second;
    if (!IsRank3Float(v)) return v;
    Value* t = View(v, Rank4(v->type()), true, v->name() + "_2d", before);
    twins_[v] = t;
    return t;
  }

  Value* Squeeze(Value* twin, const Value* original, Node* before) {
    return View(twin, original->type(), false, original->name() + "_1d", before);
  }

  Node* Clone(Node* n, std::vector<Value*> inputs) {
    for (int i = static_cast<int>(inputs.size()); i < n->num_inputs(); ++i) inputs.push_back(n->input(i));
    std::vector<std::string> outs;
    for (Value* o : n->outputs()) outs.push_back(o->name().empty() ? "" : o->name() + "_2d");
    // The (k, 1) node takes the original's name (users know it, and
    // --float-ops may list it); the dead original keeps a "_1d" one.
    std::string name = n->name();
    if (!name.empty()) g_.RenameNode(n, name + "_1d");
    Node* c = g_.AddNode(n->op_type(), inputs, outs, n, name);
    for (const Attribute& a : n->attributes()) c->SetAttr(a);
    return c;
  }

  void ConvertWindowed(Node* n) {
    std::vector<Value*> ins = {Twin(n->input(0), n)};
    if (n->op_type() == "Conv") ins.push_back(TwinWeight(n));
    Node* c = Clone(n, ins);
    for (const char* a : {"kernel_shape", "strides", "dilations"}) {
      if (n->FindAttr(a)) c->SetAttr(Attribute::Ints(a, Extend(n->GetInts(a), 1)));
    }
    if (n->op_type() == "Conv" && !n->FindAttr("kernel_shape")) {
      c->SetAttr(Attribute::Ints("kernel_shape", {WeightConstant(*n)->initializer().dims()[2], 1}));
    }
    std::vector<int64_t> pads = n->GetInts("pads");
    if (pads.size() == 2) c->SetAttr(Attribute::Ints("pads", {pads[0], 0, pads[1], 0}));
    c->output(0)->set_type(Rank4(n->output(0)->type()));
    twins_[n->output(0)] = c->output(0);
  }

  // The (C, Cin, k, 1) weight: a reshaped constant, or for a quantized
  // weight its integers reshaped (same scales, same axis 0) and dequantized.
  Value* TwinWeight(Node* conv) {
    const Value* w = WeightConstant(*conv);
    std::vector<int64_t> dims = Extend(w->initializer().dims(), 1);
    Value* w4 = g_.AddInitializer(w->name() + "_2d", w->initializer().Reshaped(dims));
    if (w == conv->input(1)) return w4;
    w4->set_quant(w->quant());
    const Node* dq = DequantizeOf(conv->input(1));
    Node* d = g_.AddNode("DequantizeLinear", {w4, dq->input(1), dq->input(2)},
                         {conv->input(1)->name() + "_2d"}, conv);
    for (const Attribute& a : dq->attributes()) d->SetAttr(a);
    d->output(0)->set_type(TensorType::Static(DType::kFloat32, dims));
    return d->output(0);
  }

  // Inputs of an axis-agnostic op that are neither twins nor constants
  // would broadcast differently against rank 4: leave such nodes alone.
  bool CanConvertAgnostic(const Node& n) const {
    for (const Value* in : n.inputs()) {
      if (in && !twins_.contains(in) && !in->is_initializer() && !IsRank3Activation(in)) return false;
    }
    return true;
  }

  void ConvertAgnostic(Node* n) {
    bool channel_params = n->op_type() == "BatchNormalization";  // per channel, not broadcast
    std::vector<Value*> ins;
    for (int i = 0; i < n->num_inputs(); ++i) {
      Value* in = n->input(i);
      if (!in || (channel_params && i > 0)) {
        ins.push_back(in);
      } else if (in->is_initializer()) {
        ins.push_back(in->initializer().num_elements() > 1 ? Broadcast4(in) : in);
      } else {
        ins.push_back(Twin(in, n));
      }
    }
    Node* c = Clone(n, ins);
    for (int i = 0; i < n->num_outputs(); ++i) {
      c->output(i)->set_type(Rank4(n->output(i)->type()));
      c->output(i)->set_quant(n->output(i)->quant());
      if (IsRank3Activation(n->output(i))) twins_[n->output(i)] = c->output(i);
    }
  }

  // A broadcasting constant with a trailing 1 appended, so its axes keep
  // lining up with the same tensor axes ([L] -> [L, 1], [C, 1] -> [C, 1, 1]).
  Value* Broadcast4(Value* c) {
    std::vector<int64_t> dims = Extend(c->initializer().dims(), 1);
    return g_.AddInitializer(c->name() + "_2d", c->initializer().Reshaped(dims));
  }

  Graph& g_;
  absl::flat_hash_map<const Value*, Value*> twins_;
};

}  // namespace

absl::StatusOr<bool> Conv1dToConv2dPass::Run(Graph& graph) { return Rewriter(graph).Run(); }

}  // namespace quantc
