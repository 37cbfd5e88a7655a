// `quantc compile MODEL.onnx -o DIR`: a quantized model (generic QDQ or
// TINPU integer ONNX) to dependency-free C (backends/c/compile.h).
#include <cctype>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "backends/c/compile.h"
#include "ir/onnx_import.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "util/dir.h"
#include "util/file.h"

namespace quantc {
namespace {

constexpr char kHelp[] = R"(usage: quantc compile MODEL.onnx -o DIR [options]

Compiles a quantized model (from `quantc quantize`, --target=generic or
tinpu) to C99 for microcontrollers: integer-only kernels, no heap, no
writable globals, every buffer planned at compile time in one arena. DIR
receives NAME.h (API, shapes, I/O quantization, arena size), NAME.c (the
network as straight-line calls), NAME_weights.c (const data) and
quantc_kernels.{h,c} (the kernels it uses). The arithmetic is quantc's
docs/integer-arithmetic.md, the same as `quantc run --integer`. DIR is
written atomically: an error leaves no partial folder.

  -o, --output=DIR      output folder (new, empty, or one this command wrote)
  --name=NAME           C prefix of the API (default: the model file's name)
  --io=int8|float       int8: NAME_run takes and returns int8 codes (default);
                        float: also NAME_run_float and NAME_quantize_input /
                        NAME_dequantize_output
  --arena-align=N       arena offsets and size in multiples of N bytes
                        (a power of two, default 4)
  --report=FILE         JSON: I/O, arena vs lower bound, weight bytes, every
                        tensor's placement
Exit codes: 0 ok, 1 internal error, 2 usage, 3 invalid input, 4 unsupported.
)";

// The model file's name as a C identifier ("digits-cnn.onnx" -> "digits_cnn").
std::string DefaultName(const std::string& path) {
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  if (base.size() > 5 && base.compare(base.size() - 5, 5, ".onnx") == 0)
    base.resize(base.size() - 5);
  for (char& c : base) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  if (base.empty() || std::isdigit(static_cast<unsigned char>(base[0]))) base = "m_" + base;
  return base;
}

}  // namespace

int CompileCommand(const std::vector<std::string>& argv) {
  auto args = cli::ParseArgs(argv, {{"output", "o", true},
                                    {"name", "", true},
                                    {"io", "", true},
                                    {"arena-align", "", true},
                                    {"report", "", true},
                                    {"help", "h", false}});
  if (!args.ok()) return cli::UsageError("compile", std::string(args.status().message()));
  if (args->Has("help")) {
    std::fputs(kHelp, stdout);
    return cli::kOk;
  }
  if (args->positional.size() != 1) return cli::UsageError("compile", "expected one MODEL.onnx");
  if (!args->Has("output")) return cli::UsageError("compile", "missing -o DIR");
  const std::string& path = args->positional[0];
  cbackend::CompileOptions o;
  o.emit.source = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  o.emit.prefix = args->Get("name", DefaultName(path));
  if (!cbackend::IsCIdentifier(o.emit.prefix)) {
    return cli::UsageError("compile",
                           absl::StrCat("--name '", o.emit.prefix, "' is not a C identifier"));
  }
  const std::string io = args->Get("io", "int8");
  if (io != "int8" && io != "float")
    return cli::UsageError("compile", "--io must be int8 or float");
  o.emit.float_io = io == "float";
  if (args->Has("arena-align") &&
      (!absl::SimpleAtoi(args->Get("arena-align"), &o.arena_align) || o.arena_align < 1 ||
       o.arena_align > 64 || (o.arena_align & (o.arena_align - 1)) != 0)) {
    return cli::UsageError("compile", "--arena-align must be a power of two from 1 to 64");
  }
  auto graph = ImportModelFile(path);
  if (!graph.ok()) return cli::ReportError(graph.status());
  auto r = cbackend::Compile(**graph, o);
  if (!r.ok()) {
    return cli::ReportError(
        absl::Status(r.status().code(), absl::StrCat(path, ": ", r.status().message())));
  }
  std::vector<std::pair<std::string, std::string>> files;
  for (const cbackend::GeneratedFile& f : r->emitted.files) files.emplace_back(f.name, f.text);
  // The report first: if it cannot be written, the folder is left alone.
  if (args->Has("report")) {
    if (absl::Status st =
            WriteFileAtomically(args->Get("report"), cbackend::CompileReportJson(*r, o));
        !st.ok()) {
      return cli::ReportError(st);
    }
  }
  if (absl::Status st = WriteDirectoryAtomically(args->Get("output"), files); !st.ok()) {
    return cli::ReportError(st);
  }
  std::printf("%s: %zu ops, arena %lld bytes (lower bound %lld), weights %lld bytes\n",
              args->Get("output").c_str(), r->program.ops.size(),
              static_cast<long long>(r->plan.arena_bytes),
              static_cast<long long>(r->plan.lower_bound_bytes),
              static_cast<long long>(r->emitted.weight_bytes));
  return cli::kOk;
}

}  // namespace quantc
