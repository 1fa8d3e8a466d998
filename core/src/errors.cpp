#include "cryscope/errors.hpp"

#include <cmath>

#include "cryscope/format.hpp"

namespace cryscope {

Error::Error(const std::string& message) : std::runtime_error(message) {}
ConfigError::ConfigError(const std::string& message) : Error(message) {}
AudioError::AudioError(const std::string& message) : Error(message) {}
ShapeError::ShapeError(const std::string& message) : Error(message) {}
CapacityError::CapacityError(const std::string& message) : Error(message) {}
ParseError::ParseError(const std::string& message) : Error(message) {}

void require_valid_audio(const float* samples, std::size_t count, const char* what) {
  if (count > 0 && samples == nullptr) {
    throw AudioError(std::string(what) + ": null sample pointer with count " + std::to_string(count));
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (!std::isfinite(samples[i])) {
      const char* kind = std::isnan(samples[i]) ? "NaN" : (samples[i] > 0 ? "+Inf" : "-Inf");
      throw AudioError(std::string(what) + ": sample " + std::to_string(i) + " of " +
                       std::to_string(count) + " is " + kind +
                       "; audio must be finite (chunk rejected, state unchanged)");
    }
    if (std::fabs(samples[i]) > kMaxSampleMagnitude) {
      throw AudioError(std::string(what) + ": sample " + std::to_string(i) + " of " + std::to_string(count) +
                       " has magnitude " + format_number(std::fabs(samples[i])) +
                       " > 1e9; audio is expected in [-1, 1] (chunk rejected, state unchanged)");
    }
  }
}

}  // namespace cryscope
