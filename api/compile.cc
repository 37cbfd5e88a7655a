#include "api/compile.h"

#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "backends/c/compile.h"
#include "report/compile_report.h"
#include "util/status_macros.h"

namespace quantc::api {
namespace {

absl::Status Usage(const std::string& message) {
  return cli::AsUsageError(absl::InvalidArgumentError(message));
}

// The model's name as a C identifier ("digits-cnn.onnx" -> "digits_cnn").
std::string DefaultName(const std::string& path) {
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  if (base.size() > 5 && base.compare(base.size() - 5, 5, ".onnx") == 0) base.resize(base.size() - 5);
  for (char& c : base) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  if (base.empty() || std::isdigit(static_cast<unsigned char>(base[0]))) base = "m_" + base;
  return base;
}

}  // namespace

const cli::CommandSpec& CompileSpec() {
  static const cli::CommandSpec* spec = new cli::CommandSpec{
      "compile",
      "compile a quantized model to C for microcontrollers",
      "quantc compile MODEL.onnx -o DIR [options]",
      "Compiles a quantized model (from `quantc quantize`, --target=generic or tinpu) to C99 "
      "for microcontrollers: integer-only kernels, no heap, no writable globals, every buffer "
      "planned at compile time in one arena. DIR receives NAME.h (API, shapes, I/O "
      "quantization, arena size), NAME.c (the network as straight-line calls), NAME_weights.c "
      "(const data) and quantc_kernels.{h,c} (the kernels it uses). The arithmetic is quantc's "
      "docs/integer-arithmetic.md, the same as `quantc run --integer`. DIR is written "
      "atomically: an error leaves no partial folder.",
      {cli::Required("output", "DIR", "output folder (new, empty, or one this command wrote)",
                     "o"),
       cli::Value("name", "NAME", "the model file's name", "C prefix of the API"),
       cli::Value("io", "int8|float", "int8",
                  "int8: NAME_run takes and returns int8 codes; float: also NAME_run_float and "
                  "NAME_quantize_input / NAME_dequantize_output"),
       cli::Value("arena-align", "N", "4",
                  "arena offsets and size in multiples of N bytes (a power of two, 1 to 64)"),
       cli::Value("report", "FILE", "",
                  "FILE.json: I/O, arena vs lower bound, weight bytes, every tensor's "
                  "placement; FILE.html: the same as a page with the arena chart"),
       cli::Bool("help", "print this help and exit", "h")},
      ""};
  return *spec;
}

absl::StatusOr<CompileOutput> Compile(const ModelInput& model, const cli::Args& args,
                                      const std::string& dir) {
  cbackend::CompileOptions o;
  const std::string& name = model.name();
  o.emit.source = name.substr(name.rfind('/') == std::string::npos ? 0 : name.rfind('/') + 1);
  o.emit.prefix = args.Get("name", DefaultName(name));
  if (!cbackend::IsCIdentifier(o.emit.prefix)) {
    return Usage(absl::StrCat("--name '", o.emit.prefix, "' is not a C identifier"));
  }
  const std::string io = args.Get("io", "int8");
  if (io != "int8" && io != "float") return Usage("--io must be int8 or float");
  o.emit.float_io = io == "float";
  if (args.Has("arena-align") &&
      (!absl::SimpleAtoi(args.Get("arena-align"), &o.arena_align) || o.arena_align < 1 ||
       o.arena_align > 64 || (o.arena_align & (o.arena_align - 1)) != 0)) {
    return Usage("--arena-align must be a power of two from 1 to 64");
  }
  std::optional<ReportFormat> format;
  if (args.Has("report")) {
    QC_ASSIGN_OR_RETURN(format, ReportFormatOf(args.Get("report")));
  }
  QC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> graph, LoadModel(model));
  auto r = cbackend::Compile(*graph, o);
  if (!r.ok()) return InModel(model, r.status());
  CompileOutput out;
  for (const cbackend::GeneratedFile& f : r->emitted.files) out.files.emplace_back(f.name, f.text);
  if (format == ReportFormat::kJson) out.report = cbackend::CompileReportJson(*r, o);
  if (format == ReportFormat::kHtml) out.report = report::CompileReportHtml(*r, o);
  out.summary = absl::StrCat(dir, ": ", r->program.ops.size(), " ops, arena ", r->plan.arena_bytes,
                             " bytes (lower bound ", r->plan.lower_bound_bytes, "), weights ",
                             r->emitted.weight_bytes, " bytes\n");
  return out;
}

}  // namespace quantc::api
