// libFuzzer target: `quantc run` on fixed small models with fuzzed inputs.
//
// The models are one-node graphs, one per op family whose output size or
// arithmetic depends on input *data*: shapes, pads, repeats, slice bounds,
// split sizes, scales, indices, ranges, window operands, integer operands.
// Graph inputs have no declared shape, so every input's rank, dims and
// bytes come from the fuzzer:
//
//   byte 0            model index (mod the table size)
//   per input         1 byte rank (mod 5), rank bytes of dims (mod 8), then
//                     the elements' raw little-endian bytes (int64 shape
//                     operands take all 8 bytes, so values near INT64_MIN
//                     and INT64_MAX come up); zeros once the data runs out
//
// Property: Interpreter::Run returns outputs or an error that is not
// Internal; the sanitizers catch everything else.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "ir/graph.h"
#include "ir/interpreter.h"

namespace quantc {
namespace {

struct Spec {
  const char* op;
  std::vector<DType> inputs;
  int outputs;
  std::vector<Attribute> attrs;
  int64_t opset;
};

constexpr DType F = DType::kFloat32, I64 = DType::kInt64, I32 = DType::kInt32,
                U8 = DType::kUInt8, I8 = DType::kInt8, B = DType::kBool, D = DType::kFloat64;

const std::vector<Spec>& Specs() {
  static const auto* specs = new std::vector<Spec>{
      {"Reshape", {F, I64}, 1, {}, 13},
      {"Reshape", {F, I64}, 1, {Attribute::Int("allowzero", 1)}, 14},
      {"Expand", {F, I64}, 1, {}, 13},
      {"Tile", {F, I64}, 1, {}, 13},
      {"Slice", {F, I64, I64, I64, I64}, 1, {}, 13},
      {"Pad", {F, I64, F}, 1, {}, 13},
      {"Pad", {F, I64}, 1, {Attribute::String("mode", "reflect")}, 13},
      {"Pad", {F, I64}, 1, {Attribute::String("mode", "edge")}, 13},
      {"ConstantOfShape", {I64}, 1, {}, 13},
      {"Range", {I64, I64, I64}, 1, {}, 13},
      {"Range", {F, F, F}, 1, {}, 13},
      {"Split", {F, I64}, 2, {Attribute::Int("axis", 0)}, 13},
      {"Resize", {F, F, F}, 1, {Attribute::String("mode", "linear")}, 13},
      {"Resize", {F, F, F}, 1, {Attribute::String("mode", "cubic")}, 13},
      {"Resize", {F, F, F, I64}, 1, {Attribute::String("mode", "nearest")}, 13},
      {"Resize",
       {F, F, F},
       1,
       {Attribute::String("coordinate_transformation_mode", "tf_crop_and_resize")},
       13},
      {"Gather", {F, I64}, 1, {Attribute::Int("axis", 0)}, 13},
      {"GatherElements", {F, I64}, 1, {Attribute::Int("axis", 0)}, 13},
      {"Conv", {F, F, F}, 1, {}, 13},
      {"Conv", {F, F}, 1, {Attribute::Ints("pads", {1, 1, 1, 1}), Attribute::Int("group", 2)}, 13},
      {"ConvTranspose", {F, F, F}, 1, {Attribute::Ints("strides", {2, 2})}, 13},
      {"MaxPool",
       {F},
       2,
       {Attribute::Ints("kernel_shape", {2, 2}), Attribute::Ints("pads", {1, 1, 1, 1})},
       13},
      {"AveragePool",
       {F},
       1,
       {Attribute::Ints("kernel_shape", {3}), Attribute::Int("ceil_mode", 1),
        Attribute::Int("count_include_pad", 1), Attribute::Ints("strides", {2})},
       13},
      {"GlobalAveragePool", {F}, 1, {}, 13},
      {"MatMul", {F, F}, 1, {}, 13},
      {"MatMul", {I32, I32}, 1, {}, 13},
      {"Gemm", {F, F, F}, 1, {Attribute::Int("transB", 1)}, 13},
      {"Gemm", {I64, I64, I64}, 1, {Attribute::Float("alpha", 3e30f)}, 13},
      {"Concat", {F, F}, 1, {Attribute::Int("axis", 0)}, 13},
      {"Transpose", {F}, 1, {}, 13},
      {"Cast", {F}, 1, {Attribute::Int("to", 3)}, 13},
      {"Cast", {D}, 1, {Attribute::Int("to", 13)}, 13},
      {"Cast", {F}, 1, {Attribute::Int("to", 16)}, 13},
      {"QuantizeLinear", {F, F, U8}, 1, {}, 13},
      {"QuantizeLinear", {F, F, I8}, 1, {Attribute::Int("axis", 0)}, 13},
      {"DequantizeLinear", {I8, F, I8}, 1, {}, 13},
      {"ReduceSum", {F, I64}, 1, {}, 13},
      {"ReduceLogSumExp", {I32}, 1, {Attribute::Ints("axes", {0})}, 13},
      {"ReduceMean", {I64}, 1, {}, 13},
      {"ReduceL2", {I32}, 1, {Attribute::Int("keepdims", 0)}, 13},
      {"Add", {I32, I32}, 1, {}, 13},
      {"Div", {I64, I64}, 1, {}, 13},
      {"Mod", {I32, I32}, 1, {}, 13},
      {"Pow", {I64, I64}, 1, {}, 13},
      {"Pow", {F, I32}, 1, {}, 13},
      {"Where", {B, F, F}, 1, {}, 13},
      {"Softmax", {F}, 1, {}, 13},
      {"LayerNormalization", {F, F, F}, 3, {Attribute::Int("axis", -1)}, 17},
      {"Squeeze", {F, I64}, 1, {}, 13},
      {"Unsqueeze", {F, I64}, 1, {}, 13},
      {"DepthToSpace", {F}, 1, {Attribute::Int("blocksize", 2)}, 13},
      {"SpaceToDepth", {F}, 1, {Attribute::Int("blocksize", 2)}, 13},
      {"BatchNormalization", {F, F, F, F, F}, 1, {}, 13},
      {"InstanceNormalization", {F, F, F}, 1, {}, 13},
      {"Abs", {I64}, 1, {}, 13},
      {"Neg", {I32}, 1, {}, 13},
      {"Clip", {I32, I32, I32}, 1, {}, 13},
      {"QLinearMatMul", {U8, F, U8, U8, F, U8, F, U8}, 1, {}, 13},
      {"QLinearConv", {U8, F, U8, U8, F, U8, F, U8, I32}, 1, {}, 13},
      {"ConvInteger", {U8, U8}, 1, {}, 13},
      {"MatMulInteger", {U8, U8, U8, U8}, 1, {}, 13},
      {"ArgMax", {F}, 1, {Attribute::Int("select_last_index", 1)}, 13},
      {"Flatten", {F}, 1, {Attribute::Int("axis", 2)}, 13},
      {"Dropout", {F, F, B}, 2, {}, 13},
      {"PRelu", {F, F}, 1, {}, 13},
      {"Equal", {B, B}, 1, {}, 13},
      {"Upsample", {F, F}, 1, {}, 9},
  };
  return *specs;
}

// Reads the fuzz input front to back; zeros once it is exhausted.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  void Bytes(char* out, size_t n) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>(Byte());
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

Tensor ReadTensor(Reader& r, DType dt) {
  const int rank = r.Byte() % 5;
  std::vector<int64_t> dims;
  for (int i = 0; i < rank; ++i) dims.push_back(r.Byte() % 8);
  Tensor t(dt, dims);  // at most 7^4 elements: a program-chosen bound
  if (dt == DType::kBool) {
    bool* p = t.mutable_data<bool>();
    for (int64_t i = 0; i < t.num_elements(); ++i) p[i] = (r.Byte() & 1) != 0;
  } else {
    r.Bytes(t.mutable_raw(), t.num_bytes());
  }
  return t;
}

struct Model {
  std::unique_ptr<Graph> graph;
  std::unique_ptr<Interpreter> interp;
};

std::vector<Model>& Models() {
  static auto* models = [] {
    auto* out = new std::vector<Model>;
    for (const Spec& s : Specs()) {
      Model m;
      m.graph = std::make_unique<Graph>();
      m.graph->info().opsets[""] = s.opset;
      std::vector<Value*> ins;
      for (size_t i = 0; i < s.inputs.size(); ++i) {
        TensorType type;
        type.dtype = s.inputs[i];  // no shape: any rank is accepted
        ins.push_back(m.graph->AddInput("in" + std::to_string(i), type));
      }
      std::vector<std::string> outs;
      for (int i = 0; i < s.outputs; ++i) outs.push_back("out" + std::to_string(i));
      Node* n = m.graph->AddNode(s.op, ins, outs, nullptr, "node");
      for (const Attribute& a : s.attrs) n->SetAttr(a);
      for (Value* v : n->outputs()) m.graph->AddOutput(v);
      m.interp = std::make_unique<Interpreter>(*m.graph);
      out->push_back(std::move(m));
    }
    return out;
  }();
  return *models;
}

}  // namespace
}  // namespace quantc

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quantc;
  fuzz::Init();
  Reader r(data, size);
  const Spec& spec = Specs()[r.Byte() % Specs().size()];
  Model& model = Models()[&spec - Specs().data()];
  std::vector<Tensor> inputs;
  for (DType dt : spec.inputs) inputs.push_back(ReadTensor(r, dt));
  auto outs = model.interp->Run(inputs);
  if (!outs.ok()) fuzz::RequireClean(outs.status(), spec.op);
  return 0;
}
