// Number formatting for error messages: one definition, so every message shows values the same way.
#pragma once

#include <string>

namespace cryscope {

/// `v` as a short, locale-independent decimal for messages: up to 9 significant digits, no
/// trailing zeros ("0.5", "44100", "1e-06", "0.333333333"), and "NaN", "Inf", "-Inf" for
/// non-finite values. Why not std::to_string: it prints six fixed decimals ("0.000000" for 1e-9,
/// "0.500000" for 0.5), which hides the offending value or clutters the message.
std::string format_number(double v);

}  // namespace cryscope
