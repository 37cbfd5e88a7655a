// `quantc run --integer`: evaluates the model's integer program
// (backends/c/program.h) with the C++ reference (backends/c/reference.h),
// the same computation `quantc compile`'s C code performs, and returns the
// int8 output codes.
//
// The input is float32 (quantized by the spec's input quantizer, like the C
// float wrapper) or int8 (the program's input codes). Its shape is the
// model input's, or N samples of it (an extra leading dim, or N in place of
// a batch dim of 1); outputs stack the same way the float run stacks them.
#include "absl/strings/str_cat.h"
#include "api/run.h"
#include "backends/c/lower.h"
#include "backends/c/reference.h"
#include "util/status_macros.h"

namespace quantc::api {
namespace {

// Number of samples in `x` for an input of dims `in`, or an error.
absl::StatusOr<int64_t> Samples(const Tensor& x, const std::vector<int64_t>& in,
                                const std::string& source) {
  const std::vector<int64_t>& d = x.dims();
  if (d == in) return 1;
  if (!d.empty()) {
    const std::vector<int64_t> rest(d.begin() + 1, d.end());
    std::vector<int64_t> batch = in;
    if (!batch.empty() && batch[0] == 1) batch[0] = d[0];
    if (rest == in || (!in.empty() && in[0] == 1 && d == batch)) return d[0];
  }
  return absl::InvalidArgumentError(absl::StrCat(source, ": holds shape ", DimsStr(d),
                                                 "; the model input is ", DimsStr(in),
                                                 " (or N samples of it)"));
}

}  // namespace

absl::StatusOr<std::vector<NamedTensor>> RunInteger(const ModelInput& model, NamedArray input) {
  QC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> g, LoadModel(model));
  auto lowered = cbackend::LowerToIntProgram(*g);
  if (!lowered.ok()) return InModel(model, lowered.status());
  const cbackend::IntProgram& p = *lowered;
  const Tensor& x = input.array;
  if (!input.input.empty() && input.input != p.input_name) {
    return absl::InvalidArgumentError(
        absl::StrCat(input.source, ": names '", input.input, "', which is not the graph input"));
  }
  if (x.dtype() != DType::kFloat32 && x.dtype() != DType::kInt8) {
    return absl::InvalidArgumentError(absl::StrCat(input.source, ": holds ", DTypeName(x.dtype()),
                                                   "; --integer takes float32 or int8"));
  }
  const std::vector<int64_t>& in_dims = p.tensors[p.input].dims;
  QC_ASSIGN_OR_RETURN(int64_t n, Samples(x, in_dims, input.source));
  const int64_t per = p.tensors[p.input].num_elements();
  const size_t esize = DTypeSize(x.dtype());
  cbackend::Reference ref(p);
  std::vector<int8_t> all;
  for (int64_t i = 0; i < n; ++i) {
    Tensor sample(x.dtype(), in_dims, std::string(x.raw() + i * per * esize, per * esize));
    auto y = ref.Run(sample);
    if (!y.ok()) {
      return absl::Status(y.status().code(), absl::StrCat(input.source, " (sample ", i, "): ",
                                                          y.status().message()));
    }
    all.insert(all.end(), y->begin(), y->end());
  }
  std::vector<int64_t> od = p.tensors[p.output].dims;
  if (n > 1 || x.dims() != in_dims) {
    if (!od.empty() && od[0] == 1) {
      od[0] = n;
    } else {
      od.insert(od.begin(), n);
    }
  }
  std::vector<NamedTensor> out;
  out.push_back({p.output_name, Tensor(DType::kInt8, od, std::string(all.begin(), all.end()))});
  return out;
}

}  // namespace quantc::api
