#include <gtest/gtest.h>

#include <vector>

#include "cryscope/errors.hpp"
#include "cryscope/ring_buffer.hpp"

using cryscope::RingBuffer;

TEST(RingBuffer, AbsoluteIndexingAcrossWrapAround) {
  RingBuffer rb(8);
  std::vector<float> v(5);
  float next = 0;
  for (int round = 0; round < 20; ++round) {
    for (auto& x : v) x = next++;
    rb.append(v.data(), v.size());
    if (rb.end() < 6) continue;
    rb.discard_before(rb.end() - 6);  // keep the last 6 samples
    std::vector<float> out(6);
    rb.copy(rb.end() - 6, 6, out.data());
    for (int i = 0; i < 6; ++i) ASSERT_EQ(out[i], static_cast<float>(rb.end() - 6 + static_cast<unsigned>(i)));
  }
  EXPECT_EQ(rb.capacity(), 16u);  // grew once (size 11 > 8), never again
}

TEST(RingBuffer, GrowsForBacklogAndShrinksBack) {
  RingBuffer rb(16);
  std::vector<float> big(1000, 1.0f);
  rb.append(big.data(), big.size());
  rb.append_zeros(24);
  EXPECT_GE(rb.capacity(), 1024u);
  std::vector<float> tail(24, 5.0f);
  rb.copy(1000, 24, tail.data());
  for (float x : tail) EXPECT_EQ(x, 0.0f);
  rb.discard_before(1020);
  EXPECT_EQ(rb.size(), 4u);
  EXPECT_LE(rb.capacity(), 16u);
  EXPECT_EQ(rb.begin(), 1020u);
}

TEST(RingBuffer, CopyOutsideHeldRangeThrows) {
  RingBuffer rb(4);
  std::vector<float> v{1, 2, 3}, out(4);
  rb.append(v.data(), 3);
  rb.discard_before(1);
  EXPECT_THROW(rb.copy(0, 1, out.data()), cryscope::ShapeError);
  EXPECT_THROW(rb.copy(1, 3, out.data()), cryscope::ShapeError);
  EXPECT_NO_THROW(rb.copy(1, 2, out.data()));
  EXPECT_EQ(out[0], 2.0f);
  rb.clear();
  EXPECT_EQ(rb.begin(), 0u);
  EXPECT_EQ(rb.size(), 0u);
}
