// Smoothing: EMA recursion, median window (incl. warm-up), none, reset, bad configs.
#include <gtest/gtest.h>

#include <limits>

#include "cryscope/errors.hpp"
#include "cryscope/smoothing.hpp"

using namespace cryscope;

namespace {
SmoothingConfig ema(double alpha) {
  SmoothingConfig c;
  c.method = SmoothingMethod::kEma;
  c.alpha = alpha;
  return c;
}
SmoothingConfig median(std::size_t size) {
  SmoothingConfig c;
  c.method = SmoothingMethod::kMedian;
  c.size = size;
  return c;
}
}  // namespace

TEST(Smoothing, NonePassesThrough) {
  SmoothingConfig c;
  c.method = SmoothingMethod::kNone;
  Smoother s(c);
  const Probs x{0.1, 0.2, 0.7};
  EXPECT_EQ(s.update(x), x);
  EXPECT_EQ(s.update(Probs{0.9, 0.05, 0.05}), (Probs{0.9, 0.05, 0.05}));
}

TEST(Smoothing, EmaFirstPassesThroughThenRecurses) {
  Smoother s(ema(0.25));
  EXPECT_EQ(s.update(Probs{1, 0, 0}), (Probs{1, 0, 0}));
  const Probs a = s.update(Probs{0, 1, 0});
  EXPECT_DOUBLE_EQ(a[0], 0.75);
  EXPECT_DOUBLE_EQ(a[1], 0.25);
  const Probs b = s.update(Probs{0, 1, 0});
  EXPECT_DOUBLE_EQ(b[0], 0.5625);
  EXPECT_DOUBLE_EQ(b[1], 0.4375);
  EXPECT_NEAR(b[0] + b[1] + b[2], 1.0, 1e-12);
}

TEST(Smoothing, EmaAlphaOneIsIdentityAndResetForgets) {
  Smoother s(ema(1.0));
  s.update(Probs{1, 0, 0});
  EXPECT_EQ(s.update(Probs{0, 0, 1}), (Probs{0, 0, 1}));
  Smoother t(ema(0.5));
  t.update(Probs{1, 0, 0});
  t.reset();
  EXPECT_EQ(t.update(Probs{0, 1, 0}), (Probs{0, 1, 0}));
}

TEST(Smoothing, MedianWarmsUpThenUsesWindow) {
  Smoother s(median(3));
  EXPECT_DOUBLE_EQ(s.update(Probs{0.9, 0.1, 0})[0], 0.9);   // one value
  EXPECT_DOUBLE_EQ(s.update(Probs{0.1, 0.1, 0.8})[0], 0.5); // two: mean of middle pair
  EXPECT_DOUBLE_EQ(s.update(Probs{0.8, 0.1, 0.1})[0], 0.8); // {0.9,0.1,0.8}
  EXPECT_DOUBLE_EQ(s.update(Probs{0.2, 0.1, 0.7})[0], 0.2); // {0.1,0.8,0.2} (0.9 left the window)
}

TEST(Smoothing, MedianRemovesSingleSpike) {
  Smoother s(median(3));
  double out = 0;
  const double cry[] = {0.1, 0.1, 0.95, 0.1, 0.1};
  for (double v : cry) out = std::max(out, s.update(Probs{v, 0, 1 - v})[0]);
  EXPECT_LT(out, 0.6);  // would have crossed an onset threshold without the median (after warm-up)
}

TEST(Smoothing, MedianIsNotRenormalised) {
  Smoother s(median(3));
  s.update(Probs{0.6, 0.4, 0.0});
  s.update(Probs{0.0, 0.4, 0.6});
  const Probs p = s.update(Probs{0.4, 0.0, 0.6});
  EXPECT_DOUBLE_EQ(p[0], 0.4);
  EXPECT_DOUBLE_EQ(p[1], 0.4);
  EXPECT_DOUBLE_EQ(p[2], 0.6);  // sums to 1.4: per-class medians by design
}

TEST(Smoothing, RejectsBadConfigs) {
  EXPECT_THROW(Smoother(ema(0.0)), ConfigError);
  EXPECT_THROW(Smoother(ema(1.5)), ConfigError);
  EXPECT_THROW(Smoother(ema(-0.1)), ConfigError);
  EXPECT_THROW(Smoother(ema(std::numeric_limits<double>::quiet_NaN())), ConfigError);
  EXPECT_THROW(Smoother(median(0)), ConfigError);
  EXPECT_THROW(Smoother(median(4)), ConfigError);
  EXPECT_THROW(Smoother(median(kMaxMedianSize + 2)), ConfigError);
  EXPECT_NO_THROW(Smoother(median(1)));
  EXPECT_NO_THROW(Smoother(median(kMaxMedianSize)));
  EXPECT_THROW(smoothing_method_from_string("gaussian"), ConfigError);
  EXPECT_EQ(smoothing_method_from_string("median"), SmoothingMethod::kMedian);
}
