#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "cryscope/errors.hpp"

using cryscope::AudioError;
using cryscope::Error;

TEST(Errors, AllKindsDeriveFromError) {
  EXPECT_THROW(throw cryscope::ConfigError("c"), Error);
  EXPECT_THROW(throw cryscope::AudioError("a"), Error);
  EXPECT_THROW(throw cryscope::ShapeError("s"), Error);
  EXPECT_THROW(throw cryscope::CapacityError("q"), Error);
  EXPECT_THROW(throw cryscope::ParseError("p"), Error);
}

TEST(Errors, RequireFiniteAcceptsFiniteAndEmpty) {
  std::vector<float> ok{0.f, -1.f, 1e9f, std::numeric_limits<float>::denorm_min()};
  EXPECT_NO_THROW(cryscope::require_valid_audio(ok.data(), ok.size(), "x"));
  EXPECT_NO_THROW(cryscope::require_valid_audio(nullptr, 0, "x"));
}

TEST(Errors, RequireFiniteNamesTheBadSample) {
  std::vector<float> bad{0.f, 0.f, std::nanf(""), 1.f};
  try {
    cryscope::require_valid_audio(bad.data(), bad.size(), "Resampler::process");
    FAIL() << "expected AudioError";
  } catch (const AudioError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("Resampler::process"), std::string::npos) << msg;
    EXPECT_NE(msg.find("sample 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("NaN"), std::string::npos) << msg;
  }
  bad[2] = -std::numeric_limits<float>::infinity();
  EXPECT_THROW(cryscope::require_valid_audio(bad.data(), bad.size(), "x"), AudioError);
  EXPECT_THROW(cryscope::require_valid_audio(nullptr, 3, "x"), AudioError);
  bad[2] = 2e9f;  // finite but absurd: would overflow filter sums
  EXPECT_THROW(cryscope::require_valid_audio(bad.data(), bad.size(), "x"), AudioError);
  bad[2] = -32768.0f;  // unnormalised int16 range is still accepted
  EXPECT_NO_THROW(cryscope::require_valid_audio(bad.data(), bad.size(), "x"));
}
