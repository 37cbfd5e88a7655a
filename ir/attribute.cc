#include "ir/attribute.h"

namespace quantc {

Attribute Attribute::Int(std::string name, int64_t v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kInt;
  a.i = v;
  return a;
}

Attribute Attribute::Float(std::string name, float v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kFloat;
  a.f = v;
  return a;
}

Attribute Attribute::String(std::string name, std::string v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kString;
  a.s = std::move(v);
  return a;
}

Attribute Attribute::Ints(std::string name, std::vector<int64_t> v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kInts;
  a.ints = std::move(v);
  return a;
}

Attribute Attribute::Floats(std::string name, std::vector<float> v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kFloats;
  a.floats = std::move(v);
  return a;
}

Attribute Attribute::TensorValue(std::string name, Tensor v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kTensor;
  a.t = std::move(v);
  return a;
}

bool Attribute::operator==(const Attribute& o) const {
  if (name != o.name || kind != o.kind) return false;
  switch (kind) {
    case Kind::kFloat: return f == o.f;
    case Kind::kInt: return i == o.i;
    case Kind::kString: return s == o.s;
    case Kind::kTensor: return t == o.t;
    case Kind::kFloats: return floats == o.floats;
    case Kind::kInts: return ints == o.ints;
    case Kind::kStrings: return strings == o.strings;
    case Kind::kTensors: return tensors == o.tensors;
  }
  return false;
}

}  // namespace quantc
