// quantc's subcommands. Each takes the arguments after its name and returns
// the process exit code (tools/cli.h). The work itself is in api/, shared
// with the Python module; these do the command line's I/O.
#ifndef QUANTC_TOOLS_COMMANDS_H_
#define QUANTC_TOOLS_COMMANDS_H_

#include <string>
#include <vector>

namespace quantc {

int InspectCommand(const std::vector<std::string>& args);
int ConvertCommand(const std::vector<std::string>& args);
int QuantizeCommand(const std::vector<std::string>& args);
int RunCommand(const std::vector<std::string>& args);
int CompileCommand(const std::vector<std::string>& args);
int EvalCommand(const std::vector<std::string>& args);
/// Execs quantc-train from quantc's folder (returns only on failure).
int TrainCommand(const std::vector<std::string>& args);

}  // namespace quantc

#endif  // QUANTC_TOOLS_COMMANDS_H_
