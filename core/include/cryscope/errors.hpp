// cryscope::Error and its kinds — every failure the core reports is one of these.
// Why one base class: bindings (wasm/) catch cryscope::Error once and turn what() into a JS Error,
// so every message must be self-explanatory (what was wrong, the offending value, what is allowed).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace cryscope {

/// Base of all errors thrown by the core. what() is a complete, human-readable message.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);
};

/// A configuration value is out of range or inconsistent (e.g. sample rate 4000 Hz, hop > window).
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& message);
};

/// Audio samples are unusable (NaN/Inf). The call that received them changed no state.
class AudioError : public Error {
 public:
  explicit AudioError(const std::string& message);
};

/// An array has the wrong size/shape (e.g. a patch that is not [96,64], a probability vector not of 3).
class ShapeError : public Error {
 public:
  explicit ShapeError(const std::string& message);
};

/// A bounded buffer or queue would overflow; the call was refused and changed no state.
class CapacityError : public Error {
 public:
  explicit CapacityError(const std::string& message);
};

/// Malformed or invalid serialised input (e.g. fusion JSON).
class ParseError : public Error {
 public:
  explicit ParseError(const std::string& message);
};

/// Largest |sample| accepted. Audio is nominally in [-1, 1]; even unnormalised int16-range
/// values pass, but absurd magnitudes are refused because filter sums could overflow float32.
constexpr float kMaxSampleMagnitude = 1e9f;

/// Throws AudioError naming `what` and the index/value of the first NaN/Inf sample or sample with
/// |x| > kMaxSampleMagnitude, if any. Checking before touching state is how every streaming unit
/// keeps "reject the chunk, keep state".
void require_valid_audio(const float* samples, std::size_t count, const char* what);

}  // namespace cryscope
