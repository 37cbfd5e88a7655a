#include "backends/c/reference.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "quant/numeric.h"

namespace quantc::cbackend {
std::vector<int8_t> QuantizeInput(const InputQuantizer& q, absl::Span<const float> x) {
  std::vector<int8_t> out(x.size());
  const size_t channels = q.kind == InputQuantizer::Kind::kAffine ? q.scale.size() : q.mult.size();
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t c = channels > 1 ? (i / q.inner) % channels : 0;
    float v = 0;  // a NaN input means real 0
    if (q.kind == InputQuantizer::Kind::kAffine) {
      // QuantizeLinear: float32 division, ties to even, then + zero point.
      const float r = static_cast<float>(RoundHalfEven(x[i] / q.scale[c]));
      v = std::isnan(r) ? static_cast<float>(q.zero_point[c])
                        : r + static_cast<float>(q.zero_point[c]);
    } else {
      // TINPU's block, each ONNX op rounded to float32 on its own.
      const float t1 = x[i] + q.offset[c];
      const float t2 = t1 * q.mult[c];
      const float t3 = t2 * q.shift_mult[c];
      const float f = std::floor(t3);
      v = std::isnan(f) ? 0.0f : f;
    }
    const float lo = static_cast<float>(q.lo), hi = static_cast<float>(q.hi);
    v = v < lo ? lo : (v > hi ? hi : v);
    out[i] = static_cast<int8_t>(static_cast<int32_t>(v) + q.storage_offset);
  }
  return out;
}

std::vector<float> DequantizeOutput(const OutputDequantizer& d, absl::Span<const int8_t> q) {
  std::vector<float> out(q.size());
  for (size_t i = 0; i < q.size(); ++i) {
    out[i] = static_cast<float>(static_cast<int32_t>(q[i]) - d.zero_point) * d.scale;
  }
  return out;
}

Reference::Reference(const IntProgram& program) : program_(program) {
  values_.resize(program.tensors.size());
  for (size_t t = 0; t < program.tensors.size(); ++t) {
    const IntTensor& it = program.tensors[t];
    if (it.view_of >= 0) continue;
    values_[t] = it.is_constant() ? it.constant
                                  : std::vector<int8_t>(static_cast<size_t>(it.num_elements()), 0);
  }
}

absl::StatusOr<std::vector<int8_t>> Reference::Run(const Tensor& input) {
  const IntTensor& in = program_.tensors[program_.input];
  if (input.num_elements() != in.num_elements()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input has ", input.num_elements(), " elements, the model takes ", in.num_elements()));
  }
  std::vector<int8_t>& dst = values_[program_.StorageOf(program_.input)];
  if (input.dtype() == DType::kInt8) {
    dst.assign(input.data<int8_t>().begin(), input.data<int8_t>().end());
  } else if (input.dtype() == DType::kFloat32) {
    dst = QuantizeInput(program_.input_quantizer, input.data<float>());
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("input of type ", DTypeName(input.dtype()), " (float32 or int8 expected)"));
  }
  for (size_t i = 0; i < program_.ops.size(); ++i) RunOp(static_cast<int>(i));
  return Values(program_.output);
}

void Reference::RunOp(int i) { EvaluateOp(program_, program_.ops[i], values_); }

}  // namespace quantc::cbackend
