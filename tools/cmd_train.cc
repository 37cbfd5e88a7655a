// `quantc train ...` (api/train.h): quantization-aware training lives in its
// own binary, quantc-train, which links libtorch (about 0.8 s and 160 MB at
// start-up). quantc prints the help and checks the flags itself, then execs
// quantc-train from its own folder, so no other command, and no usage
// error, pays that cost.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "api/train.h"
#include "tools/cli.h"
#include "tools/commands.h"

namespace quantc {

int TrainCommand(const std::vector<std::string>& args) {
  const cli::CommandSpec& spec = api::TrainSpec();
  cli::Args parsed;
  if (auto done = cli::ParseCommand(spec, args, &parsed)) return *done;
  if (auto flags = api::ParseTrainFlags(parsed); !flags.ok()) {
    return cli::Fail(spec.name, flags.status());
  }
  char self[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
  std::string dir = ".";
  if (len > 0) {
    self[len] = '\0';
    std::string path(self);
    dir = path.substr(0, path.rfind('/'));
  }
  const std::string binary = api::TrainerPath(dir);
  std::vector<char*> argv;
  std::string name = "quantc-train";
  argv.push_back(name.data());
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  // libtorch's OpenMP threads spin while waiting by default; on a machine
  // busy with other work that makes training several times slower (measured:
  // 37 s instead of 6 s for one epoch on 2 loaded cores). OpenMP reads this
  // when it loads, so it is set here, before the exec; a user's value wins.
  setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0);
  execv(binary.c_str(), argv.data());
  std::fprintf(stderr,
               "quantc: error: quantc train needs the quantc-train binary next to quantc (%s: %s); "
               "build it with `bazel build //tools:quantc-train` and keep both in one folder\n",
               binary.c_str(), std::strerror(errno));
  return cli::kUnsupported;
}

}  // namespace quantc
