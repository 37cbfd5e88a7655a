// Shared plumbing for quantc's subcommands: flag parsing, exit codes and
// error reporting. Every error line starts with "quantc: error:".
#ifndef QUANTC_TOOLS_CLI_H_
#define QUANTC_TOOLS_CLI_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace quantc::cli {

/// Process exit codes, distinct per failure class.
enum ExitCode : int {
  kOk = 0,
  kInternal = 1,     ///< a quantc bug or an I/O failure on output
  kUsage = 2,        ///< bad command line
  kInvalidInput = 3, ///< malformed or inconsistent model/data
  kUnsupported = 4,  ///< valid input that quantc does not handle
};

struct FlagSpec {
  std::string name;        ///< without dashes, e.g. "output"
  std::string short_name;  ///< e.g. "o", may be empty
  bool takes_value;
  /// The value may be omitted; then only `--name=value` passes one (a
  /// following argument is never consumed).
  bool value_optional = false;
};

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

/// Prints "quantc: error: <message>" to stderr and returns the exit code
/// matching the status code.
int ReportError(const absl::Status& status);
/// Prints a usage error (and a hint to --help) and returns kUsage.
int UsageError(const std::string& command, const std::string& message);

}  // namespace quantc::cli

#endif  // QUANTC_TOOLS_CLI_H_
