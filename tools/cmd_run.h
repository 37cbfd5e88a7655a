// `quantc run`: runs a model with the reference interpreter on .npy inputs.
#ifndef QUANTC_TOOLS_CMD_RUN_H_
#define QUANTC_TOOLS_CMD_RUN_H_

#include <string>
#include <vector>

#include "tools/cli.h"

namespace quantc {

/// main()-style entry: argv[0] is the command word ("run"), options follow.
/// Returns the process exit code (0 ok, 1 internal, 2 usage, 3 invalid
/// input, 4 unsupported; see tools/cli.h).
int RunCommand(int argc, char** argv);

/// Same, with the arguments after the command word (like the other
/// subcommands in tools/commands.h).
int RunCommand(const std::vector<std::string>& args);

/// `quantc run --integer` (tools/cmd_run_integer.cc), with the parsed
/// arguments of RunCommand.
int RunIntegerCommand(const cli::Args& args);

}  // namespace quantc

#endif  // QUANTC_TOOLS_CMD_RUN_H_
