// The graph walk of the exact TINPU evaluator; the kernels are in
// int_kernels.cc.
#include "tests/tinpu/int_evaluator.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/tinpu/int_kernels.h"
#include "util/status_macros.h"

namespace quantc::tinpu {
namespace {

absl::Status Prefixed(const Node& n, const absl::Status& st) {
  return absl::Status(st.code(), absl::StrCat(n.Describe(), ": ", st.message()));
}

double Magnitude(const Rational& r) {
  return static_cast<double>(r.num < 0 ? -r.num : r.num);
}

}  // namespace

bool ExactTensor::AllIntegers() const {
  return std::all_of(v.begin(), v.end(), [](const Rational& r) { return r.is_integer(); });
}

const std::vector<std::string>& EvaluatorOps() {
  static const auto* ops = new std::vector<std::string>{
      "Add",   "AveragePool", "Clip",      "Concat", "Conv",    "Flatten", "Floor",
      "Gemm",  "MatMul",      "MaxPool",   "Mul",    "ReduceSum", "Relu", "Reshape",
      "Round", "Transpose",   "Sigmoid (float)", "Softmax (float)", "Tanh (float)"};
  return *ops;
}

bool IsFloatFallbackOp(const std::string& op_type) { return FindFloatKernel(op_type) != nullptr; }

IntEvaluator::IntEvaluator(const Graph& g) : g_(g) {
  for (const Node* n : g.nodes()) {
    nodes_.push_back(n);
    peaks_.push_back(NodePeak{n->Describe(), 0});
  }
}

absl::StatusOr<std::unique_ptr<IntEvaluator>> IntEvaluator::Create(const Graph& g) {
  std::vector<std::string> bad;
  for (const Node* n : g.nodes()) {
    if (!n->domain().empty() || FindKernel(n->op_type()) == nullptr) {
      bad.push_back(n->Describe());
      continue;
    }
    for (int i = 1; i < n->num_outputs(); ++i) {
      const Value* v = n->output(i);
      if (v != nullptr && (!v->uses().empty() || g.IsGraphOutput(v))) {
        bad.push_back(absl::StrCat(n->Describe(), " output ", i));
      }
    }
  }
  if (!bad.empty()) {
    return absl::UnimplementedError(absl::StrCat(
        "the integer evaluator does not implement: ", absl::StrJoin(bad, "; "),
        " (it implements ", absl::StrJoin(EvaluatorOps(), ", "), ")"));
  }
  return std::unique_ptr<IntEvaluator>(new IntEvaluator(g));
}

absl::StatusOr<const ExactTensor*> IntEvaluator::Constant(const Value* v) {
  auto it = constants_.find(v);
  if (it != constants_.end()) return &it->second;
  const Tensor& t = v->initializer();
  ExactTensor e;
  e.dims = t.dims();
  e.is_constant = true;
  e.v.resize(t.num_elements());
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    switch (t.dtype()) {
      case DType::kFloat32: {
        auto r = FromFloat(t.data<float>()[i]);
        if (!r.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("initializer '", v->name(), "': ", r.status().message()));
        }
        e.v[i] = *r;
        break;
      }
      case DType::kInt64:
        e.v[i] = Rational{t.data<int64_t>()[i], 1};
        break;
      case DType::kInt32:
        e.v[i] = Rational{t.data<int32_t>()[i], 1};
        break;
      default:
        return absl::UnimplementedError(absl::StrCat("initializer '", v->name(), "' has dtype ",
                                                     DTypeName(t.dtype())));
    }
  }
  return &constants_.emplace(v, std::move(e)).first->second;
}

absl::StatusOr<std::vector<ExactTensor>> IntEvaluator::Run(
    absl::Span<const Tensor> inputs, absl::flat_hash_map<std::string, ExactTensor>* values) {
  if (inputs.size() != g_.inputs().size()) {
    return absl::InvalidArgumentError(absl::StrCat("the graph has ", g_.inputs().size(),
                                                   " inputs, ", inputs.size(), " given"));
  }
  absl::flat_hash_map<const Value*, ExactTensor> env;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value* v = g_.inputs()[i];
    const Tensor& t = inputs[i];
    if (t.dtype() != DType::kFloat32) {
      return absl::InvalidArgumentError(absl::StrCat("input '", v->name(), "' must be float32"));
    }
    ExactTensor e;
    e.dims = t.dims();
    if (auto dims = v->type().StaticDims()) {
      if (NumElements(*dims) != t.num_elements()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "input '", v->name(), "' takes ", NumElements(*dims), " elements, got ",
            t.num_elements()));
      }
      e.dims = *dims;
    }
    e.float_domain = true;
    e.v.resize(t.num_elements());
    for (int64_t j = 0; j < t.num_elements(); ++j) {
      auto r = FromFloat(t.data<float>()[j]);
      if (!r.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("input '", v->name(), "' element ", j, ": ", r.status().message()));
      }
      e.v[j] = *r;
    }
    env.emplace(v, std::move(e));
  }
  auto lookup = [&](const Value* v) -> absl::StatusOr<const ExactTensor*> {
    if (v->is_initializer()) return Constant(v);
    auto it = env.find(v);
    if (it == env.end()) {
      return absl::InternalError(absl::StrCat("value '", v->name(), "' has no definition"));
    }
    return &it->second;
  };
  for (size_t k = 0; k < nodes_.size(); ++k) {
    const Node& n = *nodes_[k];
    std::vector<const ExactTensor*> ins;
    for (const Value* v : n.inputs()) {
      if (v == nullptr) {
        ins.push_back(nullptr);
        continue;
      }
      auto t = lookup(v);
      if (!t.ok()) return Prefixed(n, t.status());
      ins.push_back(*t);
    }
    KernelContext ctx{g_.opset()};
    auto out = FindKernel(n.op_type())(n, ins, ctx);
    if (!out.ok()) return Prefixed(n, out.status());
    if (!out->float_domain) {
      double peak = ctx.peak;
      for (const Rational& r : out->v) peak = std::max(peak, Magnitude(r));
      peaks_[k].magnitude = std::max(peaks_[k].magnitude, peak);
    }
    out->is_constant = false;
    if (values != nullptr) (*values)[n.output(0)->name()] = *out;
    env[n.output(0)] = std::move(*out);
  }
  std::vector<ExactTensor> result;
  for (const Value* v : g_.outputs()) {
    QC_ASSIGN_OR_RETURN(const ExactTensor* t, lookup(v));
    result.push_back(*t);
  }
  return result;
}

absl::StatusOr<Tensor> ToFloatTensor(const ExactTensor& t) {
  Tensor out(DType::kFloat32, t.dims);
  float* p = out.mutable_data<float>();
  for (int64_t i = 0; i < t.size(); ++i) {
    auto f = ToFloat(t.v[i]);
    if (!f.ok()) {
      return absl::Status(f.status().code(),
                          absl::StrCat("element ", i, ": ", f.status().message()));
    }
    p[i] = *f;
  }
  return out;
}

}  // namespace quantc::tinpu
