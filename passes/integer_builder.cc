#include "passes/integer_builder.h"

namespace quantc {

Value* IntegerBuilder::ChannelConst(const std::string& name, const std::vector<float>& v,
                                    int64_t rank) {
  std::vector<int64_t> dims(std::max<int64_t>(rank, 1), 1);
  if (v.size() > 1) dims[1] = static_cast<int64_t>(v.size());
  return g_.AddInitializer(name, Tensor::FromVector<float>(dims, v));
}

Value* IntegerBuilder::Scalar(const std::string& name, float v) {
  return g_.AddInitializer(name, Tensor::Scalar<float>(v));
}

Value* IntegerBuilder::Op(const std::string& op, std::vector<Value*> inputs,
                          const std::string& name, const TensorType& type,
                          std::vector<Attribute> attrs) {
  Node* n = g_.AddNode(op, inputs, {name}, before_, name);
  for (Attribute& a : attrs) n->SetAttr(std::move(a));
  TensorType t = type;
  t.dtype = DType::kFloat32;
  n->output(0)->set_type(t);
  return n->output(0);
}

Value* IntegerBuilder::Clip(Value* x, double lo, double hi, const std::string& name,
                            const TensorType& type) {
  if (g_.opset() < 11) {
    return Op("Clip", {x}, name, type,
              {Attribute::Float("min", static_cast<float>(lo)),
               Attribute::Float("max", static_cast<float>(hi))});
  }
  return Op("Clip", {x, Scalar(name + "_min", static_cast<float>(lo)),
                     Scalar(name + "_max", static_cast<float>(hi))},
            name, type);
}

Value* IntegerBuilder::Oss(Value* x, const tinpu::OssParams& p, tinpu::ClipRange clip,
                           const std::string& name, const TensorType& type) {
  int64_t rank = type.shape ? static_cast<int64_t>(type.shape->size()) : 4;
  Value* t = Op("Add", {x, ChannelConst(name + "_offset", p.offset, rank)}, name + "_biased", type);
  t = Op("Mul", {t, ChannelConst(name + "_multiplier", p.mult, rank)}, name + "_scaled", type);
  t = Op("Mul", {t, ChannelConst(name + "_shift_mult", p.shift_mult, rank)}, name + "_shifted",
         type);
  t = Op("Floor", {t}, name + "_floor", type);
  return Clip(t, static_cast<double>(clip.lo), static_cast<double>(clip.hi), name + "_clip", type);
}

}  // namespace quantc
