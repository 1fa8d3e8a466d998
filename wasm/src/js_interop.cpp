#include "js_interop.hpp"

#include <emscripten/val.h>

#include <limits>
#include <string>

#include "cryscope/errors.hpp"

namespace cryscope::js {

namespace {
bool is_array_like(const val& v) {
  return val::global("ArrayBuffer").call<bool>("isView", v) || val::global("Array").call<bool>("isArray", v);
}
}  // namespace

void copy_samples(const val& array, const char* what, std::vector<float>& out) {
  if (array.isUndefined() || array.isNull() || !is_array_like(array) || val::global("DataView")["prototype"]
          .call<bool>("isPrototypeOf", array)) {
    throw Error(std::string(what) + ": expected a Float32Array of samples");
  }
  const std::size_t n = array["length"].as<std::size_t>();
  if (n > kMaxInputSamples) {
    throw CapacityError(std::string(what) + ": " + std::to_string(n) + " samples in one call exceeds the limit of " +
                        std::to_string(kMaxInputSamples) + "; split the input into smaller chunks");
  }
  out.resize(n);
  if (n == 0) return;
  // One bulk copy into the heap; the view is created after resize so it sees the current buffer.
  val(emscripten::typed_memory_view(n, out.data())).call<void>("set", array);
}

std::size_t StagingBuffer::reserve(std::size_t n, const char* what) {
  if (n > kMaxInputSamples) {
    throw CapacityError(std::string(what) + ": " + std::to_string(n) + " samples in one call exceeds the limit of " +
                        std::to_string(kMaxInputSamples) + " (split the input)");
  }
  if (data_.size() < n) data_.resize(n);
  return reinterpret_cast<std::size_t>(data_.data());
}

const float* StagingBuffer::first(std::size_t n, const char* what) const {
  if (n > data_.size()) {
    throw ShapeError(std::string(what) + ": n = " + std::to_string(n) + " exceeds the inputBuffer size " +
                     std::to_string(data_.size()));
  }
  return data_.data();
}

val to_float32_array(const float* data, std::size_t n) {
  return val(emscripten::typed_memory_view(n, data)).call<val>("slice");
}

bool read_numbers(const val& v, const char* what, std::size_t n, double* out) {
  if (v.isUndefined() || v.isNull()) return false;
  if (!is_array_like(v)) {
    throw ShapeError(std::string(what) + ": expected an array of " + std::to_string(n) + " probabilities or null");
  }
  const std::size_t len = v["length"].as<std::size_t>();
  if (len != n) {
    throw ShapeError(std::string(what) + ": expected " + std::to_string(n) + " probabilities [cry, scream, normal], got " +
                     std::to_string(len));
  }
  for (std::size_t i = 0; i < n; ++i) {
    const val x = v[i];
    out[i] = is_number(x) ? x.as<double>() : std::numeric_limits<double>::quiet_NaN();
  }
  return true;
}

}  // namespace cryscope::js
