#include "backends/c/program.h"

namespace quantc::cbackend {

int64_t IntTensor::num_elements() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

IntOp NewOp(OpKind kind, std::string name, std::vector<int> inputs, int output) {
  IntOp op;
  op.kind = kind;
  op.name = std::move(name);
  op.inputs = std::move(inputs);
  op.output = output;
  return op;
}

const char* OpKindName(OpKind k) {
  switch (k) {
    case OpKind::kConv:
      return "conv";
    case OpKind::kFullyConnected:
      return "fully_connected";
    case OpKind::kAdd:
      return "add";
    case OpKind::kMul:
      return "mul";
    case OpKind::kMaxPool:
      return "max_pool";
    case OpKind::kAvgPool:
      return "avg_pool";
    case OpKind::kConcat:
      return "concat";
    case OpKind::kRequant:
      return "requant";
    case OpKind::kLut:
      return "lut";
    case OpKind::kSoftmax:
      return "softmax";
    case OpKind::kAffine:
      return "affine";
  }
  return "?";
}

}  // namespace quantc::cbackend
