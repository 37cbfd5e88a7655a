// Shared plumbing for quantc's subcommands: the flag tables, parsing, help
// text generated from the tables, exit codes and error reporting. Every
// error line starts with "quantc: error:".
//
// A subcommand is one CommandSpec: its usage line, description and flag
// table. `quantc COMMAND --help` and `quantc help COMMAND` print
// FormatHelp(spec), which lists every flag with its default; ParseArgs reads
// the same table, and the Python module maps keyword arguments onto it, so
// a new flag is declared once.
#ifndef QUANTC_TOOLS_CLI_H_
#define QUANTC_TOOLS_CLI_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace quantc::cli {

/// Process exit codes, distinct per failure class.
enum ExitCode : int {
  kOk = 0,
  kInternal = 1,      ///< a quantc bug or an I/O failure on output
  kUsage = 2,         ///< bad command line
  kInvalidInput = 3,  ///< malformed or inconsistent model/data
  kUnsupported = 4,   ///< valid input that quantc does not handle (or too big for memory)
};

struct FlagSpec {
  std::string name;        ///< without dashes, e.g. "output"
  std::string short_name;  ///< e.g. "o", may be empty
  bool takes_value;
  /// The value may be omitted; then only `--name=value` passes one (a
  /// following argument is never consumed).
  bool value_optional = false;
  std::string value_name;      ///< help: "FILE", "N", "minmax|mse"
  std::string default_value;   ///< help: the value when the flag is absent
  std::string implicit_value;  ///< help: an optional-value flag given bare
  bool required = false;       ///< help only; the command checks
  std::string help;            ///< one paragraph, wrapped by FormatHelp
  std::string group;           ///< help heading above this flag ("" = none)
};

/// Table rows, spelled for readability.
FlagSpec Bool(std::string name, std::string help, std::string short_name = "");
FlagSpec Value(std::string name, std::string value_name, std::string default_value,
               std::string help, std::string short_name = "");
FlagSpec Required(std::string name, std::string value_name, std::string help,
                  std::string short_name = "");
/// `--name` alone means `implicit_value`; `--name=V` passes V.
FlagSpec OptionalValue(std::string name, std::string value_name, std::string default_value,
                       std::string implicit_value, std::string help);
/// `flag` under the help heading `group`.
FlagSpec InGroup(std::string group, FlagSpec flag);

struct CommandSpec {
  std::string name;         ///< "quantize"
  std::string summary;      ///< one line for `quantc --help`
  std::string usage;        ///< "quantc quantize MODEL.onnx -o OUT.onnx [options]"
  std::string description;  ///< paragraphs before the flag list
  std::vector<FlagSpec> flags;
  std::string epilog;       ///< paragraphs after the flag list
};

/// The --help text: usage, description, every flag with its value, default
/// and help (wrapped to 80 columns), epilog, and how values are written.
std::string FormatHelp(const CommandSpec& spec);

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  ///< flag name -> value ("" for booleans)
  bool Has(const std::string& name) const { return values.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& dflt = "") const;
};

/// Parses `--name=value`, `--name value`, `-o value` and boolean `--name`.
/// Unknown flags and missing values are InvalidArgument (a usage error).
absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& argv,
                               const std::vector<FlagSpec>& spec);

/// ParseArgs against `spec.flags`, with --help handled: returns an exit
/// code when the command is done (help printed: kOk; usage error printed:
/// kUsage), or nullopt with `*args` filled.
std::optional<int> ParseCommand(const CommandSpec& spec, const std::vector<std::string>& argv,
                                Args* args);

/// One option given by keyword (the Python module's **options): `name` in
/// snake_case, and either a flag value or a boolean.
struct KeywordOption {
  std::string name;
  std::optional<std::string> value;  ///< set for str/int/float/list values
  bool flag = false;                 ///< for True/False when value is unset
};

/// Maps keyword options onto `spec`'s flags ("weight_bits" -> --weight-bits)
/// as ParseArgs would have set them. `excluded` lists (flag, why) for flags
/// that do not apply to the caller (a return value instead of -o, a
/// parameter of its own); they and --help are rejected. Errors are usage
/// errors that name the keyword.
absl::StatusOr<Args> ArgsFromKeywords(
    const CommandSpec& spec, const std::vector<KeywordOption>& options,
    const std::vector<std::pair<std::string, std::string>>& excluded);

/// Marks `status` as a usage error (exit 2) whatever its code.
absl::Status AsUsageError(const absl::Status& status);
/// The exit code for a failed status: kUsage for AsUsageError's, else by
/// code (InvalidArgument/NotFound/...: 3, Unimplemented: 4, others: 1).
ExitCode ExitCodeOf(const absl::Status& status);

/// Prints "quantc: error: <message>" to stderr and returns ExitCodeOf.
int ReportError(const absl::Status& status);
/// Prints a usage error (and a hint to --help) and returns kUsage.
int UsageError(const std::string& command, const std::string& message);
/// ReportError, plus UsageError's hint for usage errors.
int Fail(const std::string& command, const absl::Status& status);

}  // namespace quantc::cli

#endif  // QUANTC_TOOLS_CLI_H_
