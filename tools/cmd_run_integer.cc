// `quantc run MODEL.onnx --integer --input=X.npy -o OUT_DIR`: evaluates the
// model's integer program (backends/c/program.h) with the C++ reference
// (backends/c/reference.h), the same computation `quantc compile`'s C code
// performs, and writes the int8 output codes as OUT_DIR/<output>.npy.
//
// X is float32 (quantized by the spec's input quantizer, like the C float
// wrapper) or int8 (the program's input codes). Its shape is the model
// input's, or N samples of it (an extra leading dim, or N in place of a
// batch dim of 1); outputs stack the same way `quantc run` stacks them.
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "backends/c/lower.h"
#include "backends/c/lower_util.h"
#include "backends/c/reference.h"
#include "ir/npy.h"
#include "ir/onnx_import.h"
#include "tools/cmd_run.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

using cbackend::IntProgram;

std::string SafeName(std::string s) {
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') c = '_';
  }
  return s.empty() || s == "." || s == ".." ? "_" + s : s;
}

absl::Status MakeDir(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i < dir.size() && dir[i] != '/') continue;
    const std::string part = dir.substr(0, i);
    if (mkdir(part.c_str(), 0777) != 0 && errno != EEXIST) {
      return absl::InternalError(
          absl::StrCat("cannot create folder '", part, "': ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

// Number of samples in `x` for an input of dims `in` (per-sample dims in
// `sample_dims`), or an error.
absl::StatusOr<int64_t> Samples(const Tensor& x, const std::vector<int64_t>& in,
                                const std::string& file) {
  const std::vector<int64_t>& d = x.dims();
  if (d == in) return 1;
  if (!d.empty()) {
    const std::vector<int64_t> rest(d.begin() + 1, d.end());
    std::vector<int64_t> batch = in;
    if (!batch.empty() && batch[0] == 1) batch[0] = d[0];
    if (rest == in || (!in.empty() && in[0] == 1 && d == batch)) return d[0];
  }
  return absl::InvalidArgumentError(absl::StrCat(file, ": holds shape ", cbackend::DimsStr(d),
                                                 "; the model input is ", cbackend::DimsStr(in),
                                                 " (or N samples of it)"));
}

absl::Status RunInteger(const std::string& model, const std::string& data,
                        const std::string& out_dir) {
  QC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> g, ImportModelFile(model));
  auto lowered = cbackend::LowerToIntProgram(*g);
  if (!lowered.ok()) {
    return absl::Status(lowered.status().code(),
                        absl::StrCat(model, ": ", lowered.status().message()));
  }
  const IntProgram& p = *lowered;
  QC_ASSIGN_OR_RETURN(Tensor x, ReadNpyFile(data));
  if (x.dtype() != DType::kFloat32 && x.dtype() != DType::kInt8) {
    return absl::InvalidArgumentError(
        absl::StrCat(data, ": holds ", DTypeName(x.dtype()), "; --integer takes float32 or int8"));
  }
  const std::vector<int64_t>& in_dims = p.tensors[p.input].dims;
  QC_ASSIGN_OR_RETURN(int64_t n, Samples(x, in_dims, data));
  const int64_t per = p.tensors[p.input].num_elements();
  const size_t esize = DTypeSize(x.dtype());
  cbackend::Reference ref(p);
  std::vector<int8_t> all;
  for (int64_t i = 0; i < n; ++i) {
    Tensor sample(x.dtype(), in_dims, std::string(x.raw() + i * per * esize, per * esize));
    auto y = ref.Run(sample);
    if (!y.ok()) {
      return absl::Status(y.status().code(),
                          absl::StrCat(data, " (sample ", i, "): ", y.status().message()));
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
  Tensor out(DType::kInt8, od, std::string(all.begin(), all.end()));
  QC_RETURN_IF_ERROR(MakeDir(out_dir));
  const std::string path = absl::StrCat(out_dir, "/", SafeName(p.output_name), ".npy");
  QC_RETURN_IF_ERROR(WriteNpyFile(path, out));
  std::printf("%s: i8 %s\n", path.c_str(), cbackend::DimsStr(od).c_str());
  return absl::OkStatus();
}

}  // namespace

int RunIntegerCommand(const cli::Args& a) {
  absl::Status st = RunInteger(a.positional[0], a.Get("input"), a.Get("output"));
  return st.ok() ? cli::kOk : cli::ReportError(st);
}

}  // namespace quantc
