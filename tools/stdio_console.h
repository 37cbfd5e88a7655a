// The CLI's api::Console: requested output on stdout, explanations and
// diagnostics on stderr ("quantc: warning: ..." always, notes with
// --verbose), and a progress bar when stderr is a terminal.
#ifndef QUANTC_TOOLS_STDIO_CONSOLE_H_
#define QUANTC_TOOLS_STDIO_CONSOLE_H_

#include "api/session.h"

namespace quantc {

api::Console StdioConsole(bool verbose, bool progress_bar);

}  // namespace quantc

#endif  // QUANTC_TOOLS_STDIO_CONSOLE_H_
