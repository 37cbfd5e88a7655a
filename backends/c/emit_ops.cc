// One `static const` descriptor and one kernel call per integer op, plus
// the const arrays they point to (emit_internal.h).
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "backends/c/emit_internal.h"

namespace quantc::cbackend {
namespace {

std::string Ints(std::initializer_list<int64_t> v) {
  std::vector<std::string> s;
  for (int64_t x : v) s.push_back(CInt(x));
  return absl::StrJoin(s, ", ");
}

// Row-major strides of `d` right-aligned to rank 4, 0 where it is broadcast.
std::string Strides4(std::vector<int64_t> d) {
  while (d.size() < 4) d.insert(d.begin(), 1);
  std::vector<int64_t> s(4, 0);
  int64_t step = 1;
  for (int i = 3; i >= 0; --i) {
    s[i] = d[i] == 1 ? 0 : step;
    step *= d[i];
  }
  return absl::StrJoin(s, ", ");
}

std::string Dims4(std::vector<int64_t> d) {
  while (d.size() < 4) d.insert(d.begin(), 1);
  return absl::StrJoin(d, ", ");
}

// NCHW dims of a window op's tensor ([N, C, L] is [N, C, 1, L]).
struct Nchw {
  int64_t n, c, h, w;
};
Nchw AsNchw(const std::vector<int64_t>& d) {
  return d.size() == 4 ? Nchw{d[0], d[1], d[2], d[3]} : Nchw{d[0], d[1], 1, d[2]};
}

}  // namespace

std::string CInt(int64_t v) {
  return v == INT32_MIN ? std::string("(-2147483647 - 1)") : absl::StrCat(v);
}

std::string CFloat(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

std::string CommentSafe(const std::string& s) {
  return absl::StrReplaceAll(s, {{"*/", "*_/"}, {"/*", "/_*"}, {"\n", " "}});
}

std::string ConstData::Array(const std::string& name, const char* ctype, size_t elem_size,
                             const std::vector<std::string>& items, int per_line) {
  const std::string sym = absl::StrCat(prefix_, "_", name);
  absl::StrAppend(&declarations_, "extern const ", ctype, " ", sym, "[", items.size(), "];\n");
  absl::StrAppend(&definitions_, "const ", ctype, " ", sym, "[", items.size(), "] = {");
  for (size_t i = 0; i < items.size(); ++i) {
    absl::StrAppend(&definitions_, i % per_line == 0 ? "\n    " : " ", items[i], ",");
  }
  absl::StrAppend(&definitions_, "\n};\n\n");
  bytes_ += static_cast<int64_t>(items.size() * elem_size);
  return sym;
}

std::string ConstData::Int8(const std::string& name, const std::vector<int8_t>& v) {
  std::vector<std::string> s;
  for (int8_t x : v) s.push_back(absl::StrCat(x));
  return Array(name, "int8_t", 1, s, 16);
}

std::string ConstData::Int32(const std::string& name, const std::vector<int32_t>& v) {
  std::vector<std::string> s;
  for (int32_t x : v) s.push_back(CInt(x));
  return Array(name, "int32_t", 4, s, 8);
}

std::string ConstData::Uint32(const std::string& name, const std::vector<uint32_t>& v) {
  std::vector<std::string> s;
  for (uint32_t x : v) s.push_back(absl::StrCat(x, "u"));
  return Array(name, "uint32_t", 4, s, 8);
}

std::string ConstData::Float(const std::string& name, const std::vector<float>& v) {
  std::vector<std::string> s;
  for (float x : v) s.push_back(CFloat(x));
  return Array(name, "float", 4, s, 6);
}

std::string OpEmitter::Ptr(int t) {
  const Buffer& b = plan_.BufferOf(t);
  switch (b.home) {
    case Home::kInput:
      return "in";
    case Home::kOutput:
      return "out";
    case Home::kConstant: {
      std::string& sym = constants_[b.tensor];
      if (sym.empty())
        sym = data_.Int8(absl::StrCat("const", b.tensor), p_.tensors[b.tensor].constant);
      return sym;
    }
    case Home::kArena:
      break;
  }
  return absl::StrCat("(a + ", b.offset, ")");
}

std::string OpEmitter::RequantInit(const Requant& r, const std::string& id) {
  const bool oss = r.kind == Requant::Kind::kOss;
  kernels_.insert(oss ? "rq_oss.c" : "rq_fixed.c");
  const std::string mult = data_.Int32(id + "_mult", r.multiplier);
  const std::string shift = data_.Int32(id + "_shift", r.shift);
  const std::string offset = oss ? data_.Int32(id + "_offset", r.offset) : "NULL";
  return absl::StrCat("{", oss ? "QC_RQ_OSS" : "QC_RQ_FIXED", ", ", mult, ", ", shift, ", ", offset,
                      ", ", Ints({r.out_zero_point, r.lo, r.hi}), "}");
}

absl::StatusOr<OpCode> OpEmitter::Emit(int index) {
  const IntOp& op = p_.ops[index];
  const std::string id = absl::StrCat("op", index);
  switch (op.kind) {
    case OpKind::kConv:
      return Conv(op, id);
    case OpKind::kFullyConnected:
      return FullyConnected(op, id);
    case OpKind::kAdd:
    case OpKind::kMul:
      return Binary(op, id);
    case OpKind::kMaxPool:
    case OpKind::kAvgPool:
      return Pool(op, id);
    case OpKind::kConcat:
      return Concat(op, id);
    case OpKind::kRequant:
      return Requantize(op, id);
    case OpKind::kLut:
      return Lut(op, id);
    case OpKind::kSoftmax:
      return Softmax(op, id);
    case OpKind::kAffine:
      return Affine(op, id);
  }
  return absl::InternalError("unknown op kind");
}

OpCode OpEmitter::Conv(const IntOp& op, const std::string& id) {
  kernels_.insert("conv.c");
  Nchw in = AsNchw(p_.tensors[op.inputs[0]].dims);
  Nchw out = AsNchw(p_.tensors[op.output].dims);
  Window2 w = op.window;
  // A column conv ([N, C, L, 1] with (k, 1) kernels: TINPU's 1-D layout) is
  // the same bytes as a row conv ([N, C, 1, L], (1, k)); the kernel
  // vectorizes along rows.
  if (in.w == 1 && out.w == 1 && w.kernel[1] == 1 && w.pad_begin[1] == 0 && w.pad_end[1] == 0) {
    std::swap(in.h, in.w);
    std::swap(out.h, out.w);
    for (auto* a : {&w.in, &w.out, &w.kernel, &w.stride, &w.dilation, &w.pad_begin, &w.pad_end}) {
      std::swap((*a)[0], (*a)[1]);
    }
  }
  OpCode c;
  c.descriptor = absl::StrCat(
      "static const qc_conv_t ", id, " = {",
      Ints({in.n, in.c, in.h, in.w, out.c, out.h, out.w, w.kernel[0], w.kernel[1], w.stride[0],
            w.stride[1], w.dilation[0], w.dilation[1], w.pad_begin[0], w.pad_begin[1], op.group,
            p_.tensors[op.inputs[0]].zero_point}),
      ",\n    ", data_.Int8(id + "_weights", op.weights), ", ", data_.Int32(id + "_bias", op.bias),
      ",\n    ", RequantInit(op.requant, id), "};\n");
  c.call = absl::StrCat("qc_conv(", Ptr(op.inputs[0]), ", ", Ptr(op.output), ", &", id, ");");
  return c;
}

OpCode OpEmitter::FullyConnected(const IntOp& op, const std::string& id) {
  kernels_.insert("fc.c");
  const int64_t rows = p_.tensors[op.inputs[0]].num_elements() / op.in_features;
  // The kernel sums x * w; the input zero point's share is constant.
  const int64_t zp = p_.tensors[op.inputs[0]].zero_point;
  std::vector<int32_t> bias(op.out_features);
  for (int64_t o = 0; o < op.out_features; ++o) {
    int64_t wsum = 0;
    for (int64_t k = 0; k < op.in_features; ++k) wsum += op.weights[o * op.in_features + k];
    bias[o] = static_cast<int32_t>(op.bias[o] - zp * wsum);
  }
  OpCode c;
  c.descriptor = absl::StrCat(
      "static const qc_fc_t ", id, " = {", Ints({rows, op.in_features, op.out_features}), ",\n    ",
      data_.Int8(id + "_weights", op.weights), ", ", data_.Int32(id + "_bias", bias), ",\n    ",
      RequantInit(op.requant, id), "};\n");
  c.call = absl::StrCat("qc_fc(", Ptr(op.inputs[0]), ", ", Ptr(op.output), ", &", id, ");");
  return c;
}

OpCode OpEmitter::Binary(const IntOp& op, const std::string& id) {
  const bool oss = op.requant.kind == Requant::Kind::kOss;
  const std::string fn = op.kind == OpKind::kMul ? "qc_mul" : (oss ? "qc_add_oss" : "qc_add");
  kernels_.insert(fn.substr(3) + ".c");
  kernels_.insert("binary.c");
  auto strides = [&](int t) { return Strides4(p_.tensors[t].dims); };
  const InputScale sa = op.input_scales.empty() ? InputScale{} : op.input_scales[0];
  const InputScale sb = op.input_scales.empty() ? InputScale{} : op.input_scales[1];
  OpCode c;
  c.descriptor =
      absl::StrCat("static const qc_binary_t ", id, " = {{", Dims4(p_.tensors[op.output].dims),
                   "}, {", strides(op.inputs[0]), "}, {", strides(op.inputs[1]), "},\n    ",
                   Ints({p_.tensors[op.inputs[0]].zero_point, p_.tensors[op.inputs[1]].zero_point,
                         op.pre_shift, sa.multiplier, sa.shift, sb.multiplier, sb.shift}),
                   ",\n    ", RequantInit(op.requant, id), "};\n");
  c.call = absl::StrCat(fn, "(", Ptr(op.inputs[0]), ", ", Ptr(op.inputs[1]), ", ", Ptr(op.output),
                        ", &", id, ");");
  return c;
}

OpCode OpEmitter::Pool(const IntOp& op, const std::string& id) {
  const bool max = op.kind == OpKind::kMaxPool;
  kernels_.insert(max ? "max_pool.c" : "avg_pool.c");
  const Nchw in = AsNchw(p_.tensors[op.inputs[0]].dims);
  const Window2& w = op.window;
  OpCode c;
  c.descriptor = absl::StrCat(
      "static const qc_pool_t ", id, " = {",
      Ints({in.n * in.c, w.in[0], w.in[1], w.out[0], w.out[1], w.kernel[0], w.kernel[1],
            w.stride[0], w.stride[1], w.dilation[0], w.dilation[1], w.pad_begin[0], w.pad_begin[1],
            p_.tensors[op.inputs[0]].zero_point, op.pre_shift, op.requant_per_count ? 1 : 0}),
      ",\n    ", max ? "{0, NULL, NULL, NULL, 0, 0, 0}" : RequantInit(op.requant, id), "};\n");
  c.call = absl::StrCat(max ? "qc_max_pool(" : "qc_avg_pool(", Ptr(op.inputs[0]), ", ",
                        Ptr(op.output), ", &", id, ");");
  return c;
}

OpCode OpEmitter::Concat(const IntOp& op, const std::string& id) {
  kernels_.insert("concat.c");
  const std::vector<int64_t>& od = p_.tensors[op.output].dims;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < op.axis; ++d) outer *= od[d];
  for (size_t d = op.axis + 1; d < od.size(); ++d) inner *= od[d];
  OpCode c;
  int64_t offset = 0;
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const std::string part = absl::StrCat(id, "_in", i);
    const int64_t slice = p_.tensors[op.inputs[i]].dims[op.axis] * inner;
    const bool copy = op.input_copies[i];
    absl::StrAppend(
        &c.descriptor, "static const qc_concat_part_t ", part, " = {",
        Ints({outer, slice, od[op.axis] * inner, copy ? 1 : 0, p_.tensors[op.inputs[i]].zero_point,
              op.pre_shift}),
        ",\n    ",
        copy ? "{0, NULL, NULL, NULL, 0, 0, 0}" : RequantInit(op.input_requants[i], part), "};\n");
    absl::StrAppend(&c.call, i ? "\n  " : "", "qc_concat_part(", Ptr(op.inputs[i]), ", ",
                    Ptr(op.output), " + ", offset, ", &", part, ");");
    offset += slice;
  }
  return c;
}

OpCode OpEmitter::Requantize(const IntOp& op, const std::string& id) {
  kernels_.insert("requant.c");
  OpCode c;
  c.descriptor = absl::StrCat("static const qc_requant_op_t ", id, " = {",
                              Ints({p_.tensors[op.output].num_elements(),
                                    p_.tensors[op.inputs[0]].zero_point, op.pre_shift}),
                              ",\n    ", RequantInit(op.requant, id), "};\n");
  c.call = absl::StrCat("qc_requantize(", Ptr(op.inputs[0]), ", ", Ptr(op.output), ", &", id, ");");
  return c;
}

OpCode OpEmitter::Lut(const IntOp& op, const std::string& id) {
  kernels_.insert("lut.c");
  OpCode c;
  const std::string table =
      data_.Int8(id + "_table", std::vector<int8_t>(op.table.begin(), op.table.end()));
  c.call = absl::StrCat("qc_lut(", Ptr(op.inputs[0]), ", ", Ptr(op.output), ", ",
                        p_.tensors[op.output].num_elements(), ", ", table, ");");
  return c;
}

OpCode OpEmitter::Softmax(const IntOp& op, const std::string& id) {
  kernels_.insert("softmax.c");
  OpCode c;
  c.descriptor = absl::StrCat(
      "static const qc_softmax_t ", id, " = {", Ints({op.outer, op.n, op.inner}), ", ",
      data_.Uint32(id + "_exp", std::vector<uint32_t>(op.exp_table.begin(), op.exp_table.end())),
      ",\n    ", RequantInit(op.requant, id), "};\n");
  c.call = absl::StrCat("qc_softmax(", Ptr(op.inputs[0]), ", ", Ptr(op.output), ", &", id, ");");
  return c;
}

OpCode OpEmitter::Affine(const IntOp& op, const std::string& id) {
  kernels_.insert("affine.c");
  OpCode c;
  c.descriptor = absl::StrCat(
      "static const qc_affine_t ", id, " = {{", Dims4(p_.tensors[op.output].dims), "}, {",
      Strides4(op.affine_dims), "}, ", p_.tensors[op.inputs[0]].zero_point, ",\n    ",
      data_.Int32(id + "_scale", op.affine_scale), ", ", data_.Int32(id + "_bias", op.bias),
      ",\n    ", RequantInit(op.requant, id), "};\n");
  c.call = absl::StrCat("qc_affine(", Ptr(op.inputs[0]), ", ", Ptr(op.output), ", &", id, ");");
  return c;
}

}  // namespace quantc::cbackend
