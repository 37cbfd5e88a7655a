// The flag tables of every subcommand: help lists each flag with its
// default, both value spellings parse alike, keyword options map onto the
// same flags, and usage errors keep their exit code.
#include "tools/cli.h"

#include <string>
#include <vector>

#include "api/compile.h"
#include "api/convert.h"
#include "api/eval.h"
#include "api/inspect.h"
#include "api/quantize.h"
#include "api/run.h"
#include "api/train.h"
#include "gtest/gtest.h"

namespace quantc::cli {
namespace {

std::vector<const CommandSpec*> AllCommands() {
  return {&api::InspectSpec(), &api::ConvertSpec(), &api::QuantizeSpec(), &api::RunSpec(),
          &api::CompileSpec(), &api::EvalSpec(),    &api::TrainSpec()};
}

// The help text of flag `f`: from its line to the next flag's line.
std::string HelpOf(const std::string& help, const FlagSpec& f) {
  std::string syntax = "--" + f.name;
  if (f.value_optional) {
    syntax += "[=" + f.value_name + "]";
  } else if (f.takes_value) {
    syntax += "=" + f.value_name;
  }
  syntax += f.takes_value || !f.short_name.empty() ? "" : " ";
  if (!f.short_name.empty()) syntax = "-" + f.short_name + ", " + syntax;
  size_t at = help.find("\n  " + syntax);
  if (at == std::string::npos) return "";
  size_t end = help.find("\n  -", at + 1);
  return help.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
}

TEST(Help, EveryFlagWithItsDefault) {
  for (const CommandSpec* spec : AllCommands()) {
    const std::string help = FormatHelp(*spec);
    ASSERT_EQ(help.rfind("usage: quantc " + spec->name, 0), 0u) << help;
    for (const FlagSpec& f : spec->flags) {
      const std::string text = HelpOf(help, f);
      ASSERT_FALSE(text.empty()) << spec->name << " --" << f.name << " missing:\n" << help;
      const bool documented = text.find("(default: ") != std::string::npos ||
                              text.find("(required)") != std::string::npos ||
                              text.find("(optional value; default: ") != std::string::npos;
      EXPECT_TRUE(documented) << spec->name << " --" << f.name << ":\n" << text;
    }
  }
}

TEST(Help, OptionalValuesAreNamedSo) {
  const std::string help = FormatHelp(api::QuantizeSpec());
  const size_t at = help.find("\n  --bias-correction[=FACTOR] ");
  ASSERT_NE(at, std::string::npos) << help;
  const std::string text = help.substr(at, help.find("\n  -", at + 1) - at);
  EXPECT_NE(text.find("(optional value; default: off;"), std::string::npos) << text;
  EXPECT_NE(text.find("--bias-correction alone: FACTOR=1)"), std::string::npos) << text;
}

TEST(Parse, BothSpellingsOfEveryValuedFlag) {
  for (const CommandSpec* spec : AllCommands()) {
    for (const FlagSpec& f : spec->flags) {
      if (!f.takes_value) continue;
      auto eq = ParseArgs({"m.onnx", "--" + f.name + "=v 1"}, spec->flags);
      ASSERT_TRUE(eq.ok()) << eq.status();
      EXPECT_EQ(eq->Get(f.name), "v 1");
      auto next = ParseArgs({"m.onnx", "--" + f.name, "v 1"}, spec->flags);
      ASSERT_TRUE(next.ok()) << next.status();
      if (f.value_optional) {
        // An optional value is never taken from the next argument.
        EXPECT_EQ(next->Get(f.name, "absent"), "");
        EXPECT_EQ(next->positional, (std::vector<std::string>{"m.onnx", "v 1"}));
      } else {
        EXPECT_EQ(next->Get(f.name), "v 1") << spec->name << " --" << f.name;
        EXPECT_EQ(next->positional, std::vector<std::string>{"m.onnx"});
      }
      if (!f.short_name.empty()) {
        auto s = ParseArgs({"-" + f.short_name, "x"}, spec->flags);
        ASSERT_TRUE(s.ok());
        EXPECT_EQ(s->Get(f.name), "x");
      }
    }
  }
}

TEST(Parse, Errors) {
  const auto& flags = api::QuantizeSpec().flags;
  EXPECT_EQ(ParseArgs({"--bogus"}, flags).status().message(), "unknown option '--bogus'");
  EXPECT_EQ(ParseArgs({"--calib"}, flags).status().message(), "option '--calib' needs a value");
  EXPECT_EQ(ParseArgs({"--verbose=1"}, flags).status().message(),
            "option '--verbose' takes no value");
}

TEST(Keywords, MapOntoTheSameFlags) {
  auto a = ArgsFromKeywords(api::QuantizeSpec(),
                            {{"weight_bits", "4", false},
                             {"bias_correction", std::nullopt, true},
                             {"verbose", std::nullopt, false}},
                            {});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->values, (std::map<std::string, std::string>{{"weight-bits", "4"},
                                                           {"bias-correction", ""}}));
  auto usage = [](const absl::StatusOr<Args>& r) {
    return !r.ok() && ExitCodeOf(r.status()) == kUsage ? std::string(r.status().message()) : "";
  };
  EXPECT_EQ(usage(ArgsFromKeywords(api::QuantizeSpec(), {{"bogus", "1", false}}, {})),
            "unknown option 'bogus'");
  EXPECT_EQ(usage(ArgsFromKeywords(api::QuantizeSpec(), {{"help", std::nullopt, true}}, {})),
            "unknown option 'help'");
  EXPECT_EQ(usage(ArgsFromKeywords(api::QuantizeSpec(), {{"output", "x", false}},
                                   {{"output", "returned"}})),
            "option 'output' does not apply here: returned");
  EXPECT_EQ(usage(ArgsFromKeywords(api::QuantizeSpec(), {{"verbose", "yes", false}}, {})),
            "option 'verbose' takes True or False");
  EXPECT_EQ(usage(ArgsFromKeywords(api::QuantizeSpec(), {{"weight_bits", std::nullopt, true}}, {})),
            "option 'weight_bits' needs a value");
}

TEST(ExitCodes, ByCategory) {
  EXPECT_EQ(ExitCodeOf(absl::InvalidArgumentError("x")), kInvalidInput);
  EXPECT_EQ(ExitCodeOf(AsUsageError(absl::InvalidArgumentError("x"))), kUsage);
  EXPECT_EQ(ExitCodeOf(absl::UnimplementedError("x")), kUnsupported);
  EXPECT_EQ(ExitCodeOf(absl::InternalError("x")), kInternal);
  EXPECT_EQ(ExitCodeOf(absl::NotFoundError("x")), kInvalidInput);
}

}  // namespace
}  // namespace quantc::cli
