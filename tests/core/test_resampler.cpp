#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <limits>
#include <vector>

#include "cryscope/errors.hpp"
#include "cryscope/resampler.hpp"
#include "signals.hpp"

using cryscope::Resampler;
using namespace cryscope_test;

namespace {

// Whole-stream output: one process() call + flush().
std::vector<float> batch(int rate, const std::vector<float>& x) {
  Resampler r(rate);
  std::vector<float> out = r.process(x);
  r.flush(out);
  return out;
}

// Same stream fed in chunks whose sizes cycle through `sizes`.
std::vector<float> chunked(int rate, const std::vector<float>& x, const std::vector<std::size_t>& sizes) {
  Resampler r(rate);
  std::vector<float> out;
  std::size_t pos = 0, k = 0;
  while (pos < x.size()) {
    const std::size_t n = std::min(sizes[k++ % sizes.size()], x.size() - pos);
    r.process(x.data() + pos, n, out);
    pos += n;
  }
  r.flush(out);
  return out;
}

double gain_db(int rate, double freq) {
  const std::size_t n = static_cast<std::size_t>(rate);  // 1 s
  const auto x = sine(freq, rate, n, 0.5);
  const auto y = batch(rate, x);
  // Skip 50 ms at both ends (filter start-up / tail).
  const double in_rms = rms(x, static_cast<std::size_t>(rate / 20), n - static_cast<std::size_t>(rate / 20));
  const double out_rms = rms(y, 800, y.size() - 800);
  return 20.0 * std::log10(out_rms / in_rms);
}

}  // namespace

TEST(Resampler, RejectsUnsupportedRates) {
  for (double bad : {0.0, -16000.0, 7999.0, 96001.0, 192000.0, 44100.5,
                     std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    EXPECT_THROW(Resampler r(bad), cryscope::ConfigError) << bad;
  }
  EXPECT_NO_THROW(Resampler(8000));
  EXPECT_NO_THROW(Resampler(96000));
  EXPECT_NO_THROW(Resampler(44101));  // awkward rate: interpolated phases
}

TEST(Resampler, PassthroughAt16kIsExactWithNoLatency) {
  const auto x = noise(1234, 7);
  Resampler r(16000);
  EXPECT_TRUE(r.is_passthrough());
  EXPECT_EQ(r.latency_input_samples(), 0);
  const auto y = r.process(x);
  ASSERT_EQ(y.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) ASSERT_EQ(y[i], x[i]);
  EXPECT_TRUE(r.flush().empty());
}

TEST(Resampler, OutputLengthMatchesDuration) {
  for (int rate : {8000, 11025, 22050, 32000, 44100, 48000, 96000, 44101}) {
    const std::size_t n = static_cast<std::size_t>(rate) * 3 / 2 + 17;
    const auto y = batch(rate, noise(n, 3));
    const std::size_t expected = static_cast<std::size_t>(std::ceil(static_cast<double>(n) * 16000.0 / rate));
    EXPECT_EQ(y.size(), expected) << rate;
  }
}

TEST(Resampler, StreamingEqualsBatchForAnyChunking) {
  const std::vector<std::vector<std::size_t>> chunkings = {
      {128}, {1}, {7, 13, 1, 255}, {4096, 3}, {441}, {480, 127}};
  for (int rate : {8000, 22050, 44100, 48000, 96000, 44101, 16000}) {
    const auto x = noise(static_cast<std::size_t>(rate) / 2 + 31, static_cast<std::uint32_t>(rate));
    const auto ref = batch(rate, x);
    for (const auto& sizes : chunkings) {
      const auto got = chunked(rate, x, sizes);
      ASSERT_EQ(got.size(), ref.size()) << rate;
      EXPECT_LE(max_abs_diff(got, ref), 1e-6) << "rate " << rate << " first chunk " << sizes[0];
    }
  }
}

TEST(Resampler, StopBandRejectsAbove8kHzBy60dB) {
  double worst = -1000.0;
  for (int rate : {22050, 32000, 44100, 48000, 96000, 44101}) {
    for (double f : {8000.0, 8200.0, 9000.0, 10000.0, 12000.0, 15000.0, 20000.0, 23000.0, 40000.0}) {
      if (f >= rate / 2.0) continue;
      const double g = gain_db(rate, f);
      worst = std::max(worst, g);
      EXPECT_LE(g, -60.0) << "rate " << rate << " Hz, sine " << f << " Hz: " << g << " dB";
    }
  }
  RecordProperty("worst_stopband_db", std::to_string(worst));
  std::printf("worst stop-band gain above 8 kHz: %.1f dB\n", worst);
}

TEST(Resampler, PassBandIsFlatTo7kHz) {
  for (int rate : {8000, 11025, 22050, 44100, 48000, 96000, 44101}) {
    const double top = rate < 16000 ? 0.85 * rate / 2.0 : 7000.0;
    for (double f : {100.0, 440.0, 1000.0, 2500.0, top}) {
      const double g = gain_db(rate, f);
      EXPECT_NEAR(g, 0.0, 0.05) << "rate " << rate << " Hz, sine " << f << " Hz";
    }
  }
}

TEST(Resampler, ZeroGroupDelayClickLandsAtItsTime) {
  // A click at input time t appears, after resampling, centred on output sample t·16000.
  for (int rate : {44100, 48000, 8000, 96000}) {
    std::vector<float> x(static_cast<std::size_t>(rate), 0.0f);
    const std::size_t k = static_cast<std::size_t>(rate) / 4 * 1;  // 0.25 s
    x[k] = 1.0f;
    const auto y = batch(rate, x);
    std::size_t peak = 0;
    for (std::size_t i = 1; i < y.size(); ++i) if (std::fabs(y[i]) > std::fabs(y[peak])) peak = i;
    EXPECT_EQ(peak, 4000u) << rate;
  }
}

TEST(Resampler, LatencyIsHalfTheFilter) {
  // Outputs are held back until latency_input_samples() further inputs have arrived.
  Resampler r(48000);
  const int lat = r.latency_input_samples();
  EXPECT_GT(lat, 0);
  EXPECT_LT(lat, 48000 * 5 / 1000);  // documented ≈3.2 ms: well under 5 ms
  std::vector<float> out;
  const auto x = noise(static_cast<std::size_t>(lat) + 2, 5);
  r.process(x.data(), static_cast<std::size_t>(lat), out);
  EXPECT_EQ(out.size(), 0u);  // output 0 (at q=0) needs input index lat
  r.process(x.data() + lat, 1, out);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(r.output_count(), 1u);
}

TEST(Resampler, NaNChunkIsRejectedAndStateKept) {
  const auto x = noise(4800, 9);
  const auto ref = batch(48000, x);
  Resampler r(48000);
  std::vector<float> out;
  r.process(x.data(), 2400, out);
  std::vector<float> bad(x.begin() + 2400, x.begin() + 2500);
  bad[50] = std::numeric_limits<float>::quiet_NaN();
  const std::size_t before = out.size();
  EXPECT_THROW(r.process(bad.data(), bad.size(), out), cryscope::AudioError);
  EXPECT_EQ(out.size(), before);
  bad[50] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(r.process(bad.data(), bad.size(), out), cryscope::AudioError);
  r.process(x.data() + 2400, 2400, out);  // continue as if nothing happened
  r.flush(out);
  ASSERT_EQ(out.size(), ref.size());
  EXPECT_LE(max_abs_diff(out, ref), 0.0);
}

TEST(Resampler, EmptyChunksAndResetAreHarmless) {
  Resampler r(44100);
  std::vector<float> out;
  r.process(nullptr, 0, out);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(r.flush().empty());
  const auto x = noise(4410, 2);
  const auto first = batch(44100, x);
  r.process(noise(999, 4));
  r.reset();
  auto again = r.process(x);
  r.flush(again);
  EXPECT_EQ(again, first);
}

TEST(Resampler, HugeChunkTenMinutesIsLinear) {
  // 10 minutes at 48 kHz in one call: must complete (linear cost) with the exact output length.
  const std::size_t n = 48000u * 600u;
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(0.1 * std::sin(0.01 * static_cast<double>(i)));
  Resampler r(48000);
  std::vector<float> out = r.process(x);
  r.flush(out);
  EXPECT_EQ(out.size(), 16000u * 600u);
}

TEST(Resampler, EveryKindOfRateSweep) {
  // Rates across the whole range, most with awkward ratios (interpolated phases).
  for (int rate = 8000; rate <= 96000; rate += 2003) {
    const std::size_t n = static_cast<std::size_t>(rate) / 10 + 3;
    const auto x = noise(n, static_cast<std::uint32_t>(rate));
    const auto ref = batch(rate, x);
    ASSERT_EQ(ref.size(), static_cast<std::size_t>(std::ceil(static_cast<double>(n) * 16000.0 / rate))) << rate;
    const auto got = chunked(rate, x, {97, 1, 300});
    ASSERT_EQ(got.size(), ref.size()) << rate;
    EXPECT_LE(max_abs_diff(got, ref), 1e-6) << rate;
    for (float v : ref) ASSERT_TRUE(std::isfinite(v)) << rate;
  }
}
