#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "cryscope/errors.hpp"
#include "cryscope/format.hpp"
#include "cryscope/smoothing.hpp"

using cryscope::format_number;

TEST(Format, ShortDecimalsWithoutTrailingZeros) {
  EXPECT_EQ(format_number(0.5), "0.5");
  EXPECT_EQ(format_number(44100), "44100");
  EXPECT_EQ(format_number(-2.25), "-2.25");
  EXPECT_EQ(format_number(0), "0");
  EXPECT_EQ(format_number(1.0 / 3.0), "0.333333333");  // 9 significant digits
  EXPECT_EQ(format_number(1e-9), "1e-09");             // std::to_string would say 0.000000
  EXPECT_EQ(format_number(1e9), "1e+09");
}

TEST(Format, NonFiniteValuesAreNamed) {
  EXPECT_EQ(format_number(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "Inf");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(Format, UsedInMessages) {
  cryscope::SmoothingConfig c;
  c.method = cryscope::SmoothingMethod::kEma;
  c.alpha = 1.5;
  try {
    c.validate();
    FAIL() << "alpha 1.5 accepted";
  } catch (const cryscope::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("got 1.5"), std::string::npos) << e.what();
  }
}
