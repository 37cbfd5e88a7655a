#include "report/compile_report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "report/html.h"

namespace quantc::report {
namespace {

using cbackend::Buffer;
using cbackend::Home;

std::string F(double v) { return fmt::format("{:.1f}", v); }

std::string Dims(const std::vector<int64_t>& d) { return absl::StrCat("[", absl::StrJoin(d, ","), "]"); }

const char* HomeName(Home h) {
  switch (h) {
    case Home::kArena: return "arena";
    case Home::kInput: return "input";
    case Home::kOutput: return "output";
    case Home::kConstant: return "flash";
  }
  return "?";
}

// Buffers as rectangles: x = the ops from the first write to the last read,
// y = the arena offsets they hold. Overlap in x never overlaps in y.
std::string ArenaChart(const cbackend::CompileResult& r) {
  constexpr double kW = 1000, kH = 300, kLeft = 70, kRight = 16, kTop = 10, kBottom = 36;
  const double ops = std::max<double>(1, static_cast<double>(r.program.ops.size()));
  const double bytes = std::max<double>(1, static_cast<double>(r.plan.arena_bytes));
  auto X = [&](double op) { return kLeft + op / ops * (kW - kLeft - kRight); };
  auto Y = [&](double b) { return kH - kBottom - b / bytes * (kH - kTop - kBottom); };
  std::string out = absl::StrCat("<svg id=\"arena-chart\" viewBox=\"0 0 ", F(kW), " ", F(kH),
                                 "\" role=\"img\" aria-label=\"arena placement\" "
                                 "xmlns=\"http://www.w3.org/2000/svg\">");
  for (const Buffer& b : r.plan.buffers) {
    if (b.home != Home::kArena) continue;
    const std::string& name = r.program.tensors[b.tensor].name;
    absl::StrAppend(&out, "<rect class=\"bin\" data-tensor=\"", Escape(name), "\" x=\"", F(X(b.first)),
                    "\" y=\"", F(Y(static_cast<double>(b.offset + b.size))), "\" width=\"",
                    F(std::max(X(b.last + 1) - X(b.first) - 1, 1.0)), "\" height=\"",
                    F(std::max(Y(static_cast<double>(b.offset)) - Y(static_cast<double>(b.offset + b.size)) - 1, 1.0)),
                    "\"><title>", Escape(name), ": bytes ", b.offset, "..", b.offset + b.size,
                    ", ops ", b.first, "..", b.last, "</title></rect>");
  }
  absl::StrAppend(&out, "<line class=\"axis\" x1=\"", F(kLeft), "\" y1=\"", F(Y(0)), "\" x2=\"",
                  F(kW - kRight), "\" y2=\"", F(Y(0)), "\"/><text x=\"", F(kLeft - 6), "\" y=\"",
                  F(Y(bytes) + 10), "\" text-anchor=\"end\">", r.plan.arena_bytes,
                  " B</text><text x=\"", F(kLeft - 6), "\" y=\"", F(Y(0)),
                  "\" text-anchor=\"end\">0</text><text x=\"", F((kLeft + kW) / 2), "\" y=\"",
                  F(kH - 8), "\" text-anchor=\"middle\">op (", r.program.ops.size(),
                  " in all); height: arena offset</text></svg>");
  return out;
}

}  // namespace

std::string CompileReportHtml(const cbackend::CompileResult& r, const cbackend::CompileOptions& o) {
  const cbackend::IntProgram& p = r.program;
  const cbackend::MemoryPlan& m = r.plan;
  std::string cards = absl::StrCat(
      "<div class=\"cards\">",
      Card("format", p.format == cbackend::SourceFormat::kTinpu ? "tinpu" : "qdq"),
      Card("C prefix", o.emit.prefix), Card("I/O", o.emit.float_io ? "float" : "int8"),
      Card("ops", absl::StrCat(p.ops.size())),
      Card("arena / lower bound", absl::StrCat(m.arena_bytes, " / ", m.lower_bound_bytes, " B")),
      Card("weights (flash)", absl::StrCat(r.emitted.weight_bytes, " B")),
      Card("in-place ops", absl::StrCat(m.in_place_ops)), "</div>");
  std::vector<std::vector<Cell>> files, tensors;
  for (const cbackend::GeneratedFile& f : r.emitted.files) {
    files.push_back({Text(f.name), Number(absl::StrCat(f.text.size()), absl::StrCat(f.text.size()))});
  }
  for (size_t t = 0; t < p.tensors.size(); ++t) {
    const Buffer& b = m.BufferOf(static_cast<int>(t));
    const bool arena = b.home == Home::kArena;
    tensors.push_back({Text(p.tensors[t].name, "name"), Text(Dims(p.tensors[t].dims)),
                       Text(HomeName(b.home)),
                       arena ? Number(absl::StrCat(b.offset), absl::StrCat(b.offset)) : Text("–", "num"),
                       arena ? Number(absl::StrCat(b.size), absl::StrCat(b.size)) : Text("–", "num"),
                       arena ? Text(absl::StrCat(b.first, "–", b.last)) : Text("")});
  }
  std::vector<std::string> sections = {
      cards,
      Section("arena", "Arena placement",
              absl::StrCat("Every activation buffer's offset in the one arena (height) over the ops "
                           "that keep it alive (width). The lower bound is the largest sum of "
                           "simultaneously live tensors. Kernels: ",
                           Escape(absl::StrJoin(r.emitted.kernels, ", ")), "."),
              ArenaChart(r)),
      Section("files", "Generated files", "", Table("file-table", {"file", "bytes"}, files)),
      Section("tensors", "Tensors", "",
              Table("tensor-table", {"tensor", "dims", "home", "offset", "bytes", "live (ops)"}, tensors))};
  return Page(absl::StrCat("Compile report: ", o.emit.source),
              absl::StrCat("C prefix ", o.emit.prefix, " · placement order ", m.placement_order), sections);
}

}  // namespace quantc::report
