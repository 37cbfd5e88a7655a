// `quantc run MODEL.onnx --input=... -o OUT_DIR` (api/run.h): writes every
// graph output as OUT_DIR/<name>.npy and prints one line per file.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/run.h"
#include "ir/interpreter.h"
#include "ir/npy.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

// Characters outside [A-Za-z0-9_.-] become '_'.
std::string SafeFileName(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) c = '_';
  }
  // "." and ".." would name directories.
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

absl::Status MakeDirs(const std::string& dir) {
  std::string path;
  for (absl::string_view part : absl::StrSplit(dir, '/')) {
    absl::StrAppend(&path, path.empty() && dir[0] != '/' ? "" : "/", part);
    if (part.empty()) continue;
    if (mkdir(path.c_str(), 0777) != 0 && errno != EEXIST) {
      return absl::InternalError(
          absl::StrCat("cannot create folder '", path, "': ", std::strerror(errno)));
    }
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InternalError(absl::StrCat("'", dir, "' is not a folder"));
  }
  return absl::OkStatus();
}

absl::Status WriteOutputs(const std::vector<api::NamedTensor>& outputs, const std::string& dir) {
  QC_RETURN_IF_ERROR(MakeDirs(dir));
  std::set<std::string> used;
  for (size_t k = 0; k < outputs.size(); ++k) {
    std::string file = SafeFileName(outputs[k].name);
    // Distinct outputs may sanitize to the same file name.
    if (!used.insert(file).second) {
      file = absl::StrCat(file, "_", k);
      used.insert(file);
    }
    const std::string path = absl::StrCat(dir, "/", file, ".npy");
    const Tensor& t = outputs[k].value;
    QC_RETURN_IF_ERROR(WriteNpyFile(path, t));
    std::printf("%s: %s %s\n", path.c_str(), DTypeName(t.dtype()), api::DimsStr(t.dims()).c_str());
  }
  return absl::OkStatus();
}

}  // namespace

int RunCommand(const std::vector<std::string>& argv) {
  const cli::CommandSpec& spec = api::RunSpec();
  cli::Args args;
  if (auto done = cli::ParseCommand(spec, argv, &args)) return *done;
  if (args.Has("list-ops")) {
    for (const std::string& op : SupportedOps()) std::printf("%s\n", op.c_str());
    return cli::kOk;
  }
  if (args.positional.size() != 1) return cli::UsageError(spec.name, "expected one MODEL.onnx");
  if (!args.Has("output")) return cli::UsageError(spec.name, "missing -o OUT_DIR");
  if (!args.Has("input")) return cli::UsageError(spec.name, "missing --input=DATA");
  auto inputs = api::ReadInputFiles(args.Get("input"));
  if (!inputs.ok()) return cli::ReportError(inputs.status());
  auto outputs = api::Run({args.positional[0]}, *std::move(inputs), args, "--input");
  if (!outputs.ok()) return cli::Fail(spec.name, outputs.status());
  absl::Status st = WriteOutputs(*outputs, args.Get("output"));
  return st.ok() ? cli::kOk : cli::ReportError(st);
}

}  // namespace quantc
