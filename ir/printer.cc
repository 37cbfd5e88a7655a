#include "ir/printer.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"

namespace quantc {
namespace {

constexpr int64_t kInlineLimit = 8;
constexpr int64_t kPreviewCount = 4;

bool IsPlainName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' ||
          c == '/' || c == '-')) {
      return false;
    }
  }
  return true;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Name(const std::string& s) { return IsPlainName(s) ? s : Quote(s); }

// Name(s) appended in place: a plain name (nearly all) is copied once.
void AppendName(std::string& out, const std::string& s) {
  if (IsPlainName(s)) {
    out += s;
  } else {
    out += Quote(s);
  }
}

std::string ValueRef(const Value* v) { return v ? "%" + Name(v->name()) : "_"; }

std::string Element(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kString: return Quote(t.strings()[i]);
    case DType::kFloat32: return FormatFloat(t.data<float>()[i]);
    case DType::kFloat64: return FormatFloat(t.data<double>()[i]);
    case DType::kFloat16:
    case DType::kBFloat16: return fmt::format("0x{:04x}", t.data<uint16_t>()[i]);
    case DType::kBool: return t.data<bool>()[i] ? "true" : "false";
    case DType::kUInt64: return absl::StrCat(t.data<uint64_t>()[i]);
    case DType::kInt64: return absl::StrCat(t.data<int64_t>()[i]);
    default: return absl::StrCat(static_cast<int64_t>(t.GetAsDouble(i)));
  }
}

std::string PrintTensorBody(const Tensor& t) {
  std::string out = absl::StrCat(DTypeName(t.dtype()), "[", absl::StrJoin(t.dims(), ","), "]");
  int64_t n = t.num_elements();
  int64_t shown = n <= kInlineLimit ? n : kPreviewCount;
  if (n > kInlineLimit) absl::StrAppend(&out, fmt::format(" #{:016x}", TensorHash(t)));
  std::vector<std::string> elems;
  for (int64_t i = 0; i < shown; ++i) elems.push_back(Element(t, i));
  if (shown < n) elems.push_back("...");
  absl::StrAppend(&out, " [", absl::StrJoin(elems, ", "), "]");
  return out;
}

std::string PrintAttr(const Attribute& a) {
  auto floats = [](const std::vector<float>& v) {
    std::vector<std::string> s;
    for (float f : v) s.push_back(FormatFloat(f));
    return absl::StrCat("[", absl::StrJoin(s, ", "), "]");
  };
  std::string value;
  switch (a.kind) {
    case Attribute::Kind::kFloat: value = FormatFloat(a.f); break;
    case Attribute::Kind::kInt: value = absl::StrCat(a.i); break;
    case Attribute::Kind::kString: value = Quote(a.s); break;
    case Attribute::Kind::kTensor: value = PrintTensorBody(a.t); break;
    case Attribute::Kind::kFloats: value = floats(a.floats); break;
    case Attribute::Kind::kInts: value = absl::StrCat("[", absl::StrJoin(a.ints, ","), "]"); break;
    case Attribute::Kind::kStrings: {
      std::vector<std::string> s;
      for (const auto& x : a.strings) s.push_back(Quote(x));
      value = absl::StrCat("[", absl::StrJoin(s, ", "), "]");
      break;
    }
    case Attribute::Kind::kTensors: {
      std::vector<std::string> s;
      for (const auto& x : a.tensors) s.push_back(PrintTensorBody(x));
      value = absl::StrCat("[", absl::StrJoin(s, ", "), "]");
      break;
    }
  }
  return absl::StrCat(Name(a.name), "=", value);
}

std::string PrintQuant(const QuantParams& q) {
  std::vector<std::string> s;
  for (float f : q.scale) s.push_back(FormatFloat(f));
  std::string out = absl::StrCat(" q{", DTypeName(q.storage), " s=[", absl::StrJoin(s, ","),
                                 "] zp=[", absl::StrJoin(q.zero_point, ","), "]");
  if (q.axis) absl::StrAppend(&out, " axis=", *q.axis);
  return out + "}";
}

std::string ValueDecl(const Value* v) {
  std::string out = absl::StrCat(ValueRef(v), ": ", PrintType(v->type()));
  if (v->quant()) absl::StrAppend(&out, PrintQuant(*v->quant()));
  return out;
}

}  // namespace

namespace {
template <typename F>
std::string FormatReal(F v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{}", v);
}
}  // namespace

std::string FormatFloat(float v) { return FormatReal(v); }
std::string FormatFloat(double v) { return FormatReal(v); }

std::string PrintType(const TensorType& t) {
  std::string out = DTypeName(t.dtype);
  if (!t.shape) return out + "[*]";
  out += '[';
  for (size_t i = 0; i < t.shape->size(); ++i) {
    const Dim& d = (*t.shape)[i];
    if (i > 0) out += ',';
    if (d.known()) {
      absl::StrAppend(&out, d.value);
    } else if (d.param.empty()) {
      out += '?';
    } else {
      AppendName(out, d.param);
    }
  }
  out += ']';
  return out;
}

namespace {

void AppendValueRef(std::string& out, const Value* v) {
  if (v == nullptr) {
    out += '_';
    return;
  }
  out += '%';
  AppendName(out, v->name());
}

// PrintNode's text appended to `out`: printing a graph builds no per-node
// string vectors.
void AppendNode(std::string& out, const Node& n) {
  for (size_t i = 0; i < n.outputs().size(); ++i) {
    if (i > 0) out += ", ";
    const Value* o = n.outputs()[i];
    if (o->name().empty()) {
      out += '_';
    } else {
      AppendValueRef(out, o);
      absl::StrAppend(&out, ": ", PrintType(o->type()));
      if (o->quant()) out += PrintQuant(*o->quant());
    }
  }
  out += " = ";
  if (!n.domain().empty()) absl::StrAppend(&out, n.domain(), ".");
  absl::StrAppend(&out, n.op_type(), "(");
  for (size_t i = 0; i < n.inputs().size(); ++i) {
    if (i > 0) out += ", ";
    AppendValueRef(out, n.inputs()[i]);
  }
  out += ')';
  for (size_t i = 0; i < n.attributes().size(); ++i) {
    out += i == 0 ? " {" : ", ";
    out += PrintAttr(n.attributes()[i]);
  }
  if (!n.attributes().empty()) out += '}';
  if (!n.name().empty()) {
    out += " @";
    AppendName(out, n.name());
  }
  if (n.float_op()) out += " [float]";
}

}  // namespace

std::string PrintNode(const Node& n) {
  std::string out;
  AppendNode(out, n);
  return out;
}

std::string PrintGraph(const Graph& g) {
  std::vector<std::string> opsets;
  for (const auto& [domain, version] : g.info().opsets) {
    opsets.push_back(absl::StrCat(Quote(domain), ": ", version));
  }
  std::string out = absl::StrCat("graph ", Quote(g.name()), " ir=", g.info().ir_version,
                                 " opsets={", absl::StrJoin(opsets, ", "), "}\n");
  for (const Value* v : g.inputs()) absl::StrAppend(&out, "input ", ValueDecl(v), "\n");
  for (const Value* v : g.initializers()) {
    absl::StrAppend(&out, "const ", ValueRef(v), ": ", PrintTensorBody(v->initializer()));
    if (v->quant()) absl::StrAppend(&out, PrintQuant(*v->quant()));
    absl::StrAppend(&out, "\n");
  }
  for (const Node* n : g.nodes()) {
    AppendNode(out, *n);
    out += '\n';
  }
  for (const Value* v : g.outputs()) absl::StrAppend(&out, "output ", ValueRef(v), "\n");
  return out;
}

}  // namespace quantc
