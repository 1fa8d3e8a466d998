// Fusion: every method on hand-checkable inputs, the missing-model fallback, input validation and
// Fusion JSON parsing (shape, finiteness, method selection).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "cryscope/errors.hpp"
#include "cryscope/fusion.hpp"

using namespace cryscope;

namespace {

double sum(const Probs& p) { return std::accumulate(p.begin(), p.end(), 0.0); }

Fusion make(FusionMethod m, std::array<double, 2> w = {0.5, 0.5}) {
  FusionConfig cfg;
  cfg.weights = w;
  if (m == FusionMethod::kLogistic) {
    LogisticModel lm;  // identity-like: class c driven by the sum of both models' log p_c
    for (std::size_t c = 0; c < 3; ++c) {
      lm.coef[c][c] = 1.0;
      lm.coef[c][3 + c] = 1.0;
    }
    cfg.logistic = lm;
  }
  return Fusion(cfg, m);
}

const std::string kLogisticJson = R"({
  "labels": ["cry","scream","normal"], "default": "logistic", "weights": [0.7, 0.3],
  "logistic": {"features": "log_probs",
    "coef": [[1,0,0,1,0,0],[0,1,0,0,1,0],[0,0,1,0,0,1]], "intercept": [0.5, -0.5, 0]}})";

}  // namespace

TEST(Fusion, MeanAveragesAndSumsToOne) {
  const auto r = make(FusionMethod::kMean).fuse(Probs{0.8, 0.1, 0.1}, Probs{0.4, 0.4, 0.2});
  EXPECT_NEAR(r.probs[0], 0.6, 1e-12);
  EXPECT_NEAR(r.probs[1], 0.25, 1e-12);
  EXPECT_NEAR(r.probs[2], 0.15, 1e-12);
  EXPECT_TRUE(r.has_yamnet && r.has_wav2vec2);
  EXPECT_FALSE(r.degraded);
  EXPECT_EQ(r.method, FusionMethod::kMean);
}

TEST(Fusion, WeightedMeanUsesNormalisedWeights) {
  // weights [3,1] → 0.75/0.25 (not required to sum to 1)
  const auto r = make(FusionMethod::kWeightedMean, {3, 1}).fuse(Probs{1, 0, 0}, Probs{0, 1, 0});
  EXPECT_NEAR(r.probs[0], 0.75, 1e-12);
  EXPECT_NEAR(r.probs[1], 0.25, 1e-12);
  EXPECT_NEAR(r.probs[2], 0.0, 1e-12);
}

TEST(Fusion, GeometricMeanIsRenormalisedProductOfPowers) {
  const Probs a{0.5, 0.25, 0.25}, b{0.5, 0.5, 0.0};
  const auto r = make(FusionMethod::kGeometricMean).fuse(a, b);
  // sqrt(.25)=.5, sqrt(.125)=.35355, sqrt(.25*1e-6)=5e-4 → normalised
  const double g0 = 0.5, g1 = std::sqrt(0.125), g2 = std::sqrt(0.25 * 1e-6);
  const double z = g0 + g1 + g2;
  EXPECT_NEAR(r.probs[0], g0 / z, 1e-9);
  EXPECT_NEAR(r.probs[1], g1 / z, 1e-9);
  EXPECT_NEAR(r.probs[2], g2 / z, 1e-9);
  EXPECT_NEAR(sum(r.probs), 1.0, 1e-12);
}

TEST(Fusion, GeometricMeanWeightOneIsThatModel) {
  const Probs a{0.7, 0.2, 0.1}, b{0.1, 0.1, 0.8};
  const auto r = make(FusionMethod::kGeometricMean, {1, 0}).fuse(a, b);
  for (std::size_t c = 0; c < 3; ++c) EXPECT_NEAR(r.probs[c], a[c], 1e-9);
}

TEST(Fusion, VoteAgreementWins) {
  const auto r = make(FusionMethod::kVote).fuse(Probs{0.5, 0.3, 0.2}, Probs{0.4, 0.35, 0.25});
  // share [1,0,0] → 0.5 + 0.25*(0.9) = 0.725
  EXPECT_NEAR(r.probs[0], 0.725, 1e-12);
  EXPECT_NEAR(r.probs[1], 0.25 * 0.65, 1e-12);
  EXPECT_NEAR(sum(r.probs), 1.0, 1e-12);
}

TEST(Fusion, VoteTieBrokenByMeanAndThirdClassCannotWin) {
  // yamnet votes cry (0.45), wav2vec2 votes scream (0.9): tie on votes, scream has the higher mean.
  const auto r = make(FusionMethod::kVote).fuse(Probs{0.45, 0.1, 0.45 - 1e-9}, Probs{0.05, 0.9, 0.05});
  EXPECT_GT(r.probs[1], r.probs[0]);
  EXPECT_GT(r.probs[0], r.probs[2]);  // normal got no vote even though its mean is high-ish
  EXPECT_LE(r.probs[2], 0.25 + 1e-12);
  EXPECT_NEAR(sum(r.probs), 1.0, 1e-12);
}

TEST(Fusion, LogisticMatchesHandComputedSoftmax) {
  const FusionConfig cfg = parse_fusion_config(kLogisticJson);
  ASSERT_TRUE(cfg.logistic.has_value());
  EXPECT_EQ(cfg.default_method, FusionMethod::kLogistic);
  const Fusion f(cfg);
  const Probs y{0.6, 0.3, 0.1}, w{0.5, 0.0, 0.5};
  const auto r = f.fuse(y, w);
  double z[3];
  z[0] = std::log(0.6) + std::log(0.5) + 0.5;
  z[1] = std::log(0.3) + std::log(1e-6) - 0.5;  // p=0 floored at 1e-6 (kLogFloor)
  z[2] = std::log(0.1) + std::log(0.5);
  const double den = std::exp(z[0]) + std::exp(z[1]) + std::exp(z[2]);
  for (std::size_t c = 0; c < 3; ++c) EXPECT_NEAR(r.probs[c], std::exp(z[c]) / den, 1e-12);
}

TEST(Fusion, LogisticIsStableForExtremeCoefficients) {
  FusionConfig cfg;
  LogisticModel lm;
  lm.intercept = {800, -800, 0};  // exp(800) overflows without the max shift
  cfg.logistic = lm;
  const auto r = Fusion(cfg, FusionMethod::kLogistic).fuse(Probs{0.3, 0.3, 0.4}, Probs{0.3, 0.3, 0.4});
  EXPECT_NEAR(r.probs[0], 1.0, 1e-12);
  for (double v : r.probs) EXPECT_TRUE(std::isfinite(v));
}

TEST(Fusion, EveryMethodFallsBackToThePresentModel) {
  const Probs y{0.2, 0.7, 0.1};
  for (FusionMethod m : {FusionMethod::kMean, FusionMethod::kWeightedMean, FusionMethod::kGeometricMean,
                         FusionMethod::kVote, FusionMethod::kLogistic}) {
    SCOPED_TRACE(to_string(m));
    const Fusion f = make(m, {0.9, 0.1});
    const auto ry = f.fuse(y, std::nullopt);
    EXPECT_TRUE(ry.degraded);
    EXPECT_TRUE(ry.has_yamnet);
    EXPECT_FALSE(ry.has_wav2vec2);
    for (std::size_t c = 0; c < 3; ++c) EXPECT_NEAR(ry.probs[c], y[c], 1e-12);
    const auto rw = f.fuse(std::nullopt, y);
    EXPECT_TRUE(rw.degraded);
    EXPECT_FALSE(rw.has_yamnet);
    EXPECT_TRUE(rw.has_wav2vec2);
    for (std::size_t c = 0; c < 3; ++c) EXPECT_NEAR(rw.probs[c], y[c], 1e-12);
  }
}

TEST(Fusion, BothAbsentIsAnError) {
  try {
    make(FusionMethod::kMean).fuse(std::nullopt, std::nullopt);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at least one model"), std::string::npos) << e.what();
  }
}

TEST(Fusion, RejectsNaNInfOutOfRangeAndNonDistributions) {
  const Fusion f = make(FusionMethod::kMean);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const Probs ok{0.3, 0.3, 0.4};
  for (const Probs& bad : {Probs{nan, 0.5, 0.5}, Probs{0.5, inf, 0.5}, Probs{-0.1, 0.6, 0.5},
                           Probs{1.5, -0.25, -0.25}, Probs{0.9, 0.9, 0.9}, Probs{0.1, 0.1, 0.1},
                           Probs{0, 0, 0}}) {
    EXPECT_THROW(f.fuse(bad, ok), AudioError);
    EXPECT_THROW(f.fuse(ok, bad), AudioError);
    EXPECT_THROW(f.fuse(bad, std::nullopt), AudioError);
  }
  try {
    f.fuse(Probs{nan, 0.5, 0.5}, ok);
  } catch (const AudioError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("yamnet"), std::string::npos) << msg;
    EXPECT_NE(msg.find("cry"), std::string::npos) << msg;
  }
}

TEST(Fusion, SlightlyOffSumsAreRenormalised) {
  const auto r = make(FusionMethod::kMean).fuse(Probs{0.5, 0.3, 0.205}, std::nullopt);  // sum 1.005
  EXPECT_NEAR(sum(r.probs), 1.0, 1e-12);
  EXPECT_NEAR(r.probs[0], 0.5 / 1.005, 1e-12);
  // float rounding slightly above 1 is clamped, not rejected
  EXPECT_NO_THROW(make(FusionMethod::kMean).fuse(Probs{1.0000001, 0, 0}, std::nullopt));
}

TEST(FusionConfig, DefaultsWhenFieldsAbsent) {
  const FusionConfig cfg = parse_fusion_config("{}");
  EXPECT_EQ(cfg.default_method, FusionMethod::kMean);
  EXPECT_DOUBLE_EQ(cfg.weights[0], 0.5);
  EXPECT_FALSE(cfg.logistic.has_value());
}

TEST(FusionConfig, MethodNamesRoundTrip) {
  for (FusionMethod m : {FusionMethod::kMean, FusionMethod::kWeightedMean, FusionMethod::kGeometricMean,
                         FusionMethod::kVote, FusionMethod::kLogistic}) {
    EXPECT_EQ(fusion_method_from_string(to_string(m)), m);
  }
  EXPECT_THROW(fusion_method_from_string("median"), ConfigError);
}

TEST(FusionConfig, RejectsMalformedDocuments) {
  struct Case { const char* json; const char* needle; };
  const Case cases[] = {
      {"{", "not valid JSON"},
      {"[1,2]", "expected an object"},
      {R"({"labels":["scream","cry","normal"]})", "fusion.labels"},
      {R"({"labels":["cry","scream"]})", "fusion.labels"},
      {R"({"default":"median"})", "fusion.default"},
      {R"({"default":3})", "fusion.default"},
      {R"({"weights":[1]})", "fusion.weights"},
      {R"({"weights":[1,"a"]})", "fusion.weights[1]"},
      {R"({"weights":[-1,2]})", "fusion.weights[0]"},
      {R"({"weights":[0,0]})", "both be 0"},
      {R"({"default":"logistic"})", "no \"logistic\" section"},
      {R"({"logistic":{"coef":[[1,0,0,1,0,0],[0,1,0,0,1,0]],"intercept":[0,0,0]}})", "fusion.logistic.coef"},
      {R"({"logistic":{"coef":[[1,0,0,1,0,0],[0,1,0,0,1,0],[0,0,1,0,0]],"intercept":[0,0,0]}})",
       "fusion.logistic.coef[2]"},
      {R"({"logistic":{"coef":[[1,0,0,1,0,0],[0,1,0,0,1,0],[0,0,1,0,0,null]],"intercept":[0,0,0]}})",
       "fusion.logistic.coef[2][5]"},
      {R"({"logistic":{"coef":[[1,0,0,1,0,0],[0,1,0,0,1,0],[0,0,1,0,0,1]],"intercept":[0,0]}})",
       "fusion.logistic.intercept"},
      {R"({"logistic":{"coef":[[1,0,0,1,0,0],[0,1,0,0,1,0],[0,0,1,0,0,1]]}})", "intercept: missing"},
      {R"({"logistic":{"features":"probs","coef":[],"intercept":[]}})", "log_probs"},
      {R"({"logistic":{"coef":[[1e999,0,0,1,0,0],[0,1,0,0,1,0],[0,0,1,0,0,1]],"intercept":[0,0,0]}})", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json);
    try {
      parse_fusion_config(c.json);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.needle), std::string::npos) << e.what();
    }
  }
}

TEST(FusionConfig, LogisticMethodWithoutModelIsRejected) {
  EXPECT_THROW(Fusion(FusionConfig{}, FusionMethod::kLogistic), ConfigError);
  FusionConfig bad;
  bad.weights = {std::numeric_limits<double>::quiet_NaN(), 1};
  EXPECT_THROW(Fusion{bad}, ConfigError);
}
