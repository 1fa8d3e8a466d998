#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cryscope/errors.hpp"
#include "cryscope/log_mel.hpp"
#include "cryscope/stream_frontend.hpp"
#include "cryscope/wav2vec2_input.hpp"
#include "signals.hpp"

using namespace cryscope;
using namespace cryscope_test;

namespace {

StreamFrontEndConfig cfg(double rate) {
  StreamFrontEndConfig c;
  c.input_sample_rate = rate;
  return c;
}

std::vector<AnalysisWindow> drain(StreamFrontEnd& fe) {
  std::vector<AnalysisWindow> out;
  while (auto w = fe.pop()) out.push_back(std::move(*w));
  return out;
}

// Feeds x in chunks cycling through `sizes`, popping after every push, then flushes.
std::vector<AnalysisWindow> run_chunked(const StreamFrontEndConfig& c, const std::vector<float>& x,
                                        const std::vector<std::size_t>& sizes, bool pop_each = true) {
  StreamFrontEnd fe(c);
  std::vector<AnalysisWindow> out;
  std::size_t pos = 0, k = 0;
  while (pos < x.size()) {
    const std::size_t n = std::min(sizes[k++ % sizes.size()], x.size() - pos);
    fe.push(x.data() + pos, n);
    pos += n;
    if (pop_each) for (auto& w : drain(fe)) out.push_back(std::move(w));
  }
  fe.flush();
  for (auto& w : drain(fe)) out.push_back(std::move(w));
  return out;
}

void expect_same(const std::vector<AnalysisWindow>& a, const std::vector<AnalysisWindow>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].model, b[i].model) << what << " #" << i;
    ASSERT_EQ(a[i].start_sample, b[i].start_sample) << what << " #" << i;
    ASSERT_EQ(a[i].end, b[i].end) << what << " #" << i;
    ASSERT_EQ(a[i].data.size(), b[i].data.size()) << what << " #" << i;
    EXPECT_LE(max_abs_diff(a[i].data, b[i].data), 1e-6) << what << " #" << i;
  }
}

std::vector<float> slice(const std::vector<float>& x, std::size_t start, std::size_t n) {
  std::vector<float> s(n, 0.0f);
  for (std::size_t i = 0; i < n && start + i < x.size(); ++i) s[i] = x[start + i];
  return s;
}

}  // namespace

TEST(StreamFrontEnd, RejectsBadConfigWithFieldName) {
  auto expect_config_error = [](StreamFrontEndConfig c, const char* field) {
    try {
      StreamFrontEnd fe(c);
      ADD_FAILURE() << "expected ConfigError for " << field;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  auto c = cfg(16000);
  c.yamnet_hop_seconds = 0;
  expect_config_error(c, "yamnet_hop_seconds");
  c = cfg(16000);
  c.yamnet_hop_seconds = 1.0;  // > 0.975 s window
  expect_config_error(c, "yamnet_hop_seconds");
  c = cfg(16000);
  c.wav2vec2_window_seconds = 0.5;
  expect_config_error(c, "wav2vec2_window_seconds");
  c = cfg(16000);
  c.wav2vec2_window_seconds = 16;
  expect_config_error(c, "wav2vec2_window_seconds");
  c = cfg(16000);
  c.wav2vec2_hop_seconds = 3.0;  // > window
  expect_config_error(c, "wav2vec2_hop_seconds");
  c = cfg(16000);
  c.wav2vec2_hop_seconds = std::numeric_limits<double>::quiet_NaN();
  expect_config_error(c, "wav2vec2_hop_seconds");
  c = cfg(16000);
  c.max_pending_seconds = 1.0;
  expect_config_error(c, "max_pending_seconds");
  c = cfg(16000);
  c.enable_yamnet = c.enable_wav2vec2 = false;
  expect_config_error(c, "enable");
  EXPECT_THROW(StreamFrontEnd(cfg(4000)), ConfigError);
  EXPECT_THROW(StreamFrontEnd(cfg(192000)), ConfigError);
}

TEST(StreamFrontEnd, DefaultsEmitBothModelsOrderedByEnd) {
  StreamFrontEnd fe(cfg(16000));
  EXPECT_FALSE(fe.pop().has_value());
  const auto x = noise(48000, 1);  // 3 s
  // YAMNet: (48000-15600)/8000+1 = 5 windows; Wav2Vec2 (2 s): (48000-32000)/8000+1 = 3.
  EXPECT_EQ(fe.push(x), 8u);
  const auto w = drain(fe);
  ASSERT_EQ(w.size(), 8u);
  EXPECT_EQ(fe.pending(), 0u);
  for (std::size_t i = 1; i < w.size(); ++i) EXPECT_LE(w[i - 1].end, w[i].end);
  int y = 0, v = 0;
  for (const auto& win : w) {
    if (win.model == WindowModel::Yamnet) {
      EXPECT_DOUBLE_EQ(win.start, 0.5 * y);
      EXPECT_DOUBLE_EQ(win.end, 0.5 * y + 0.975);
      EXPECT_EQ(win.data.size(), 96u * 64u);
      ++y;
    } else {
      EXPECT_DOUBLE_EQ(win.start, 0.5 * v);
      EXPECT_DOUBLE_EQ(win.end, 0.5 * v + 2.0);
      EXPECT_EQ(win.data.size(), 32000u);
      ++v;
    }
  }
  EXPECT_EQ(y, 5);
  EXPECT_EQ(v, 3);
  EXPECT_STREQ(model_name(w[0].model), "yamnet");
}

TEST(StreamFrontEnd, WindowDataIsLogMelPatchAndNormalisedWave) {
  StreamFrontEnd fe(cfg(16000));
  const auto x = noise(40000, 2);
  fe.push(x);
  LogMel lm;
  for (const auto& w : drain(fe)) {
    if (w.model == WindowModel::Yamnet) {
      const auto expect = lm.frames(x.data() + w.start_sample, 15600);
      EXPECT_EQ(w.data, expect) << w.start;
    } else {
      const auto expect = normalize_wav2vec2(x.data() + w.start_sample, 32000);
      EXPECT_EQ(w.data, expect) << w.start;
    }
  }
}

TEST(StreamFrontEnd, StreamingEqualsBatchForAnyChunking) {
  for (double rate : {16000.0, 44100.0, 48000.0, 8000.0}) {
    const auto x = noise(static_cast<std::size_t>(rate * 4.3), static_cast<std::uint32_t>(rate));
    auto c = cfg(rate);
    const auto ref = run_chunked(c, x, {x.size()}, false);
    ASSERT_GT(ref.size(), 10u);
    for (const auto& sizes : std::vector<std::vector<std::size_t>>{{128}, {1, 7, 1000}, {4097}, {333, 12345}}) {
      expect_same(run_chunked(c, x, sizes, true), ref, "rate " + std::to_string(rate) + " chunk " + std::to_string(sizes[0]));
    }
  }
}

TEST(StreamFrontEnd, ResampledTimelineMatchesResampler) {
  // At 48 kHz the windows hold exactly the resampler's output at their 16 kHz sample positions.
  const auto x = noise(48000 * 3, 4);
  Resampler r(48000);
  auto y16 = r.process(x);
  r.flush(y16);
  StreamFrontEndConfig c = cfg(48000);
  c.enable_yamnet = false;
  StreamFrontEnd fe(c);
  fe.push(x);
  fe.flush();
  const auto w = drain(fe);
  ASSERT_FALSE(w.empty());
  for (const auto& win : w) {
    const auto expect = normalize_wav2vec2(slice(y16, win.start_sample, win.data.size()).data(), win.data.size());
    EXPECT_LE(max_abs_diff(win.data, expect), 1e-6);
  }
}

TEST(StreamFrontEnd, FlushShortClipYieldsOneWindowOfEach) {
  const auto x = sine(440.0, 16000.0, 8000, 0.3);  // 0.5 s
  StreamFrontEnd fe(cfg(16000));
  EXPECT_EQ(fe.push(x), 0u);
  EXPECT_EQ(fe.flush(), 2u);
  const auto w = drain(fe);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].model, WindowModel::Yamnet);  // tie on end: YAMNet first
  EXPECT_DOUBLE_EQ(w[0].start, 0.0);
  EXPECT_DOUBLE_EQ(w[0].end, 0.5);  // clamped to the stream end
  LogMel lm;
  const auto clip = lm.clip_patches(x.data(), x.size());  // YAMNet's own padding of the clip
  ASSERT_EQ(clip.size(), w[0].data.size());
  EXPECT_EQ(w[0].data, clip);
  EXPECT_EQ(w[1].model, WindowModel::Wav2Vec2);
  EXPECT_DOUBLE_EQ(w[1].start, 0.0);
  EXPECT_DOUBLE_EQ(w[1].end, 0.5);
  EXPECT_EQ(w[1].data, normalize_wav2vec2(x.data(), x.size()));
}

TEST(StreamFrontEnd, FlushCoversTheTail) {
  const auto x = noise(52800, 6);  // 3.3 s
  StreamFrontEnd fe(cfg(16000));
  EXPECT_EQ(fe.push(x), 5u + 3u);
  // YAMNet pads to 15600 + 5·8000 = 55600 → one more window (start 2.5 s);
  // Wav2Vec2 adds an end-aligned window [1.3 s, 3.3 s).
  EXPECT_EQ(fe.flush(), 10u);
  const auto w = drain(fe);
  ASSERT_EQ(w.size(), 10u);
  const auto& last_y = w[8];
  const auto& tail = w[9];
  EXPECT_EQ(last_y.model, WindowModel::Yamnet);
  EXPECT_DOUBLE_EQ(last_y.start, 2.5);
  EXPECT_DOUBLE_EQ(last_y.end, 3.3);
  LogMel lm;
  const auto padded = slice(x, 40000, 15600);  // real audio then zeros
  EXPECT_EQ(last_y.data, lm.frames(padded.data(), padded.size()));
  EXPECT_EQ(tail.model, WindowModel::Wav2Vec2);
  EXPECT_DOUBLE_EQ(tail.start, 1.3);
  EXPECT_DOUBLE_EQ(tail.end, 3.3);
  EXPECT_EQ(tail.data, normalize_wav2vec2(x.data() + 20800, 32000));
}

TEST(StreamFrontEnd, FlushLifecycle) {
  StreamFrontEnd fe(cfg(44100));
  EXPECT_EQ(fe.flush(), 0u);  // nothing pushed: nothing to emit
  EXPECT_FALSE(fe.pop().has_value());
  EXPECT_THROW(fe.push(noise(100, 1)), Error);
  fe.reset();
  EXPECT_EQ(fe.push(noise(100, 1)), 0u);
  // Very short clip: Wav2Vec2 window is padded to its 400-sample minimum.
  EXPECT_EQ(fe.flush(), 2u);
  const auto w = drain(fe);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[1].data.size(), 400u);
  for (const auto& win : w) for (float v : win.data) ASSERT_TRUE(std::isfinite(v));
}

TEST(StreamFrontEnd, NaNChunkRejectedStateKept) {
  const auto x = noise(44100 * 3, 8);
  const auto ref = run_chunked(cfg(44100), x, {4410}, true);
  StreamFrontEnd fe(cfg(44100));
  std::vector<AnalysisWindow> got;
  for (std::size_t pos = 0; pos < x.size(); pos += 4410) {
    const std::size_t n = std::min<std::size_t>(4410, x.size() - pos);
    std::vector<float> bad(x.begin() + static_cast<std::ptrdiff_t>(pos), x.begin() + static_cast<std::ptrdiff_t>(pos + n));
    bad[n / 2] = std::numeric_limits<float>::quiet_NaN();
    const std::size_t before = fe.pending();
    EXPECT_THROW(fe.push(bad), AudioError);
    EXPECT_EQ(fe.pending(), before);
    fe.push(x.data() + pos, n);
    for (auto& w : drain(fe)) got.push_back(std::move(w));
  }
  fe.flush();
  for (auto& w : drain(fe)) got.push_back(std::move(w));
  expect_same(got, ref, "after rejected NaN chunks");
}

TEST(StreamFrontEnd, TenMinutesInOnePushThenDrain) {
  const std::size_t n = 48000u * 600u;
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(0.2 * std::sin(0.003 * static_cast<double>(i)));
  StreamFrontEnd fe(cfg(48000));
  const std::size_t steady_bytes = fe.buffer_bytes();
  const std::size_t ready = fe.push(x);
  // Resampler latency holds back ~3 ms; every window ending by 600 s - 3 ms is ready.
  EXPECT_EQ(ready, ((9600000u - 151u / 3u - 15600u) / 8000u + 1u) + ((9600000u - 50u - 32000u) / 8000u + 1u));
  EXPECT_LE(fe.buffered_samples(), 9600000u);  // only 16 kHz audio is held, no windows materialised
  std::size_t popped = 0;
  while (auto w = fe.pop()) ++popped;
  EXPECT_EQ(popped, ready);
  // Backlog consumed: storage shrinks back to within 2x the steady-state size (was ~38 MB).
  EXPECT_LE(fe.buffer_bytes(), 2 * steady_bytes);
}

TEST(StreamFrontEnd, BacklogCapRejectsPushAndKeepsState) {
  StreamFrontEndConfig c = cfg(16000);
  c.max_pending_seconds = 10.0;
  StreamFrontEnd fe(c);
  const auto x = noise(16000 * 8, 3);
  const std::size_t ready = fe.push(x);
  try {
    fe.push(x);  // 16 s un-popped > 10 s
    FAIL() << "expected CapacityError";
  } catch (const CapacityError& e) {
    EXPECT_NE(std::string(e.what()).find("max_pending_seconds"), std::string::npos) << e.what();
  }
  EXPECT_EQ(fe.pending(), ready);
  EXPECT_DOUBLE_EQ(fe.stream_seconds(), 8.0);
  drain(fe);
  EXPECT_NO_THROW(fe.push(x));  // after popping, the backlog fits again
}

TEST(StreamFrontEnd, SteadyStateMemoryIsBounded) {
  StreamFrontEnd fe(cfg(48000));
  const std::size_t initial = fe.buffer_bytes();
  const auto x = noise(128, 9);
  std::size_t windows = 0;
  for (int i = 0; i < 48000 * 60 / 128; ++i) {  // 60 s in 128-sample render quanta
    fe.push(x);
    while (auto w = fe.pop()) ++windows;
    ASSERT_LE(fe.buffered_samples(), 32000u + 8000u + 128u);
  }
  EXPECT_EQ(fe.buffer_bytes(), initial);
  EXPECT_GT(windows, 200u);
}

TEST(StreamFrontEnd, CustomWindowsAndSingleModel) {
  StreamFrontEndConfig c = cfg(16000);
  c.enable_yamnet = false;
  c.wav2vec2_window_seconds = 1.0;
  c.wav2vec2_hop_seconds = 0.25;
  StreamFrontEnd fe(c);
  EXPECT_EQ(fe.push(noise(32000, 5)), (32000u - 16000u) / 4000u + 1u);
  for (const auto& w : drain(fe)) {
    EXPECT_EQ(w.model, WindowModel::Wav2Vec2);
    EXPECT_EQ(w.data.size(), 16000u);
  }
  StreamFrontEndConfig y = cfg(16000);
  y.enable_wav2vec2 = false;
  y.yamnet_hop_seconds = 0.975;  // hop = window: no overlap
  StreamFrontEnd fy(y);
  EXPECT_EQ(fy.push(noise(15600 * 3, 5)), 3u);
}
