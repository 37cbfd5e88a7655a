// RunTrainer: quantc-train as a child process, for front ends that cannot
// exec it (the Python module). The child gets its own process group (a
// terminal's Ctrl-C reaches the caller, which decides, and the child sees
// exactly one SIGINT: "stop after this batch") and dies with the caller's
// thread (PR_SET_PDEATHSIG), so no training outlives the Python process.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "api/train.h"
#include "ir/npy.h"
#include "util/file.h"
#include "util/status_macros.h"

extern char** environ;

namespace quantc::api {
namespace {

// A private folder for the child's inputs and outputs, removed with all it
// holds.
class TempDir {
 public:
  static absl::StatusOr<TempDir> Make() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = absl::StrCat(base && *base ? base : "/tmp", "/quantc-train.XXXXXX");
    if (mkdtemp(tmpl.data()) == nullptr) {
      return absl::InternalError(
          absl::StrCat(tmpl, ": cannot create a temporary folder: ", std::strerror(errno)));
    }
    return TempDir(tmpl);
  }
  TempDir(TempDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  std::string File(absl::string_view name) const { return absl::StrCat(path_, "/", name); }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// The child's command line and what its messages should call temporary
// files.
struct Invocation {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> renames;  ///< temp path -> name
  int epochs = 0;
  std::string Clean(absl::string_view text) const { return absl::StrReplaceAll(text, renames); }
};

absl::StatusOr<std::string> Materialize(const ArrayInput& a, const TempDir& dir,
                                        absl::string_view file, Invocation& inv) {
  if (!a.array) return a.path;
  const std::string path = dir.File(file);
  QC_RETURN_IF_ERROR(WriteNpyFile(path, *a.array));
  inv.renames.emplace_back(path, a.name);
  return path;
}

absl::StatusOr<Invocation> BuildInvocation(const std::string& trainer, const TrainInputs& in,
                                           const cli::Args& args, const TempDir& dir) {
  Invocation inv;
  std::string model = in.model.path;
  if (in.model.bytes) {
    model = dir.File("model.onnx");
    QC_RETURN_IF_ERROR(WriteFileAtomically(model, *in.model.bytes));
    inv.renames.emplace_back(model, in.model.display_name);
  }
  inv.argv = {trainer, "train", model, "-o", dir.File("out.onnx")};
  const std::pair<const char*, const ArrayInput*> arrays[] = {
      {"train", &in.train},
      {"labels", &in.labels},
      {"val", in.val ? &*in.val : nullptr},
      {"val-labels", in.val_labels ? &*in.val_labels : nullptr}};
  for (const auto& [flag, array] : arrays) {
    if (array == nullptr) continue;
    QC_ASSIGN_OR_RETURN(std::string path,
                        Materialize(*array, dir, absl::StrCat(flag, ".npy"), inv));
    inv.argv.push_back(absl::StrCat("--", flag, "=", path));
  }
  std::string reports = dir.File("report.json");
  for (const auto& [name, value] : args.values) {
    const cli::FlagSpec* f = nullptr;
    for (const cli::FlagSpec& s : TrainSpec().flags) f = s.name == name ? &s : f;
    // The inputs and outputs are the invocation's own; the child always
    // prints its epoch lines (the caller decides what to show).
    static const char* const kOwn[] = {"output", "train", "labels", "val", "val-labels",
                                       "quiet", "help"};
    if (f == nullptr || absl::c_linear_search(kOwn, name)) continue;
    if (name == "report") {
      reports = absl::StrCat(value, ",", reports);
    } else {
      inv.argv.push_back(f->takes_value ? absl::StrCat("--", name, "=", value)
                                        : absl::StrCat("--", name));
    }
  }
  inv.argv.push_back(absl::StrCat("--report=", reports));
  absl::SimpleAtoi(args.Get("epochs"), &inv.epochs);
  return inv;
}

// fork + exec with stdout and stderr on pipes. Everything the child does
// before exec is async-signal-safe.
absl::StatusOr<pid_t> Spawn(const Invocation& inv, int out[2], int err[2]) {
  std::vector<char*> argv;
  for (const std::string& a : inv.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // The CLI sets this before its exec too (tools/cmd_train.cc).
  std::vector<std::string> env_strings = {"OMP_WAIT_POLICY=PASSIVE"};
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (absl::StartsWith(*e, "OMP_WAIT_POLICY=")) env_strings.clear();
    env.push_back(*e);
  }
  for (std::string& s : env_strings) env.push_back(s.data());
  env.push_back(nullptr);
  if (access(argv[0], X_OK) != 0) {
    return absl::UnimplementedError(absl::StrCat(
        "training needs the quantc-train binary (", inv.argv[0], ": ", std::strerror(errno),
        "); install it next to quantc's Python module or set QUANTC_TRAIN to its path"));
  }
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    execve(argv[0], argv.data(), env.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  return pid;
}

// The child's stderr, line by line: epoch lines to the console, the error
// message kept.
struct StderrLines {
  std::string pending, error;
  std::vector<std::string> other;
  void Feed(absl::string_view data, const Invocation& inv, const Console& console) {
    pending.append(data.data(), data.size());
    size_t nl;
    while ((nl = pending.find_first_of("\n\r")) != std::string::npos) {
      Line(inv.Clean(pending.substr(0, nl)), inv, console);
      pending.erase(0, nl + 1);
    }
  }
  void Line(const std::string& line, const Invocation& inv, const Console& console) {
    if (line.empty() || absl::StartsWith(line, "Try 'quantc")) return;
    if (absl::StartsWith(line, "quantc: error: ")) {
      error = std::string(absl::StripPrefix(line, "quantc: error: "));
      return;
    }
    if (absl::StartsWith(line, "quantc: warning: ")) return;  // in the report
    int epoch = -1;
    if (std::sscanf(line.c_str(), "epoch %d", &epoch) == 1 && console.progress) {
      console.progress("epoch", epoch, inv.epochs);
    }
    if (epoch < 0) other.push_back(line);
    if (console.err) console.err(line + "\n");
  }
};

absl::Status ExitStatus(int status, const StderrLines& lines, bool stopped) {
  const std::string message = !lines.error.empty() ? lines.error : absl::StrJoin(lines.other, "; ");
  if (stopped || (WIFEXITED(status) && WEXITSTATUS(status) == 130)) {
    return absl::CancelledError("training interrupted; nothing was written");
  }
  if (WIFSIGNALED(status)) {
    return absl::InternalError(
        absl::StrCat("quantc-train was killed by signal ", WTERMSIG(status), ": ", message));
  }
  const int code = WEXITSTATUS(status);
  switch (code) {
    case cli::kUsage:
      return cli::AsUsageError(absl::InvalidArgumentError(message));
    case cli::kInvalidInput:
      return absl::InvalidArgumentError(message);
    case cli::kUnsupported:
      return absl::UnimplementedError(message);
    case 127:
      return absl::InternalError("quantc-train could not be started");
    default:
      return absl::InternalError(absl::StrCat("quantc-train failed (exit code ", code, ")",
                                              message.empty() ? "" : ": ", message));
  }
}

}  // namespace

absl::StatusOr<TrainOutput> RunTrainer(const std::string& trainer, const TrainInputs& in,
                                       const cli::Args& args, const Console& console,
                                       const std::function<bool()>& stop) {
  // The command's usage errors before anything starts.
  cli::Args check = args;
  check.positional = {in.model.name()};
  check.values["output"] = "(returned)";
  check.values["train"] = in.train.label();
  check.values["labels"] = in.labels.label();
  if (in.val) check.values["val"] = in.val->label();
  if (in.val_labels) check.values["val-labels"] = in.val_labels->label();
  QC_RETURN_IF_ERROR(ParseTrainFlags(check).status());
  QC_ASSIGN_OR_RETURN(TempDir dir, TempDir::Make());
  QC_ASSIGN_OR_RETURN(Invocation inv, BuildInvocation(trainer, in, args, dir));
  int out[2], err[2];
  QC_ASSIGN_OR_RETURN(pid_t pid, Spawn(inv, out, err));
  std::string stdout_text;
  StderrLines lines;
  bool stopped = false;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  for (int open = 2; open > 0;) {
    if (!stopped && stop && stop()) {
      kill(pid, SIGINT);
      stopped = true;
    }
    if (poll(fds, 2, 100) < 0 && errno != EINTR) break;
    for (pollfd& p : fds) {
      if (p.fd < 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buf[4096];
      const ssize_t n = read(p.fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(p.fd);
        p.fd = -1;
        --open;
      } else if (&p == &fds[0]) {
        stdout_text.append(buf, static_cast<size_t>(n));
      } else {
        lines.Feed(absl::string_view(buf, static_cast<size_t>(n)), inv, console);
      }
    }
  }
  lines.Feed("\n", inv, console);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || stopped) {
    return ExitStatus(status, lines, stopped);
  }
  TrainOutput result;
  QC_ASSIGN_OR_RETURN(result.model, ReadFile(dir.File("out.onnx")));
  QC_ASSIGN_OR_RETURN(result.report_json, ReadFile(dir.File("report.json")));
  result.summary = std::string(absl::StripAsciiWhitespace(inv.Clean(stdout_text)));
  return result;
}

}  // namespace quantc::api
