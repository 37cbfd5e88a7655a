#include "tools/stdio_console.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace quantc {
namespace {

void Write(FILE* f, absl::string_view text) { std::fwrite(text.data(), 1, text.size(), f); }

void DrawProgress(absl::string_view stage, int64_t done, int64_t total) {
  const int width = 30;
  const int filled = static_cast<int>(width * done / std::max<int64_t>(total, 1));
  const std::string label = stage == "calibrate"  ? "calibrating"
                            : stage == "evaluate" ? "evaluating "
                                                  : "measuring  ";
  std::fprintf(stderr, "\r%s [%s%s] %lld/%lld", label.c_str(), std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), static_cast<long long>(done),
               static_cast<long long>(total));
  if (done == total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace

api::Console StdioConsole(bool verbose, bool progress_bar) {
  api::Console c;
  c.out = [](absl::string_view s) { Write(stdout, s); };
  c.err = [](absl::string_view s) { Write(stderr, s); };
  c.diagnostic = [verbose](const Diagnostic& d) {
    const bool warning = d.severity == Diagnostic::Severity::kWarning;
    if (warning || verbose) {
      std::fprintf(stderr, "quantc: %s: %s\n", warning ? "warning" : "note", d.ToString().c_str());
    }
  };
  if (progress_bar && isatty(STDERR_FILENO)) c.progress = DrawProgress;
  return c;
}

}  // namespace quantc
