// Event detector: hysteresis, min duration (incl. the sliding start), cooldown, flush, flapping,
// per-class independence, bad time and bad configs.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "cryscope/errors.hpp"
#include "cryscope/event_detector.hpp"

using namespace cryscope;

namespace {

constexpr double kHop = 0.5;

EventDetectorConfig cfg(double min_dur = 1.0, double cooldown = 2.0) {
  EventDetectorConfig c;  // on 0.6 / off 0.4 for both classes
  c.min_duration_s = min_dur;
  c.cooldown_s = cooldown;
  return c;
}

Probs cry(double p) { return Probs{p, 0.0, 1.0 - p}; }

struct Timed {
  double time;
  Event event;
};

// Feeds cry probabilities at t = 0, 0.5, 1.0, ... and returns all events with their emission time.
std::vector<Timed> run(EventDetector& d, const std::vector<double>& ps, double t0 = 0.0) {
  std::vector<Timed> out;
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const double t = t0 + kHop * static_cast<double>(i);
    for (const Event& e : d.update(t, cry(ps[i]))) out.push_back({t, e});
  }
  return out;
}

}  // namespace

TEST(Events, OnsetAfterMinDurationCountingTheRise) {
  EventDetector d(cfg(1.0));
  //                 t=0   0.5  1.0  1.5  2.0  2.5  3.0  3.5
  const auto ev = run(d, {0.1, 0.5, 0.7, 0.8, 0.9, 0.7, 0.3, 0.1});
  ASSERT_EQ(ev.size(), 2u);
  // The run starts at 0.5 (first ≥ off), reaches on at 1.0, lasts 1 s at 1.5 → onset at 1.5.
  EXPECT_DOUBLE_EQ(ev[0].time, 1.5);
  EXPECT_EQ(ev[0].event.type, EventType::kOnset);
  EXPECT_EQ(ev[0].event.label, 0u);
  EXPECT_DOUBLE_EQ(ev[0].event.start, 0.5);
  EXPECT_FALSE(ev[0].event.end.has_value());
  EXPECT_DOUBLE_EQ(ev[0].event.peak, 0.8);
  EXPECT_NEAR(ev[0].event.mean, (0.5 + 0.7 + 0.8) / 3, 1e-12);
  // Offset at the first update below off (3.0), with stats over the whole episode [0.5, 3.0).
  EXPECT_DOUBLE_EQ(ev[1].time, 3.0);
  EXPECT_EQ(ev[1].event.type, EventType::kOffset);
  EXPECT_DOUBLE_EQ(ev[1].event.start, 0.5);
  EXPECT_DOUBLE_EQ(*ev[1].event.end, 3.0);
  EXPECT_DOUBLE_EQ(ev[1].event.peak, 0.9);
  EXPECT_NEAR(ev[1].event.mean, (0.5 + 0.7 + 0.8 + 0.9 + 0.7) / 5, 1e-12);
}

TEST(Events, HysteresisKeepsEpisodeBetweenOffAndOn) {
  EventDetector d(cfg(0.0, 0.0));
  // Dips to 0.45 (between off and on) do not end the episode; 0.39 does.
  const auto ev = run(d, {0.7, 0.45, 0.55, 0.45, 0.65, 0.39});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_DOUBLE_EQ(ev[0].time, 0.0);
  EXPECT_DOUBLE_EQ(*ev[1].event.end, 2.5);
}

TEST(Events, NeverReachingOnEmitsNothing) {
  EventDetector d(cfg(0.0, 0.0));
  EXPECT_TRUE(run(d, {0.5, 0.59, 0.55, 0.41, 0.59, 0.2}).empty());
}

TEST(Events, ShortBlipBelowMinDurationEmitsNothing) {
  EventDetector d(cfg(1.0, 0.0));
  // ≥ off for 0.5 s only (updates at 0.5 and 1.0) then drops: no onset, hence no offset either.
  EXPECT_TRUE(run(d, {0.1, 0.9, 0.9, 0.1, 0.1}).empty());
  EXPECT_FALSE(d.active(0));
}

TEST(Events, MinDurationZeroFiresOnTheOnCrossing) {
  EventDetector d(cfg(0.0, 0.0));
  const auto ev = run(d, {0.1, 0.5, 0.61});
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_DOUBLE_EQ(ev[0].time, 1.0);
  EXPECT_DOUBLE_EQ(ev[0].event.start, 1.0);  // sliding start: at most min_duration back
}

TEST(Events, LongHoverDoesNotBackdateBeyondMinDuration) {
  EventDetector d(cfg(1.0, 0.0));
  std::vector<double> ps(40, 0.5);  // 20 s of "maybe"
  ps.push_back(0.9);                // t = 20.0 crosses on
  const auto ev = run(d, ps);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_DOUBLE_EQ(ev[0].time, 20.0);        // already lasted ≥ 1 s → immediate onset
  EXPECT_DOUBLE_EQ(ev[0].event.start, 19.0); // not 0.0
  EXPECT_DOUBLE_EQ(ev[0].event.peak, 0.9);
  EXPECT_NEAR(ev[0].event.mean, (0.5 + 0.5 + 0.9) / 3, 1e-12);
}

TEST(Events, CooldownSuppressesFlapping) {
  EventDetector d(cfg(0.0, 2.0));
  // on at 0, off at 1.0, flaps back at 1.5 and 2.5 (inside cooldown until 3.0), real re-onset at 3.0
  const auto ev = run(d, {0.9, 0.9, 0.1, 0.9, 0.1, 0.9, 0.9, 0.1});
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].event.type, EventType::kOnset);
  EXPECT_DOUBLE_EQ(ev[0].time, 0.0);
  EXPECT_EQ(ev[1].event.type, EventType::kOffset);
  EXPECT_DOUBLE_EQ(ev[1].time, 1.0);
  EXPECT_EQ(ev[2].event.type, EventType::kOnset);
  EXPECT_DOUBLE_EQ(ev[2].time, 3.0);  // exactly end + cooldown is allowed
  EXPECT_DOUBLE_EQ(ev[2].event.start, 3.0);
  EXPECT_EQ(ev[3].event.type, EventType::kOffset);
  EXPECT_DOUBLE_EQ(ev[3].time, 3.5);
}

TEST(Events, WithoutCooldownFlappingMakesSeparateEpisodes) {
  EventDetector d(cfg(0.0, 0.0));
  const auto ev = run(d, {0.9, 0.1, 0.9, 0.1, 0.9, 0.1});
  EXPECT_EQ(ev.size(), 6u);
}

TEST(Events, ClassesAreIndependentAndOrdered) {
  EventDetector d(cfg(0.0, 0.0));
  auto e = d.update(0.0, Probs{0.7, 0.7, 0.0});
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].label, 0u);
  EXPECT_EQ(e[1].label, 1u);
  e = d.update(0.5, Probs{0.1, 0.8, 0.1});
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].label, 0u);
  EXPECT_EQ(e[0].type, EventType::kOffset);
  EXPECT_TRUE(d.active(1));
  // "normal" never produces events
  EXPECT_TRUE(d.update(1.0, Probs{0.0, 0.5, 1.0}).empty());
}

TEST(Events, PerClassThresholds) {
  EventDetectorConfig c = cfg(0.0, 0.0);
  c.thresholds[1] = {0.8, 0.7};
  EventDetector d(c);
  EXPECT_TRUE(d.update(0.0, Probs{0.0, 0.75, 0.25}).empty());
  EXPECT_EQ(d.update(0.5, Probs{0.0, 0.85, 0.15}).size(), 1u);
  EXPECT_EQ(d.update(1.0, Probs{0.0, 0.65, 0.35}).size(), 1u);  // < 0.7 ends it
}

TEST(Events, FlushClosesOpenEpisodesAndResets) {
  EventDetector d(cfg(1.0, 5.0));
  const auto ev = run(d, {0.9, 0.9, 0.9, 0.9});
  ASSERT_EQ(ev.size(), 1u);
  const auto fl = d.flush(2.25);
  ASSERT_EQ(fl.size(), 1u);
  EXPECT_EQ(fl[0].type, EventType::kOffset);
  EXPECT_DOUBLE_EQ(fl[0].start, 0.0);
  EXPECT_DOUBLE_EQ(*fl[0].end, 2.25);
  EXPECT_DOUBLE_EQ(fl[0].mean, 0.9);
  EXPECT_FALSE(d.active(0));
  // After flush the detector is as new: time may restart at 0, no cooldown.
  EXPECT_EQ(run(d, {0.9, 0.9, 0.9}).size(), 1u);
}

TEST(Events, FlushDropsUnconfirmedRunsAndIsEmptyWhenIdle) {
  EventDetector d(cfg(1.0, 0.0));
  run(d, {0.9});
  EXPECT_TRUE(d.flush(0.5).empty());
  EXPECT_TRUE(d.flush(0.0).empty());
}

TEST(Events, BadTimeIsRejectedWithoutChangingState) {
  EventDetector d(cfg(1.0, 0.0));
  run(d, {0.9, 0.9});  // t = 0, 0.5: run open, no onset yet
  EXPECT_THROW(d.update(0.25, cry(0.9)), Error);
  EXPECT_THROW(d.update(std::numeric_limits<double>::quiet_NaN(), cry(0.9)), Error);
  EXPECT_THROW(d.update(std::numeric_limits<double>::infinity(), cry(0.9)), Error);
  EXPECT_THROW(d.update(1.0, Probs{std::numeric_limits<double>::quiet_NaN(), 0, 0}), Error);
  EXPECT_THROW(d.flush(0.1), Error);
  const auto e = d.update(1.0, cry(0.9));  // the run survived the rejected calls
  ASSERT_EQ(e.size(), 1u);
  EXPECT_DOUBLE_EQ(e[0].start, 0.0);
}

TEST(Events, RejectsBadConfigs) {
  auto with = [](double on, double off) {
    EventDetectorConfig c;
    c.thresholds[0] = {on, off};
    return c;
  };
  EXPECT_THROW(EventDetector(with(0.5, 0.5)), ConfigError);   // off must be < on
  EXPECT_THROW(EventDetector(with(0.4, 0.6)), ConfigError);
  EXPECT_THROW(EventDetector(with(1.2, 0.4)), ConfigError);
  EXPECT_THROW(EventDetector(with(0.0, 0.0)), ConfigError);
  EXPECT_THROW(EventDetector(with(0.6, -0.1)), ConfigError);
  EXPECT_THROW(EventDetector(with(std::numeric_limits<double>::quiet_NaN(), 0.1)), ConfigError);
  EXPECT_NO_THROW(EventDetector(with(1.0, 0.0)));
  EXPECT_THROW(EventDetector(cfg(-1.0)), ConfigError);
  EXPECT_THROW(EventDetector(cfg(1.0, -2.0)), ConfigError);
  EXPECT_THROW(EventDetector(cfg(std::numeric_limits<double>::infinity())), ConfigError);
  try {
    EventDetector d(with(0.5, 0.7));
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("thresholds.cry.off"), std::string::npos) << e.what();
  }
}

// Randomised invariants over many configurations and noisy probability traces (fixed seed):
// events alternate onset/offset per class, an offset closes the preceding onset's episode, onsets
// respect min duration (measured at emission) and cooldown, peak/mean are consistent, and flush
// closes whatever is open.
TEST(Events, RandomisedInvariants) {
  std::uint32_t seed = 2024;
  auto rnd = [&seed] {
    seed = seed * 1664525u + 1013904223u;
    return static_cast<double>(seed >> 8) / 16777216.0;
  };
  std::size_t total_events = 0;
  for (int config = 0; config < 200; ++config) {
    EventDetectorConfig c;
    for (auto& h : c.thresholds) {
      h.on = 0.3 + 0.6 * rnd();
      h.off = h.on * rnd();
    }
    c.min_duration_s = std::floor(rnd() * 5) * 0.5;  // 0 .. 2 s
    c.cooldown_s = std::floor(rnd() * 5) * 0.5;
    EventDetector d(c);
    struct Open { bool open = false; double start = 0; double onset_time = 0; };
    std::array<Open, kNumEventClasses> open{};
    std::array<double, kNumEventClasses> last_offset{-1e9, -1e9};
    double p[2] = {0.5, 0.5};
    double t = 0;
    for (int i = 0; i < 300; ++i) {
      t += 0.5;
      for (double& v : p) v = std::clamp(v + (rnd() - 0.5) * 0.5, 0.0, 1.0);  // random walk
      for (const Event& e : d.update(t, Probs{p[0], p[1], 0.0})) {
        ++total_events;
        Open& o = open[e.label];
        const Hysteresis& h = c.thresholds[e.label];
        EXPECT_LE(e.start, t);
        EXPECT_GE(e.peak, h.on - 1e-12);  // an episode reached `on`
        EXPECT_GE(e.peak + 1e-12, e.mean);
        EXPECT_GE(e.mean, h.off - 1e-12);  // every window in an episode is ≥ off
        if (e.type == EventType::kOnset) {
          ASSERT_FALSE(o.open) << "two onsets in a row";
          EXPECT_GE(t - e.start, c.min_duration_s - 1e-9);
          EXPECT_GE(e.start, last_offset[e.label] + c.cooldown_s - 1e-9);  // cooldown respected
          o = {true, e.start, t};
        } else {
          ASSERT_TRUE(o.open) << "offset without onset";
          EXPECT_DOUBLE_EQ(e.start, o.start);
          ASSERT_TRUE(e.end.has_value());
          EXPECT_DOUBLE_EQ(*e.end, t);
          EXPECT_LT(p[e.label], h.off);  // it ended because p fell below off
          o.open = false;
          last_offset[e.label] = t;
        }
      }
    }
    const auto flushed = d.flush(t + 0.25);
    std::size_t still_open = 0;
    for (const Open& o : open) still_open += o.open ? 1 : 0;
    EXPECT_EQ(flushed.size(), still_open);
    for (const Event& e : flushed) {
      EXPECT_EQ(e.type, EventType::kOffset);
      EXPECT_DOUBLE_EQ(e.start, open[e.label].start);
      EXPECT_DOUBLE_EQ(*e.end, t + 0.25);
    }
  }
  EXPECT_GT(total_events, 1000u);  // the traces really exercise the detector
}
