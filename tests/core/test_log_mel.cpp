#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <limits>
#include <vector>

#include "cryscope/errors.hpp"
#include "cryscope/log_mel.hpp"
#include "signals.hpp"

using cryscope::LogMel;
namespace y = cryscope::yamnet;
using namespace cryscope_test;

TEST(LogMel, CountsFollowYamnetFraming) {
  EXPECT_EQ(LogMel::frame_count(0), 0u);
  EXPECT_EQ(LogMel::frame_count(399), 0u);
  EXPECT_EQ(LogMel::frame_count(400), 1u);
  EXPECT_EQ(LogMel::frame_count(559), 1u);
  EXPECT_EQ(LogMel::frame_count(560), 2u);
  EXPECT_EQ(LogMel::frame_count(15600), 96u);  // exactly one patch
  EXPECT_EQ(LogMel::patch_count(95), 0u);
  EXPECT_EQ(LogMel::patch_count(96), 1u);
  EXPECT_EQ(LogMel::patch_count(143), 1u);
  EXPECT_EQ(LogMel::patch_count(144), 2u);
}

TEST(LogMel, PadWaveformLikeYamnet) {
  EXPECT_EQ(LogMel::padded_length(0), 15600u);
  EXPECT_EQ(LogMel::padded_length(8000), 15600u);
  EXPECT_EQ(LogMel::padded_length(15600), 15600u);
  EXPECT_EQ(LogMel::padded_length(15601), 15600u + 7680u);
  EXPECT_EQ(LogMel::padded_length(16000), 23280u);  // ../shared/weights/yamnet/WEIGHTS.md: 1 s → 23280 samples, 144 frames
  EXPECT_EQ(LogMel::padded_length(23280), 23280u);
  EXPECT_EQ(LogMel::padded_length(23281), 30960u);
  EXPECT_EQ(LogMel::frame_count(23280), 144u);
}

TEST(LogMel, PeriodicHannWindow) {
  LogMel lm;
  const auto& w = lm.window();
  ASSERT_EQ(w.size(), 400u);
  EXPECT_EQ(w[0], 0.0);
  EXPECT_NEAR(w[200], 1.0, 1e-15);  // periodic: peak at N/2, not symmetric about 199.5
  EXPECT_NEAR(w[100], 0.5, 1e-15);
  EXPECT_NEAR(w[1], w[399], 1e-15);
}

TEST(LogMel, MelMatrixShape) {
  LogMel lm;
  const auto& m = lm.mel_matrix();
  ASSERT_EQ(m.size(), 257u * 64u);
  for (int b = 0; b < 64; ++b) EXPECT_EQ(m[b], 0.0) << "DC row must be zero";
  for (int b = 0; b < 64; ++b) {
    double peak = 0.0, sum = 0.0;
    for (int k = 0; k < 257; ++k) {
      const double v = m[k * 64 + b];
      EXPECT_GE(v, 0.0);
      peak = std::max(peak, v);
      sum += v;
    }
    EXPECT_GT(sum, 0.0) << "band " << b << " is empty";
    EXPECT_LE(peak, 1.0);
  }
  // Nothing above 7500 Hz: bins above 7500/31.25 = 240 are zero.
  for (int k = 241; k < 257; ++k) {
    for (int b = 0; b < 64; ++b) EXPECT_EQ(m[k * 64 + b], 0.0);
  }
}

TEST(LogMel, FftMatchesDirectDft) {
  // One frame through the library vs. a naive double DFT with the same window and mel matrix.
  LogMel lm;
  const auto x = noise(400, 11);
  const auto got = lm.frames(x.data(), x.size());
  ASSERT_EQ(got.size(), 64u);
  std::vector<double> mag(257);
  for (int k = 0; k < 257; ++k) {
    std::complex<double> s = 0.0;
    for (int n = 0; n < 400; ++n) {
      s += static_cast<double>(x[n]) * lm.window()[n] * std::polar(1.0, -2.0 * kPi * k * n / 512.0);
    }
    mag[k] = std::abs(s);
  }
  for (int b = 0; b < 64; ++b) {
    double mel = 0.0;
    for (int k = 0; k < 257; ++k) mel += mag[k] * lm.mel_matrix()[k * 64 + b];
    EXPECT_NEAR(got[b], std::log(mel + 0.001), 2e-6) << "band " << b;
  }
}

TEST(LogMel, SilenceIsLogOffset) {
  LogMel lm;
  const auto out = lm.clip_log_mel(nullptr, 0);  // empty clip → padded to one patch of silence
  ASSERT_EQ(out.size(), 96u * 64u);
  for (float v : out) EXPECT_FLOAT_EQ(v, static_cast<float>(std::log(0.001)));
  EXPECT_EQ(lm.clip_patches(nullptr, 0).size(), static_cast<std::size_t>(y::kPatchSize));
}

TEST(LogMel, OneSecondGivesTwoPatches) {
  LogMel lm;
  const auto x = sine(1000.0, 16000.0, 16000);
  EXPECT_EQ(lm.clip_log_mel(x.data(), x.size()).size(), 144u * 64u);
  const auto p = lm.clip_patches(x.data(), x.size());
  ASSERT_EQ(p.size(), 2u * y::kPatchSize);
  // Patch 1 starts 48 frames into the log-mel.
  const auto lmel = lm.clip_log_mel(x.data(), x.size());
  for (int i = 0; i < y::kPatchSize; ++i) ASSERT_EQ(p[y::kPatchSize + i], lmel[48 * 64 + i]);
  // A 1 kHz tone peaks in the mel bands around 1 kHz (bands 18–20, ../shared/weights/yamnet/WEIGHTS.md).
  int best = 0;
  for (int b = 0; b < 64; ++b) if (lmel[10 * 64 + b] > lmel[10 * 64 + best]) best = b;
  EXPECT_GE(best, 18);
  EXPECT_LE(best, 20);
}

TEST(LogMel, PatchNeedsExactly15600Samples) {
  LogMel lm;
  std::vector<float> x(15600, 0.1f), out(y::kPatchSize);
  EXPECT_NO_THROW(lm.patch(x.data(), x.size(), out.data()));
  EXPECT_THROW(lm.patch(x.data(), 15599, out.data()), cryscope::ShapeError);
  EXPECT_THROW(lm.patch(x.data(), 0, out.data()), cryscope::ShapeError);
  EXPECT_THROW(LogMel::to_patches(std::vector<float>(65)), cryscope::ShapeError);
  EXPECT_TRUE(LogMel::to_patches(std::vector<float>(95 * 64)).empty());
}

TEST(LogMel, RejectsNonFiniteAudio) {
  LogMel lm;
  auto x = noise(16000, 3);
  x[12345] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(lm.clip_log_mel(x.data(), x.size()), cryscope::AudioError);
  x[12345] = std::nanf("");
  EXPECT_THROW(lm.clip_patches(x.data(), x.size()), cryscope::AudioError);
}

TEST(LogMel, MelMatrixArgumentsValidated) {
  EXPECT_THROW(cryscope::linear_to_mel_weight_matrix(0, 257, 16000, 125, 7500), cryscope::ConfigError);
  EXPECT_THROW(cryscope::linear_to_mel_weight_matrix(64, 257, 16000, 7500, 125), cryscope::ConfigError);
  EXPECT_THROW(cryscope::linear_to_mel_weight_matrix(64, 257, 16000, 125, 9000), cryscope::ConfigError);
}
