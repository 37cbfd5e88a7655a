#include "tools/cli.h"

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace quantc::cli {

std::string Args::Get(const std::string& name, const std::string& dflt) const {
  auto it = values.find(name);
  return it == values.end() ? dflt : it->second;
}

absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& argv,
                               const std::vector<FlagSpec>& spec) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() < 2 || a[0] != '-' || a == "--") {
      args.positional.push_back(a);
      continue;
    }
    bool is_long = absl::StartsWith(a, "--");
    std::string body = a.substr(is_long ? 2 : 1);
    std::optional<std::string> inline_value;
    if (size_t eq = body.find('='); eq != std::string::npos) {
      inline_value = body.substr(eq + 1);
      body = body.substr(0, eq);
    }
    const FlagSpec* f = nullptr;
    for (const FlagSpec& s : spec) {
      if ((is_long && s.name == body) || (!is_long && !s.short_name.empty() && s.short_name == body)) {
        f = &s;
      }
    }
    if (!f) return absl::InvalidArgumentError(absl::StrCat("unknown option '", a, "'"));
    if (f->value_optional) {
      args.values[f->name] = inline_value.value_or("");
      continue;
    }
    if (!f->takes_value) {
      if (inline_value) {
        return absl::InvalidArgumentError(absl::StrCat("option '--", f->name, "' takes no value"));
      }
      args.values[f->name] = "";
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argv.size()) {
        return absl::InvalidArgumentError(absl::StrCat("option '", a, "' needs a value"));
      }
      inline_value = argv[++i];
    }
    args.values[f->name] = *inline_value;
  }
  return args;
}

int ReportError(const absl::Status& status) {
  std::fprintf(stderr, "quantc: error: %s\n", std::string(status.message()).c_str());
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kFailedPrecondition:
      return kInvalidInput;
    case absl::StatusCode::kUnimplemented:
      return kUnsupported;
    default:
      return kInternal;
  }
}

int UsageError(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "quantc: error: %s\nTry 'quantc %s --help'.\n", message.c_str(),
               command.c_str());
  return kUsage;
}

}  // namespace quantc::cli
