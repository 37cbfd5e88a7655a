// Internal to backends/c: pieces of the C emitter shared by emit.cc (files,
// API) and emit_ops.cc (one descriptor and call per op).
#ifndef QUANTC_BACKENDS_C_EMIT_INTERNAL_H_
#define QUANTC_BACKENDS_C_EMIT_INTERNAL_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/c/memory_plan.h"
#include "backends/c/program.h"

namespace quantc::cbackend {

/// A C integer literal (INT32_MIN spelled so that it stays an int).
std::string CInt(int64_t v);
/// A C float literal that reads back as exactly `v`.
std::string CFloat(float v);
/// `s` made safe inside a /* */ comment.
std::string CommentSafe(const std::string& s);

/// PREFIX_weights.c: const arrays, and the extern declarations PREFIX.c
/// needs to reference them.
class ConstData {
 public:
  explicit ConstData(std::string prefix) : prefix_(std::move(prefix)) {}
  /// Defines `const <ctype> PREFIX_<name>[n]` and returns the symbol.
  std::string Int8(const std::string& name, const std::vector<int8_t>& v);
  std::string Int32(const std::string& name, const std::vector<int32_t>& v);
  std::string Uint32(const std::string& name, const std::vector<uint32_t>& v);
  std::string Float(const std::string& name, const std::vector<float>& v);
  const std::string& definitions() const { return definitions_; }
  const std::string& declarations() const { return declarations_; }
  int64_t bytes() const { return bytes_; }

 private:
  std::string Array(const std::string& name, const char* ctype, size_t elem_size,
                    const std::vector<std::string>& items, int per_line);
  std::string prefix_;
  std::string definitions_, declarations_;
  int64_t bytes_ = 0;
};

/// One op's C: a `static const` descriptor and the statement calling its
/// kernel; `kernels` collects the kernel source files it needs.
struct OpCode {
  std::string descriptor;
  std::string call;
};

class OpEmitter {
 public:
  OpEmitter(const IntProgram& p, const MemoryPlan& plan, ConstData& data,
            std::set<std::string>& kernels)
      : p_(p), plan_(plan), data_(data), kernels_(kernels) {}
  absl::StatusOr<OpCode> Emit(int index);
  /// The C expression of tensor `t`'s first byte in PREFIX_run.
  std::string Ptr(int t);

 private:
  std::string RequantInit(const Requant& r, const std::string& name);
  OpCode Conv(const IntOp& op, const std::string& id);
  OpCode FullyConnected(const IntOp& op, const std::string& id);
  OpCode Binary(const IntOp& op, const std::string& id);
  OpCode Pool(const IntOp& op, const std::string& id);
  OpCode Concat(const IntOp& op, const std::string& id);
  OpCode Requantize(const IntOp& op, const std::string& id);
  OpCode Lut(const IntOp& op, const std::string& id);
  OpCode Softmax(const IntOp& op, const std::string& id);
  OpCode Affine(const IntOp& op, const std::string& id);

  const IntProgram& p_;
  const MemoryPlan& plan_;
  ConstData& data_;
  std::set<std::string>& kernels_;
  std::map<int, std::string> constants_;  // constant tensor -> its array
};

}  // namespace quantc::cbackend

#endif  // QUANTC_BACKENDS_C_EMIT_INTERNAL_H_
