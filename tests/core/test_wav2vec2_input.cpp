#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "cryscope/errors.hpp"
#include "cryscope/wav2vec2_input.hpp"
#include "npy.hpp"
#include "reference.hpp"
#include "signals.hpp"

using cryscope::normalize_wav2vec2;
using namespace cryscope_test;

TEST(Wav2Vec2Input, ZeroMeanUnitVariance) {
  auto x = noise(32000, 5, 0.3);
  for (auto& v : x) v += 0.2f;  // DC offset must go
  const auto y = normalize_wav2vec2(x.data(), x.size());
  double mean = 0.0, var = 0.0;
  for (float v : y) mean += v;
  mean /= static_cast<double>(y.size());
  for (float v : y) var += (v - mean) * (v - mean);
  var /= static_cast<double>(y.size());
  EXPECT_NEAR(mean, 0.0, 1e-6);
  EXPECT_NEAR(var, 1.0, 1e-4);  // slightly below 1 because of the 1e-7 epsilon
}

TEST(Wav2Vec2Input, MatchesFormulaWithEpsilon) {
  // Tiny signal: the epsilon matters. x = ±a → mean 0, var a² → y = ±a / sqrt(a² + 1e-7).
  const float a = 1e-4f;
  std::vector<float> x{a, -a, a, -a};
  const auto y = normalize_wav2vec2(x.data(), x.size());
  const double expect = a / std::sqrt(static_cast<double>(a) * a + 1e-7);
  EXPECT_NEAR(y[0], expect, 1e-7);
  EXPECT_NEAR(y[1], -expect, 1e-7);
}

TEST(Wav2Vec2Input, SilenceAndConstantGiveZeros) {
  std::vector<float> x(16000, 0.25f);
  for (float v : normalize_wav2vec2(x.data(), x.size())) ASSERT_EQ(v, 0.0f);
}

TEST(Wav2Vec2Input, InPlaceWorks) {
  auto x = noise(1000, 2);
  const auto expect = normalize_wav2vec2(x.data(), x.size());
  normalize_wav2vec2(x.data(), x.size(), x.data());
  EXPECT_EQ(x, expect);
}

TEST(Wav2Vec2Input, BadInput) {
  EXPECT_THROW(normalize_wav2vec2(nullptr, 0), cryscope::ShapeError);
  std::vector<float> x(100, 0.1f), out(100, 7.0f);
  x[42] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(normalize_wav2vec2(x.data(), x.size(), out.data()), cryscope::AudioError);
  EXPECT_EQ(out[0], 7.0f) << "output must be untouched on error";
}

TEST(Wav2Vec2InputParity, MatchesTransformersFormulaInNumpy) {
  CRYSCOPE_REQUIRE_REFERENCE_OR_SKIP();
  const auto cases = read_tsv(reference_dir() + "/w2v_cases.tsv");
  ASSERT_GE(cases.size(), 5u);
  double worst = 0.0;
  for (const auto& c : cases) {
    const std::string base = reference_dir() + "/w2v_" + c[0];
    const auto x = to_float(read_npy(base + ".input.npy"));
    const auto want = read_npy(base + ".normalized.npy");
    ASSERT_EQ(x.size(), want.size());
    const auto got = normalize_wav2vec2(x.data(), x.size());
    double d = 0.0;
    for (std::size_t i = 0; i < got.size(); ++i) d = std::max(d, std::fabs(got[i] - want.data[i]));
    // numpy reduces float32 with pairwise sums (relative error ~1e-7); values are O(1–5).
    EXPECT_LE(d, 1e-5) << c[0];
    worst = std::max(worst, d);
    std::printf("w2v %-14s max|diff| %.3g\n", c[0].c_str(), d);
  }
  std::printf("PARITY wav2vec2 normalisation vs numpy/transformers formula max|diff| %.3g\n", worst);
}
