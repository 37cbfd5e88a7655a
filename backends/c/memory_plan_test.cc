// The memory planner on hand-built programs (expected offsets, sizes and
// bounds worked out by hand) and on random programs (every plan must keep
// buffers that are alive at the same time apart).
#include "backends/c/memory_plan.h"

#include <random>

#include "gtest/gtest.h"

namespace quantc::cbackend {
namespace {

class Builder {
 public:
  int Tensor(int64_t bytes) {
    IntTensor t;
    t.name = "t" + std::to_string(p.tensors.size());
    t.dims = {bytes};
    p.tensors.push_back(t);
    return static_cast<int>(p.tensors.size()) - 1;
  }
  int View(int of) {
    const int t = Tensor(p.tensors[of].num_elements());
    p.tensors[t].view_of = p.StorageOf(of);
    return t;
  }
  int Op(OpKind kind, std::vector<int> in, int64_t bytes) {
    IntOp op;
    op.kind = kind;
    op.inputs = std::move(in);
    op.output = Tensor(bytes);
    p.ops.push_back(op);
    return op.output;
  }
  IntProgram p;
};

// No two arena buffers alive at one op may share a byte.
void ExpectValid(const MemoryPlan& m) {
  for (size_t i = 0; i < m.buffers.size(); ++i) {
    const Buffer& a = m.buffers[i];
    if (a.home != Home::kArena) continue;
    EXPECT_LE(a.offset + a.size, m.arena_bytes);
    EXPECT_EQ(a.offset % m.align, 0);
    for (size_t j = i + 1; j < m.buffers.size(); ++j) {
      const Buffer& b = m.buffers[j];
      if (b.home != Home::kArena || a.last < b.first || b.last < a.first) continue;
      EXPECT_TRUE(a.offset + a.size <= b.offset || b.offset + b.size <= a.offset)
          << "buffers " << i << " and " << j << " overlap";
    }
  }
  EXPECT_GE(m.arena_bytes, m.lower_bound_bytes);
}

TEST(MemoryPlan, ChainAlternatesTwoBuffers) {
  Builder b;
  b.p.input = b.Tensor(100);
  const int t1 = b.Op(OpKind::kFullyConnected, {b.p.input}, 100);
  const int t2 = b.Op(OpKind::kFullyConnected, {t1}, 60);
  const int t3 = b.Op(OpKind::kFullyConnected, {t2}, 100);
  b.p.output = b.Op(OpKind::kFullyConnected, {t3}, 10);
  auto m = PlanMemory(b.p, 4);
  ASSERT_TRUE(m.ok());
  ExpectValid(*m);
  // t1 and t3 can share bytes (t1 is dead when t3 is written), t2 cannot.
  EXPECT_EQ(m->lower_bound_bytes, 160);
  EXPECT_EQ(m->arena_bytes, 160);
  EXPECT_EQ(m->BufferOf(b.p.input).home, Home::kInput);
  EXPECT_EQ(m->BufferOf(b.p.output).home, Home::kOutput);
  EXPECT_EQ(m->in_place_ops, 0);
}

TEST(MemoryPlan, ElementwiseOpsRunInPlace) {
  Builder b;
  b.p.input = b.Tensor(64);
  const int t1 = b.Op(OpKind::kConv, {b.p.input}, 64);
  const int t2 = b.Op(OpKind::kRequant, {t1}, 64);  // Relu into t1
  const int t3 = b.Op(OpKind::kLut, {t2}, 64);      // table into t1 again
  b.p.output = b.Op(OpKind::kFullyConnected, {t3}, 8);
  auto m = PlanMemory(b.p, 1);
  ASSERT_TRUE(m.ok());
  ExpectValid(*m);
  EXPECT_EQ(m->in_place_ops, 2);
  EXPECT_EQ(m->buffer_of[t1], m->buffer_of[t3]);
  EXPECT_EQ(m->arena_bytes, 64);
  EXPECT_EQ(m->lower_bound_bytes, 64);
}

TEST(MemoryPlan, NoInPlaceIntoAnInputReadLater) {
  Builder b;
  b.p.input = b.Tensor(32);
  const int a = b.Op(OpKind::kConv, {b.p.input}, 32);
  const int c = b.Op(OpKind::kConv, {a}, 32);
  const int s = b.Op(OpKind::kAdd, {a, c}, 32);  // may reuse c (last use), not a...
  b.p.output = b.Op(OpKind::kAdd, {s, a}, 32);   // ...which is read here
  auto m = PlanMemory(b.p, 1);
  ASSERT_TRUE(m.ok());
  ExpectValid(*m);
  EXPECT_NE(m->buffer_of[s], m->buffer_of[a]);
  EXPECT_EQ(m->buffer_of[s], m->buffer_of[c]);
  EXPECT_EQ(m->arena_bytes, 64);
}

TEST(MemoryPlan, NoInPlaceIntoABroadcastInputOrTheGraphInput) {
  Builder b;
  b.p.input = b.Tensor(16);
  const int small = b.Op(OpKind::kConv, {b.p.input}, 4);
  const int big = b.Op(OpKind::kConv, {b.p.input}, 16);
  b.p.tensors[small].dims = {1, 4};
  b.p.tensors[big].dims = {4, 4};
  const int sum = b.Op(OpKind::kAdd, {small, big}, 16);
  b.p.tensors[sum].dims = {4, 4};
  const int relu = b.Op(OpKind::kRequant, {sum}, 16);
  b.p.tensors[relu].dims = {4, 4};
  b.p.output = b.Op(OpKind::kFullyConnected, {relu}, 2);
  auto m = PlanMemory(b.p, 1);
  ASSERT_TRUE(m.ok());
  ExpectValid(*m);
  EXPECT_NE(m->buffer_of[sum], m->buffer_of[small]);
  EXPECT_EQ(m->buffer_of[sum], m->buffer_of[big]);
  EXPECT_EQ(m->buffer_of[relu], m->buffer_of[big]);
}

TEST(MemoryPlan, ViewsShareAndExtendTheirSourcesLifetime) {
  Builder b;
  b.p.input = b.Tensor(8);
  const int t = b.Op(OpKind::kConv, {b.p.input}, 24);
  const int v = b.View(t);
  const int u = b.Op(OpKind::kConv, {b.p.input}, 24);
  b.p.output = b.Op(OpKind::kAdd, {v, u}, 24);
  auto m = PlanMemory(b.p, 1);
  ASSERT_TRUE(m.ok());
  ExpectValid(*m);
  EXPECT_EQ(m->buffer_of[v], m->buffer_of[t]);
  EXPECT_EQ(m->BufferOf(t).last, 2);  // read through the view by op 2
  EXPECT_EQ(m->arena_bytes, 48);
}

TEST(MemoryPlan, AlignmentRoundsSizesAndOffsets) {
  Builder b;
  b.p.input = b.Tensor(3);
  const int t1 = b.Op(OpKind::kConv, {b.p.input}, 10);
  const int t2 = b.Op(OpKind::kConv, {t1}, 6);
  b.p.output = b.Op(OpKind::kAdd, {t1, t2}, 2);
  auto m = PlanMemory(b.p, 8);
  ASSERT_TRUE(m.ok());
  ExpectValid(*m);
  EXPECT_EQ(m->BufferOf(t1).size, 16);
  EXPECT_EQ(m->BufferOf(t2).size, 8);
  EXPECT_EQ(m->arena_bytes, 24);
  EXPECT_FALSE(PlanMemory(b.p, 3).ok());
  EXPECT_FALSE(PlanMemory(b.p, 128).ok());
}

TEST(MemoryPlan, RandomProgramsArePlannedSafely) {
  std::mt19937 rng(5);
  int optimal = 0;
  for (int trial = 0; trial < 200; ++trial) {
    Builder b;
    b.p.input = b.Tensor(1 + rng() % 64);
    std::vector<int> live = {b.p.input};
    const int n = 2 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      const int x = live[rng() % live.size()];
      const int y = live[rng() % live.size()];
      const int64_t bytes = 1 + rng() % 96;
      live.push_back(rng() % 2 ? b.Op(OpKind::kConv, {x}, bytes)
                               : b.Op(OpKind::kConcat, {x, y}, bytes));
    }
    b.p.output = live.back();
    auto m = PlanMemory(b.p, 1 << (rng() % 3));
    ASSERT_TRUE(m.ok());
    ExpectValid(*m);
    optimal += m->arena_bytes == m->lower_bound_bytes;
  }
  // Not a guarantee (best fit is a heuristic), but it should be the rule.
  EXPECT_GT(optimal, 150);
}

}  // namespace
}  // namespace quantc::cbackend
