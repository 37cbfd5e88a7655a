#include "backends/c/memory_plan.h"

#include <algorithm>
#include <functional>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace quantc::cbackend {
namespace {

bool IsElementwise(OpKind k) {
  return k == OpKind::kAdd || k == OpKind::kMul || k == OpKind::kRequant || k == OpKind::kLut ||
         k == OpKind::kAffine;
}

struct Order {
  const char* name;
  std::function<bool(const Buffer&, const Buffer&)> before;
};

// Best-fit placement of `bufs` in the order `order`; returns the arena size.
int64_t Place(std::vector<Buffer>& bufs, const std::vector<int>& order) {
  std::vector<int> placed;
  int64_t arena = 0;
  for (int i : order) {
    Buffer& b = bufs[i];
    std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of buffers alive with b
    for (int j : placed) {
      const Buffer& o = bufs[j];
      if (o.first <= b.last && b.first <= o.last) busy.emplace_back(o.offset, o.offset + o.size);
    }
    std::sort(busy.begin(), busy.end());
    int64_t cursor = 0, best = -1, best_gap = 0;
    for (const auto& [begin, end] : busy) {
      const int64_t gap = begin - cursor;
      if (gap >= b.size && (best < 0 || gap < best_gap)) {
        best = cursor;
        best_gap = gap;
      }
      cursor = std::max(cursor, end);
    }
    b.offset = best >= 0 ? best : cursor;
    arena = std::max(arena, b.offset + b.size);
    placed.push_back(i);
  }
  return arena;
}

}  // namespace

absl::StatusOr<MemoryPlan> PlanMemory(const IntProgram& p, int64_t align) {
  if (align < 1 || align > 64 || (align & (align - 1)) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("arena alignment ", align, " is not a power of two in [1, 64]"));
  }
  const int nt = static_cast<int>(p.tensors.size());
  const int nops = static_cast<int>(p.ops.size());
  // parent: in-place merges between storage tensors (union-find).
  std::vector<int> parent(nt);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int t) {
    t = p.StorageOf(t);
    while (parent[t] != t) t = parent[t];
    return t;
  };
  std::vector<int> first(nt, -1), last(nt, -1);
  for (int i = 0; i < nops; ++i) {
    for (int t : p.ops[i].inputs) last[p.StorageOf(t)] = i;
    const int o = p.StorageOf(p.ops[i].output);
    if (first[o] < 0) first[o] = i;
    last[o] = std::max(last[o], i);
  }
  const int in_storage = p.StorageOf(p.input), out_storage = p.StorageOf(p.output);
  auto in_arena = [&](int s) {
    return s != in_storage && s != out_storage && !p.tensors[s].is_constant() && first[s] >= 0;
  };
  MemoryPlan plan;
  plan.align = align;
  for (int i = 0; i < nops; ++i) {
    const IntOp& op = p.ops[i];
    const int o = find(op.output);
    if (!IsElementwise(op.kind) || !in_arena(o)) continue;
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      const int s = find(op.inputs[k]);
      const IntTensor& in = p.tensors[op.inputs[k]];
      bool ok = in_arena(s) && last[s] == i && in.dims == p.tensors[op.output].dims && s != o;
      for (size_t j = 0; ok && j < op.inputs.size(); ++j) {
        ok = j == k || find(op.inputs[j]) != s || p.tensors[op.inputs[j]].dims == in.dims;
      }
      if (!ok) continue;
      parent[o] = s;
      last[s] = std::max(last[s], last[o]);
      ++plan.in_place_ops;
      break;
    }
  }
  plan.buffer_of.assign(nt, -1);
  std::vector<int> buffer_of_root(nt, -1);
  std::vector<int> arena_ids;
  for (int t = 0; t < nt; ++t) {
    const int r = find(t);
    if (buffer_of_root[r] < 0) {
      Buffer b;
      b.tensor = r;
      b.home = r == in_storage              ? Home::kInput
               : r == out_storage           ? Home::kOutput
               : p.tensors[r].is_constant() ? Home::kConstant
                                            : Home::kArena;
      b.size = (p.tensors[r].num_elements() + align - 1) / align * align;
      b.first = first[r];
      b.last = std::max(last[r], first[r]);
      buffer_of_root[r] = static_cast<int>(plan.buffers.size());
      if (b.home == Home::kArena) arena_ids.push_back(buffer_of_root[r]);
      plan.buffers.push_back(b);
    }
    plan.buffer_of[t] = buffer_of_root[r];
  }
  for (int i = 0; i < nops; ++i) {
    int64_t live = 0;
    for (int b : arena_ids) {
      if (plan.buffers[b].first <= i && i <= plan.buffers[b].last) live += plan.buffers[b].size;
    }
    plan.lower_bound_bytes = std::max(plan.lower_bound_bytes, live);
  }
  const Order orders[] = {
      {"size", [](const Buffer& a, const Buffer& b) { return a.size > b.size; }},
      {"start", [](const Buffer& a, const Buffer& b) { return a.first < b.first; }},
      {"lifetime",
       [](const Buffer& a, const Buffer& b) { return a.last - a.first > b.last - b.first; }},
  };
  plan.arena_bytes = -1;
  for (const Order& ord : orders) {
    std::vector<Buffer> trial = plan.buffers;
    std::vector<int> order = arena_ids;
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return ord.before(trial[a], trial[b]); });
    const int64_t arena = Place(trial, order);
    if (plan.arena_bytes < 0 || arena < plan.arena_bytes) {
      plan.arena_bytes = arena;
      plan.placement_order = ord.name;
      for (int b : arena_ids) plan.buffers[b].offset = trial[b].offset;
    }
  }
  return plan;
}

}  // namespace quantc::cbackend
