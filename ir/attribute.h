// Typed node attributes (the subset of ONNX attribute kinds quantc keeps;
// graph-valued attributes mean control flow, which import rejects).
#ifndef QUANTC_IR_ATTRIBUTE_H_
#define QUANTC_IR_ATTRIBUTE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ir/tensor.h"

namespace quantc {

struct Attribute {
  enum class Kind { kFloat, kInt, kString, kTensor, kFloats, kInts, kStrings, kTensors };

  std::string name;
  Kind kind = Kind::kInt;
  float f = 0;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<Tensor> tensors;

  static Attribute Int(std::string name, int64_t v);
  static Attribute Float(std::string name, float v);
  static Attribute String(std::string name, std::string v);
  static Attribute Ints(std::string name, std::vector<int64_t> v);
  static Attribute Floats(std::string name, std::vector<float> v);
  static Attribute TensorValue(std::string name, Tensor v);

  bool operator==(const Attribute& o) const;
};

}  // namespace quantc

#endif  // QUANTC_IR_ATTRIBUTE_H_
