#include "backends/c/compile.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/c/lower.h"
#include "util/json.h"
#include "util/status_macros.h"

namespace quantc::cbackend {
namespace {

std::string JsonDims(const std::vector<int64_t>& d) {
  return absl::StrCat("[", absl::StrJoin(d, ","), "]");
}

const char* HomeName(Home h) {
  switch (h) {
    case Home::kArena:
      return "arena";
    case Home::kInput:
      return "input";
    case Home::kOutput:
      return "output";
    case Home::kConstant:
      return "flash";
  }
  return "?";
}

}  // namespace

absl::StatusOr<CompileResult> Compile(const Graph& g, const CompileOptions& options) {
  CompileResult r;
  QC_ASSIGN_OR_RETURN(r.program, LowerToIntProgram(g));
  QC_ASSIGN_OR_RETURN(r.plan, PlanMemory(r.program, options.arena_align));
  QC_ASSIGN_OR_RETURN(r.emitted, EmitC(r.program, r.plan, options.emit));
  return r;
}

std::string CompileReportJson(const CompileResult& r, const CompileOptions& o) {
  const IntProgram& p = r.program;
  const MemoryPlan& m = r.plan;
  std::string s = absl::StrCat("{\n  \"model\": ", JsonString(o.emit.source), ",\n  \"format\": \"",
                               p.format == SourceFormat::kTinpu ? "tinpu" : "qdq",
                               "\",\n  \"name\": ", JsonString(o.emit.prefix), ",\n  \"io\": \"",
                               o.emit.float_io ? "float" : "int8", "\",\n");
  auto io = [&](const char* key, const std::string& name, int t, double scale, int32_t zp) {
    absl::StrAppend(&s, "  \"", key, "\": {\"name\": ", JsonString(name),
                    ", \"dims\": ", JsonDims(p.tensors[t].dims), ", \"zero_point\": ", zp,
                    ", \"scale\": ", scale, "},\n");
  };
  const bool affine = p.input_quantizer.kind == InputQuantizer::Kind::kAffine;
  io("input", p.input_name, p.input, affine ? p.input_quantizer.scale[0] : 1.0,
     p.tensors[p.input].zero_point);
  io("output", p.output_name, p.output, p.output_dequantizer.scale,
     p.output_dequantizer.zero_point);
  std::vector<std::string> kernels;
  for (const std::string& k : r.emitted.kernels) kernels.push_back(JsonString(k));
  absl::StrAppend(&s, "  \"ops\": ", p.ops.size(), ",\n  \"kernels\": [",
                  absl::StrJoin(kernels, ", "), "],\n  \"weight_bytes\": ", r.emitted.weight_bytes,
                  ",\n  \"arena_bytes\": ", m.arena_bytes,
                  ",\n  \"lower_bound_bytes\": ", m.lower_bound_bytes,
                  ",\n  \"arena_align\": ", m.align, ",\n  \"in_place_ops\": ", m.in_place_ops,
                  ",\n  \"placement_order\": \"", m.placement_order, "\",\n  \"files\": [");
  for (size_t i = 0; i < r.emitted.files.size(); ++i) {
    absl::StrAppend(&s, i ? ", " : "", "{\"name\": ", JsonString(r.emitted.files[i].name),
                    ", \"bytes\": ", r.emitted.files[i].text.size(), "}");
  }
  absl::StrAppend(&s, "],\n  \"tensors\": [");
  for (size_t t = 0; t < p.tensors.size(); ++t) {
    const Buffer& b = m.BufferOf(static_cast<int>(t));
    absl::StrAppend(&s, t ? ",\n" : "\n", "    {\"name\": ", JsonString(p.tensors[t].name),
                    ", \"dims\": ", JsonDims(p.tensors[t].dims), ", \"home\": \"", HomeName(b.home),
                    "\"");
    if (b.home == Home::kArena) {
      absl::StrAppend(&s, ", \"offset\": ", b.offset, ", \"bytes\": ", b.size, ", \"live\": [",
                      b.first, ", ", b.last, "]");
    }
    absl::StrAppend(&s, "}");
  }
  absl::StrAppend(&s, "\n  ]\n}\n");
  return s;
}

}  // namespace quantc::cbackend
