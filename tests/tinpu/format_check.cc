#include "tests/tinpu/format_check.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace quantc::tinpu {
namespace {

const std::set<std::string>& Vocabulary() {
  static const auto* ops = new std::set<std::string>{
      "Conv", "MatMul", "Gemm",        "Add",     "Mul",     "Floor",     "Clip",   "Relu",
      "Round", "ReduceSum", "AveragePool", "MaxPool", "Flatten", "Transpose", "Reshape",
      "Concat"};
  return *ops;
}

bool IsInteger(double f) { return std::isfinite(f) && f == std::floor(f); }

// k such that f == 2^-k exactly, or nullopt.
std::optional<int> NegativePowerOfTwo(float f) {
  if (!(f > 0) || !std::isfinite(f)) return std::nullopt;
  int e = 0;
  if (std::frexp(f, &e) != 0.5f) return std::nullopt;
  return 1 - e;  // f = 0.5 * 2^e = 2^(e-1)
}

std::vector<float> Floats(const Value* v) {
  const Tensor& t = v->initializer();
  if (t.dtype() != DType::kFloat32) return {};
  auto d = t.data<float>();
  return {d.begin(), d.end()};
}

std::string Join(const std::vector<float>& v) {
  std::vector<std::string> s;
  for (size_t i = 0; i < v.size() && i < 4; ++i) s.push_back(absl::StrCat(v[i]));
  if (v.size() > 4) s.push_back("...");
  return absl::StrCat("[", absl::StrJoin(s, ","), "]");
}

const Node* OnlyUser(const Value* v, const Graph& g) {
  if (v == nullptr || v->uses().size() != 1 || g.IsGraphOutput(v)) return nullptr;
  return v->uses()[0].user;
}

// For a binary node with exactly one initializer operand: that operand, and
// the other input's index in *other.
const Value* ConstOperand(const Node* n, int* other) {
  if (n == nullptr || n->num_inputs() != 2 || !n->input(0) || !n->input(1)) return nullptr;
  bool c0 = n->input(0)->is_initializer(), c1 = n->input(1)->is_initializer();
  if (c0 == c1) return nullptr;
  *other = c0 ? 1 : 0;
  return n->input(c0 ? 0 : 1);
}

class Checker {
 public:
  Checker(const Graph& g, const FormatOptions& o) : g_(g), o_(o) {}

  FormatReport Run() {
    CheckOpsAndTypes();
    CheckWeights();
    for (const Node* n : g_.nodes()) {
      if (n->op_type() == "Floor") MatchOss(n);
    }
    for (const Node* n : g_.nodes()) {
      CheckClipRange(n);
      if (oss_.count(n) != 0) continue;
      CheckLooseNode(n);
    }
    if (r_.blocks.empty()) Violation("no offset-scale-shift block found");
    return std::move(r_);
  }

 private:
  template <typename... Args>
  void Violation(const Args&... args) {
    r_.violations.push_back(absl::StrCat(args...));
  }

  void CheckType(const Value* v, const char* role) {
    DType t = v->type().dtype;
    if (t == DType::kFloat32 || t == DType::kUndefined) return;
    if (t == DType::kInt64 && v->is_initializer()) {
      for (const Use& u : v->uses()) {
        const std::string& op = u.user->op_type();
        if (u.index != 1 || (op != "ReduceSum" && op != "Reshape")) {
          Violation("int64 constant '", v->name(), "' used as input ", u.index, " of ",
                    u.user->Describe());
        }
      }
      return;
    }
    Violation(role, " '", v->name(), "' has dtype ", DTypeName(t),
              (t == DType::kInt8 || t == DType::kUInt8) ? " (int8 tensors are not TINPU)"
                                                         : " (not float32)");
  }

  void CheckOpsAndTypes() {
    for (const Value* v : g_.inputs()) CheckType(v, "graph input");
    for (const Value* v : g_.outputs()) CheckType(v, "graph output");
    for (const Value* v : g_.initializers()) CheckType(v, "initializer");
    for (const Node* n : g_.nodes()) {
      ++r_.op_counts[n->op_type()];
      if (o_.float_ops.count(n->op_type()) != 0) continue;  // declared CPU fallback
      if (!n->domain().empty() || Vocabulary().count(n->op_type()) == 0) {
        Violation(n->Describe(), " is outside the TINPU op vocabulary",
                  (n->op_type() == "QuantizeLinear" || n->op_type() == "DequantizeLinear")
                      ? " (QDQ op)"
                      : "");
      }
      for (const Value* v : n->outputs()) {
        if (v != nullptr) CheckType(v, "value");
      }
    }
  }

  void CheckWeights() {
    const double limit = std::ldexp(1.0, o_.weight_bits - 1) - 1;
    for (const Node* n : g_.nodes()) {
      const std::string& op = n->op_type();
      if (op != "Conv" && op != "MatMul" && op != "Gemm") continue;
      if (op == "Conv" && n->num_inputs() > 2 && n->input(2) != nullptr) {
        Violation(n->Describe(), " has a bias input (TINPU Conv has none)");
      }
      const Value* w = n->input(1);
      if (w == nullptr || !w->is_initializer()) {
        Violation(n->Describe(), " weight is not a constant");
        continue;
      }
      if (op == "MatMul" && w->initializer().rank() != 2) {
        Violation(n->Describe(), " weight is not 2-D [in, out]");
      }
      std::vector<float> wv = Floats(w);
      for (size_t i = 0; i < wv.size(); ++i) {
        r_.max_abs_weight = std::max(r_.max_abs_weight, std::fabs(double{wv[i]}));
        if (!IsInteger(wv[i]) || std::fabs(wv[i]) > limit) {
          Violation(n->Describe(), " weight element ", i, " = ", wv[i], " is not an integer in ±",
                    limit);
          break;
        }
      }
      // The accumulator must be requantized by an OSS block.
      const Node* next = OnlyUser(n->output(0), g_);
      if (next == nullptr || next->op_type() != "Add") {
        Violation(n->Describe(), " output does not feed exactly one OSS block");
      }
    }
  }

  // What feeds an OSS block's x, as a block kind ("" if unknown).
  std::string Classify(const Value* x) {
    while (x->producer() != nullptr) {
      const std::string& op = x->producer()->op_type();
      if (op != "Flatten" && op != "Reshape" && op != "Transpose") break;
      x = x->producer()->input(0);
    }
    if (x->is_graph_input()) return "input";
    const Node* p = x->producer();
    if (p == nullptr) return "";
    const std::string& op = p->op_type();
    if (op == "Conv") return "conv";
    if (op == "MatMul") return "matmul";
    if (op == "Gemm") return "gemm";
    if (op == "ReduceSum" || op == "Round") return "pool";
    int other;
    if (op == "Add") {
      const Value* c = ConstOperand(p, &other);
      if (c == nullptr) return "add";
      for (float v : Floats(c)) {
        if (!IsInteger(v)) return "";
      }
      return "addconst";
    }
    if (op == "Clip" || op == "Relu" || op == "MaxPool" || op == "Concat") return "move";
    if (o_.float_ops.count(op) != 0) return "floatop";
    return "";
  }

  static const Node* Producer(const Value* v) { return v ? v->producer() : nullptr; }
  static bool Is(const Node* n, const char* op) { return n && n->op_type() == op; }

  void MatchOss(const Node* floor) {
    int i2 = 0, i1 = 0, i0 = 0;
    const Node* shift = Producer(floor->input(0));
    const Value* shift_c = Is(shift, "Mul") ? ConstOperand(shift, &i2) : nullptr;
    const Node* mult = shift_c ? Producer(shift->input(i2)) : nullptr;
    const Value* mult_c = Is(mult, "Mul") ? ConstOperand(mult, &i1) : nullptr;
    const Node* add = mult_c ? Producer(mult->input(i1)) : nullptr;
    const Value* off_c = Is(add, "Add") ? ConstOperand(add, &i0) : nullptr;
    const Node* clip = OnlyUser(floor->output(0), g_);
    if (!off_c || !Is(clip, "Clip") || OnlyUser(add->output(0), g_) != mult ||
        OnlyUser(mult->output(0), g_) != shift || OnlyUser(shift->output(0), g_) != floor) {
      Violation(floor->Describe(), " does not close an Add->Mul->Mul->Floor->Clip block");
      return;
    }
    oss_.insert({add, mult, shift, floor, clip});
    OssBlock b;
    b.name = add->name();
    const Value* x = add->input(i0);
    b.kind = Classify(x);
    b.offset = Floats(off_c);
    b.mult = Floats(mult_c);
    b.shift_mult = Floats(shift_c);
    ClipBounds(clip, &b.clip_lo, &b.clip_hi);
    std::string where = absl::StrCat("OSS block '", b.name, "' (", b.kind, ")");
    if (b.kind.empty()) Violation(where, ": unexpected producer of its input");
    CheckShapes(where, x, clip->output(0), {off_c, mult_c, shift_c});
    CheckMultipliers(where, b);
    CheckOffsets(where, b);
    r_.blocks.push_back(std::move(b));
  }

  void CheckShapes(const std::string& where, const Value* x, const Value* y,
                   std::vector<const Value*> constants) {
    auto xd = x->type().StaticDims(), yd = y->type().StaticDims();
    if (xd && yd && *xd != *yd) {
      Violation(where, ": constants broadcast the input shape [", absl::StrJoin(*xd, ","),
                "] to [", absl::StrJoin(*yd, ","), "]");
    }
    int64_t channels = xd && xd->size() >= 2 ? (*xd)[1] : -1;
    for (const Value* c : constants) {
      int64_t n = c->initializer().num_elements();
      if (n != 1 && n != channels) {
        Violation(where, ": constant '", c->name(), "' has ", n, " elements (neither 1 nor ",
                  channels, " channels)");
      }
    }
  }

  void CheckMultipliers(const std::string& where, const OssBlock& b) {
    const bool pow2_mode = o_.weight_bits == 8 && b.kind != "input" && b.kind != "floatop";
    for (float m : b.mult) {
      if (!IsInteger(m) || m < 1 || m > (pow2_mode ? 1 : 255)) {
        Violation(where, ": multiplier ", m, " outside ",
                  pow2_mode ? "{1} (8-bit weights: power-of-two mode)" : "integers 1..255");
        break;
      }
    }
    for (float s : b.shift_mult) {
      auto k = NegativePowerOfTwo(s);
      if (!k || *k < 0 || *k > 31) {
        Violation(where, ": shift_mult ", s, " is not 2^-k with 0 <= k <= 31");
        break;
      }
    }
  }

  void CheckOffsets(const std::string& where, const OssBlock& b) {
    const double bound = std::ldexp(1.0, o_.weight_bits == 8 ? 23 : 15);  // int24 / int16
    for (float off : b.offset) {
      if (!std::isfinite(off)) {
        Violation(where, ": offset ", off, " is not finite");
        return;
      }
      if (b.kind == "input" || b.kind == "floatop") continue;  // fractional by design (§4.14)
      r_.max_abs_offset = std::max(r_.max_abs_offset, std::fabs(double{off}));
      if (!IsInteger(off) || off < -bound || off > bound - 1) {
        const auto b = static_cast<int64_t>(bound);
        Violation(where, ": offset ", off, " is not an integer in [", -b, ", ", b - 1, "] (",
                  o_.weight_bits == 8 ? "int24" : "int16", ")");
        return;
      }
    }
  }

  // Constant Clip bounds as floats, or false.
  bool ClipBounds(const Node* n, float* lo, float* hi) {
    if (g_.opset() < 11) {
      const Attribute* a = n->FindAttr("min");
      const Attribute* b = n->FindAttr("max");
      if (!a || !b) return false;
      *lo = a->f;
      *hi = b->f;
      return true;
    }
    const Value* a = n->input(1);
    const Value* b = n->input(2);
    if (!a || !b || !a->is_initializer() || !b->is_initializer()) return false;
    std::vector<float> av = Floats(a), bv = Floats(b);
    if (av.size() != 1 || bv.size() != 1) return false;
    *lo = av[0];
    *hi = bv[0];
    return true;
  }

  void CheckClipRange(const Node* n) {
    if (n->op_type() != "Clip") return;
    float lo, hi;
    if (!ClipBounds(n, &lo, &hi)) {
      Violation(n->Describe(), " lacks constant scalar min and max");
      return;
    }
    ++r_.clip_ranges[absl::StrCat("[", lo, ",", hi, "]")];
    bool ok = (lo == -128 && hi == 127) || (lo == 0 && hi == 255) || (lo == -512 && hi == 511);
    if (!ok) Violation(n->Describe(), " clips to [", lo, ", ", hi, "], not an 8-bit range");
  }

  // Add/Mul/Round outside OSS blocks.
  void CheckLooseNode(const Node* n) {
    const std::string& op = n->op_type();
    int other;
    if (op == "Add") {
      // An integer constant may join in front of an OSS block ("addconst").
      const Node* user = OnlyUser(n->output(0), g_);
      if (ConstOperand(n, &other) != nullptr && !(user && oss_.count(user) != 0)) {
        Violation(n->Describe(), " adds a constant outside an OSS block");
      }
    } else if (op == "Mul") {
      const Value* c = ConstOperand(n, &other);
      if (c == nullptr) {
        Violation(n->Describe(), " multiplies two activations");
        return;
      }
      std::vector<float> cv = Floats(c);
      const Node* src = n->input(other)->producer();
      const Node* user = OnlyUser(n->output(0), g_);
      if (src && src->op_type() == "AveragePool" && user && user->op_type() == "Round") {
        int64_t area = 1;
        for (int64_t k : src->GetInts("kernel_shape")) area *= k;
        if (cv.size() != 1 || cv[0] != static_cast<float>(area)) {
          Violation(n->Describe(), " multiplies AveragePool by ", Join(cv),
                    ", not the kernel area ", area);
        }
      } else if (user && user->op_type() == "Add" && ConstOperand(user, &other) == nullptr) {
        auto k = cv.size() == 1 ? NegativePowerOfTwo(cv[0]) : std::nullopt;
        if (!k || *k > 0) {
          Violation(n->Describe(), " aligns a residual add by ", Join(cv),
                    ", not a power of two >= 1");
        }
      } else if (!g_.IsGraphOutput(n->output(0)) && !FeedsOnlyFloatOps(n->output(0))) {
        Violation(n->Describe(), " (by ", Join(cv),
                  ") is not part of an OSS block, pooling or residual alignment");
      }
    } else if (op == "Round") {
      const Node* src = n->input(0) ? n->input(0)->producer() : nullptr;
      bool ok = src && (src->op_type() == "ReduceSum" ||
                        (src->op_type() == "Mul" && src->input(0)->producer() &&
                         src->input(0)->producer()->op_type() == "AveragePool"));
      if (!ok) Violation(n->Describe(), " is not a pooling Round");
    }
  }

  // A dequantizing Mul in front of declared float ops.
  bool FeedsOnlyFloatOps(const Value* v) const {
    if (v->uses().empty()) return false;
    for (const Use& u : v->uses()) {
      if (o_.float_ops.count(u.user->op_type()) == 0) return false;
    }
    return true;
  }

  const Graph& g_;
  const FormatOptions& o_;
  FormatReport r_;
  std::set<const Node*> oss_;
};

}  // namespace

FormatReport CheckTinpuFormat(const Graph& g, const FormatOptions& options) {
  return Checker(g, options).Run();
}

}  // namespace quantc::tinpu
