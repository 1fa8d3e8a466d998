#include "cryscope/format.hpp"

#include <cmath>
#include <cstdio>

namespace cryscope {

std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  char buf[32];
  // %.9g: enough digits to tell float32 values apart; snprintf ignores the global C++ locale.
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace cryscope
