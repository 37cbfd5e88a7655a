#include "tools/cli.h"

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace quantc::cli {
namespace {

constexpr size_t kWidth = 80;
constexpr size_t kHelpColumn = 32;

// The payload that marks a usage error on a Status of any code.
constexpr char kUsagePayload[] = "quantc.usage";

// Greedy word wrap of `text` to kWidth, every line indented by `indent`
// except the first, which continues after `first_used` columns.
std::string Wrap(const std::string& text, size_t indent, size_t first_used) {
  std::string out;
  size_t col = first_used;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (col > indent && col + 1 + word.size() > kWidth) {
      absl::StrAppend(&out, "\n", std::string(indent, ' '));
      col = indent;
    } else if (col > indent) {
      out += ' ';
      ++col;
    }
    absl::StrAppend(&out, word);
    col += word.size();
  }
  return out;
}

std::string FlagSyntax(const FlagSpec& f) {
  std::string s = f.short_name.empty() ? "" : absl::StrCat("-", f.short_name, ", ");
  absl::StrAppend(&s, "--", f.name);
  if (f.value_optional) {
    absl::StrAppend(&s, "[=", f.value_name, "]");
  } else if (f.takes_value) {
    absl::StrAppend(&s, "=", f.value_name);
  }
  return s;
}

// "(default: X)" and the like, as words that wrapping must not split (their
// spaces are kGlue until after Wrap).
constexpr char kGlue = '\x1f';

std::string Glued(std::string s) {
  for (char& c : s) c = c == ' ' ? kGlue : c;
  return s;
}

std::string DefaultText(const FlagSpec& f) {
  if (f.required) return "(required)";
  if (!f.takes_value) return Glued("(default: off)");
  if (f.value_optional) {
    return absl::StrCat(
        Glued(absl::StrCat("(optional value; default: ",
                           f.default_value.empty() ? "off" : f.default_value, ";")),
        " ", Glued(absl::StrCat("--", f.name, " alone: ", f.value_name, "=", f.implicit_value, ")")));
  }
  return Glued(absl::StrCat("(default: ", f.default_value.empty() ? "none" : f.default_value, ")"));
}

std::string Paragraphs(const std::string& text) {
  std::string out;
  if (text.empty()) return out;
  for (absl::string_view para : absl::StrSplit(text, "\n\n")) {
    // A paragraph starting with spaces is preformatted (examples, lists).
    if (absl::StartsWith(para, " ")) {
      absl::StrAppend(&out, para, "\n\n");
    } else {
      absl::StrAppend(&out, Wrap(absl::StrReplaceAll(para, {{"\n", " "}}), 0, 0), "\n\n");
    }
  }
  return out;
}

std::string SnakeCase(const std::string& flag) { return absl::StrReplaceAll(flag, {{"-", "_"}}); }

}  // namespace

FlagSpec Bool(std::string name, std::string help, std::string short_name) {
  FlagSpec f{std::move(name), std::move(short_name), false};
  f.help = std::move(help);
  return f;
}

FlagSpec Value(std::string name, std::string value_name, std::string default_value,
               std::string help, std::string short_name) {
  FlagSpec f{std::move(name), std::move(short_name), true};
  f.value_name = std::move(value_name);
  f.default_value = std::move(default_value);
  f.help = std::move(help);
  return f;
}

FlagSpec Required(std::string name, std::string value_name, std::string help,
                  std::string short_name) {
  FlagSpec f = Value(std::move(name), std::move(value_name), "", std::move(help),
                     std::move(short_name));
  f.required = true;
  return f;
}

FlagSpec OptionalValue(std::string name, std::string value_name, std::string default_value,
                       std::string implicit_value, std::string help) {
  FlagSpec f = Value(std::move(name), std::move(value_name), std::move(default_value),
                     std::move(help));
  f.value_optional = true;
  f.implicit_value = std::move(implicit_value);
  return f;
}

FlagSpec InGroup(std::string group, FlagSpec flag) {
  flag.group = std::move(group);
  return flag;
}

std::string FormatHelp(const CommandSpec& spec) {
  std::string out = absl::StrCat("usage: ", spec.usage, "\n\n", Paragraphs(spec.description));
  for (size_t i = 0; i < spec.flags.size(); ++i) {
    const FlagSpec& f = spec.flags[i];
    if (i == 0 || f.group != spec.flags[i - 1].group) {
      absl::StrAppend(&out, i == 0 ? "" : "\n", f.group.empty() ? "options:" : f.group, "\n");
    }
    std::string syntax = absl::StrCat("  ", FlagSyntax(f));
    std::string help = absl::StrCat(f.help, f.help.empty() ? "" : " ", DefaultText(f));
    if (syntax.size() + 2 > kHelpColumn) {
      absl::StrAppend(&out, syntax, "\n", std::string(kHelpColumn, ' '));
    } else {
      absl::StrAppend(&out, syntax, std::string(kHelpColumn - syntax.size(), ' '));
    }
    absl::StrAppend(&out, absl::StrReplaceAll(Wrap(help, kHelpColumn, kHelpColumn), {{"\x1f", " "}}),
                    "\n");
  }
  absl::StrAppend(&out, "\n", Paragraphs(spec.epilog),
                  Paragraphs("Flags take their value after '=' or as the next argument "
                             "(--flag=value or --flag value); a flag whose value is optional "
                             "([=VALUE]) takes one only after '='."));
  out.pop_back();  // one blank line between paragraphs, none at the end
  absl::StrAppend(&out, "Exit codes: 0 ok, 1 internal error, 2 usage, 3 invalid input, "
                        "4 unsupported.\n");
  return out;
}

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

std::optional<int> ParseCommand(const CommandSpec& spec, const std::vector<std::string>& argv,
                                Args* args) {
  auto parsed = ParseArgs(argv, spec.flags);
  if (!parsed.ok()) return UsageError(spec.name, std::string(parsed.status().message()));
  if (parsed->Has("help")) {
    std::fputs(FormatHelp(spec).c_str(), stdout);
    return kOk;
  }
  *args = *std::move(parsed);
  return std::nullopt;
}

absl::StatusOr<Args> ArgsFromKeywords(
    const CommandSpec& spec, const std::vector<KeywordOption>& options,
    const std::vector<std::pair<std::string, std::string>>& excluded) {
  Args args;
  for (const KeywordOption& o : options) {
    const FlagSpec* f = nullptr;
    for (const FlagSpec& s : spec.flags) {
      if (SnakeCase(s.name) == o.name && s.name != "help") f = &s;
    }
    if (!f) return AsUsageError(absl::InvalidArgumentError(absl::StrCat("unknown option '", o.name, "'")));
    for (const auto& [flag, why] : excluded) {
      if (flag == f->name) {
        return AsUsageError(absl::InvalidArgumentError(
            absl::StrCat("option '", o.name, "' does not apply here: ", why)));
      }
    }
    if (o.value) {
      if (!f->takes_value) {
        return AsUsageError(absl::InvalidArgumentError(
            absl::StrCat("option '", o.name, "' takes True or False")));
      }
      args.values[f->name] = *o.value;
    } else if (o.flag) {
      if (f->takes_value && !f->value_optional) {
        return AsUsageError(
            absl::InvalidArgumentError(absl::StrCat("option '", o.name, "' needs a value")));
      }
      args.values[f->name] = "";
    }
  }
  return args;
}

absl::Status AsUsageError(const absl::Status& status) {
  absl::Status s = status;
  s.SetPayload(kUsagePayload, absl::Cord("1"));
  return s;
}

ExitCode ExitCodeOf(const absl::Status& status) {
  if (status.GetPayload(kUsagePayload).has_value()) return kUsage;
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kOk;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kFailedPrecondition:
      return kInvalidInput;
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kResourceExhausted:  // a model too big for this machine
      return kUnsupported;
    default:
      return kInternal;
  }
}

int ReportError(const absl::Status& status) {
  std::fprintf(stderr, "quantc: error: %s\n", std::string(status.message()).c_str());
  return ExitCodeOf(status);
}

int UsageError(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "quantc: error: %s\nTry 'quantc %s --help'.\n", message.c_str(),
               command.c_str());
  return kUsage;
}

int Fail(const std::string& command, const absl::Status& status) {
  if (ExitCodeOf(status) == kUsage) return UsageError(command, std::string(status.message()));
  return ReportError(status);
}

}  // namespace quantc::cli
