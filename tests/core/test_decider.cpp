// Decider: options parsing (defaults, strictness, fusion as object or string), the
// fusion → smoothing → events pipeline, all-or-nothing updates and flush.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "cryscope/decider.hpp"
#include "cryscope/errors.hpp"

using namespace cryscope;

namespace {

const char* kFusion = R"({"labels":["cry","scream","normal"],"default":"weighted_mean","weights":[0.75,0.25],
  "logistic":{"features":"log_probs","coef":[[1,0,0,1,0,0],[0,1,0,0,1,0],[0,0,1,0,0,1]],"intercept":[0,0,0]}})";

std::string options(const std::string& extra) {
  return std::string(R"({"fusion":)") + kFusion + (extra.empty() ? "" : "," + extra) + "}";
}

void expect_error(const std::string& json, const std::string& needle) {
  SCOPED_TRACE(json);
  try {
    parse_decider_options(json);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(DeciderOptions, DefaultsMatchTheManifestDefaults) {
  const DeciderConfig c = parse_decider_options("{}");
  EXPECT_EQ(c.fusion.default_method, FusionMethod::kMean);
  EXPECT_FALSE(c.method.has_value());
  EXPECT_EQ(c.smoothing.method, SmoothingMethod::kEma);
  EXPECT_DOUBLE_EQ(c.smoothing.alpha, 0.5);
  EXPECT_DOUBLE_EQ(c.events.thresholds[0].on, 0.6);
  EXPECT_DOUBLE_EQ(c.events.thresholds[1].off, 0.4);
  EXPECT_DOUBLE_EQ(c.events.min_duration_s, 1.0);
  EXPECT_DOUBLE_EQ(c.events.cooldown_s, 2.0);
}

TEST(DeciderOptions, ParsesEveryField) {
  const DeciderConfig c = parse_decider_options(options(
      R"("method":"logistic","smoothing":{"method":"median","size":5},
         "thresholds":{"cry":{"on":0.7,"off":0.3},"scream":{"on":0.8}},
         "minDurationSeconds":0.5,"cooldownSeconds":0)"));
  EXPECT_EQ(c.fusion.default_method, FusionMethod::kWeightedMean);
  EXPECT_EQ(*c.method, FusionMethod::kLogistic);
  EXPECT_EQ(c.smoothing.method, SmoothingMethod::kMedian);
  EXPECT_EQ(c.smoothing.size, 5u);
  EXPECT_DOUBLE_EQ(c.events.thresholds[0].on, 0.7);
  EXPECT_DOUBLE_EQ(c.events.thresholds[0].off, 0.3);
  EXPECT_DOUBLE_EQ(c.events.thresholds[1].on, 0.8);
  EXPECT_DOUBLE_EQ(c.events.thresholds[1].off, 0.4);  // partial override keeps the default off
  EXPECT_DOUBLE_EQ(c.events.min_duration_s, 0.5);
  EXPECT_DOUBLE_EQ(c.events.cooldown_s, 0.0);
}

TEST(DeciderOptions, FusionMayBeAJsonString) {
  std::string escaped;
  for (char ch : std::string(kFusion)) {
    if (ch == '"') escaped += '\\';
    if (ch != '\n') escaped += ch;
  }
  const DeciderConfig c = parse_decider_options(R"({"fusion":")" + escaped + R"("})");
  EXPECT_EQ(c.fusion.default_method, FusionMethod::kWeightedMean);
  EXPECT_TRUE(c.fusion.logistic.has_value());
}

TEST(DeciderOptions, RejectsBadOptionsWithTheirPath) {
  expect_error("not json", "not valid JSON");
  expect_error("[]", "expected an object");
  expect_error(R"({"minDuration":1})", "unknown option \"minDuration\"");
  expect_error(R"({"smoothing":{"method":"ema","alfa":0.3}})", "unknown option \"alfa\"");
  expect_error(R"({"smoothing":{"method":"ema","alpha":0}})", "smoothing.alpha");
  expect_error(R"({"smoothing":{"method":"median","size":4}})", "smoothing.size");
  expect_error(R"({"smoothing":{"method":"median","size":2.5}})", "smoothing.size");
  expect_error(R"({"smoothing":{"method":"kalman"}})", "options.smoothing.method");
  expect_error(R"({"thresholds":{"normal":{"on":0.5}}})", "unknown option \"normal\"");
  expect_error(R"({"thresholds":{"cry":{"on":0.3}}})", "thresholds.cry.off");  // default off 0.4 ≥ on
  expect_error(R"({"thresholds":{"cry":{"on":null}}})", "options.thresholds.cry.on");
  expect_error(R"({"method":"logistic"})", "logistic");  // no logistic model in the default fusion
  expect_error(R"({"method":"best"})", "options.method");
  expect_error(R"({"fusion":"{bad"})", "fusion JSON: not valid JSON");
  expect_error(R"({"fusion":42})", "options.fusion");
  expect_error(R"({"fusion":{"weights":[1,2,3]}})", "fusion.weights");
  expect_error(R"({"minDurationSeconds":-1})", "minDurationSeconds");
  expect_error(R"({"cooldownSeconds":"2"})", "options.cooldownSeconds");
}

TEST(Decider, PipelineFusesSmoothsAndEmits) {
  DeciderConfig c = parse_decider_options(options(
      R"("smoothing":{"method":"ema","alpha":0.5},"minDurationSeconds":0.5,"cooldownSeconds":0)"));
  Decider d(c);
  const Probs quiet{0.05, 0.05, 0.9}, crying{0.95, 0.03, 0.02};
  auto o = d.update(0.0, quiet, quiet);
  EXPECT_EQ(o.method, FusionMethod::kWeightedMean);
  EXPECT_TRUE(o.has_yamnet && o.has_wav2vec2 && !o.degraded);
  EXPECT_TRUE(o.events.empty());
  o = d.update(0.5, crying, quiet);  // fused cry = .75*.95+.25*.05 = .725; smoothed (.05+.725)/2 = .3875
  EXPECT_NEAR(o.fused[0], 0.725, 1e-12);
  EXPECT_NEAR(o.smoothed[0], 0.3875, 1e-12);
  EXPECT_TRUE(o.events.empty());
  o = d.update(1.0, crying, crying);  // smoothed (.3875+.95)/2 = .66875 ≥ on; run starts here
  EXPECT_TRUE(o.events.empty());
  o = d.update(1.5, crying, std::nullopt);  // degraded: yamnet only; 0.5 s long → onset
  EXPECT_TRUE(o.degraded);
  EXPECT_FALSE(o.has_wav2vec2);
  ASSERT_EQ(o.events.size(), 1u);
  EXPECT_EQ(o.events[0].type, EventType::kOnset);
  EXPECT_DOUBLE_EQ(o.events[0].start, 1.0);
  const auto fl = d.flush(2.0);
  ASSERT_EQ(fl.size(), 1u);
  EXPECT_DOUBLE_EQ(*fl[0].end, 2.0);
}

TEST(Decider, MethodOptionOverridesFusionDefault) {
  Decider d(parse_decider_options(options(R"("method":"mean","smoothing":{"method":"none"})")));
  const auto o = d.update(0.0, Probs{1, 0, 0}, Probs{0, 1, 0});
  EXPECT_EQ(o.method, FusionMethod::kMean);
  EXPECT_NEAR(o.fused[0], 0.5, 1e-12);
}

TEST(Decider, RejectedUpdatesChangeNothing) {
  const DeciderConfig c = parse_decider_options(R"({"smoothing":{"method":"ema","alpha":0.5}})");
  Decider a(c), b(c);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  a.update(0.0, Probs{0.2, 0.2, 0.6}, std::nullopt);
  b.update(0.0, Probs{0.2, 0.2, 0.6}, std::nullopt);
  EXPECT_THROW(a.update(0.5, Probs{nan, 0.5, 0.5}, std::nullopt), AudioError);
  EXPECT_THROW(a.update(0.5, Probs{0.9, 0.05, 0.05}, Probs{2, 0, 0}), AudioError);
  EXPECT_THROW(a.update(0.5, std::nullopt, std::nullopt), Error);
  EXPECT_THROW(a.update(-1.0, Probs{0.9, 0.05, 0.05}, std::nullopt), Error);
  const auto oa = a.update(0.5, Probs{0.9, 0.05, 0.05}, std::nullopt);
  const auto ob = b.update(0.5, Probs{0.9, 0.05, 0.05}, std::nullopt);
  EXPECT_EQ(oa.smoothed, ob.smoothed);  // smoothing history untouched by the rejected calls
}

TEST(Decider, ResetAndFlushStartANewStream) {
  Decider d(parse_decider_options(R"({"minDurationSeconds":0,"smoothing":{"method":"none"}})"));
  EXPECT_EQ(d.update(10.0, Probs{0.9, 0.05, 0.05}, std::nullopt).events.size(), 1u);
  d.reset();
  EXPECT_TRUE(d.flush(0.0).empty());  // reset forgot the episode and the time
  EXPECT_EQ(d.update(0.0, Probs{0.9, 0.05, 0.05}, std::nullopt).events.size(), 1u);
  EXPECT_EQ(d.flush(1.0).size(), 1u);
  EXPECT_EQ(d.update(0.0, Probs{0.9, 0.05, 0.05}, std::nullopt).events.size(), 1u);  // no cooldown after flush
}

TEST(Decider, StepResponseLatencyWithManifestDefaults) {
  // Manifest defaults: EMA 0.5, on 0.6 / off 0.4, min 1.0 s, hop 0.5 s. A step from quiet to crying
  // at t = 10: smoothed cry 0.475 at 10.0 (≥ off: the run starts), 0.6875 at 10.5 (≥ on), and the
  // onset comes at 11.0 — 1.0 s after the first crying window, 0.5 s after the `on` crossing,
  // because the rise through [off, on) counts toward the minimum duration.
  Decider d(parse_decider_options("{}"));
  const Probs quiet{0.05, 0.05, 0.9}, crying{0.9, 0.05, 0.05};
  double onset_at = -1, onset_start = -1;
  for (int i = 0; i < 40 && onset_at < 0; ++i) {
    const double t = 0.5 * i;
    const auto o = d.update(t, t < 10.0 ? quiet : crying, t < 10.0 ? quiet : crying);
    if (!o.events.empty()) {
      onset_at = t;
      onset_start = o.events[0].start;
    }
  }
  EXPECT_DOUBLE_EQ(onset_at, 11.0);
  EXPECT_DOUBLE_EQ(onset_start, 10.0);  // the reported start is the first crying window
}
