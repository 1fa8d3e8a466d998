// Conversions between JS values and the core's C++ types, and the one rule for errors:
// every C++ exception becomes a JS Error carrying what(), never an abort.
#pragma once

#include <emscripten/val.h>

#include <cstddef>
#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace cryscope::js {

using emscripten::val;

/// Largest input accepted in one call, in samples (2^26 ≈ 67 M floats = 256 MiB, ~70 min at
/// 16 kHz). Why: a bigger request is almost certainly a bug and would exhaust the 2 GiB heap;
/// the caller gets a clear error instead of an out-of-memory abort. Split longer inputs.
inline constexpr std::size_t kMaxInputSamples = std::size_t{1} << 26;

/// Runs f(); a C++ exception becomes a thrown JS Error with the same message. The message is
/// copied into a JS string first so no C++ object is skipped by the JS unwind.
template <class F>
auto guarded(F&& f) -> decltype(f()) {
  val error = val::undefined();
  try {
    return f();
  } catch (const std::exception& e) {
    error = val::global("Error").new_(val(std::string(e.what())));
  } catch (...) {
    error = val::global("Error").new_(val(std::string("cryscope: unknown internal error")));
  }
  error.throw_();
}

/// Copies a Float32Array (or any array-like of numbers) into `out` with one TypedArray.set
/// (a memcpy for Float32Array). Throws cryscope::Error (→ JS Error) for non-arrays or huge input.
void copy_samples(const val& array, const char* what, std::vector<float>& out);

/// Heap buffer that fast_paths.js copies per-chunk input into (or hands out as a zero-copy view).
/// Grows, never shrinks, so its offset stays valid between chunks of the same or smaller size.
class StagingBuffer {
 public:
  /// Room for n samples; returns the heap byte offset. Throws CapacityError above kMaxInputSamples.
  std::size_t reserve(std::size_t n, const char* what);
  /// The first n staged samples. Throws ShapeError if n exceeds the capacity.
  const float* first(std::size_t n, const char* what) const;
  std::size_t capacity() const { return data_.size(); }

 private:
  std::vector<float> data_;
};

/// A fresh JS-owned Float32Array copy of [data, data+n). Why a copy (slice) rather than a view:
/// a view into the WASM heap is invalidated when memory grows and is overwritten by the next call;
/// handing out views would make results silently change under the caller.
val to_float32_array(const float* data, std::size_t n);

/// The whole-clip call: copies `samples` in (copy_samples), runs compute(std::vector<float>& in),
/// which returns the result as a std::vector<float> (may reuse `in`), and returns it as a fresh
/// Float32Array; any C++ exception becomes a JS Error (guarded).
template <class F>
val map_samples(const val& samples, const char* what, F&& compute) {
  return guarded([&] {
    std::vector<float> in;
    copy_samples(samples, what, in);
    const std::vector<float> out = compute(in);
    return to_float32_array(out.data(), out.size());
  });
}

/// A plain JS Array of numbers.
template <class Container>
val to_number_array(const Container& c) {
  val a = val::array();
  for (const auto& v : c) a.call<void>("push", static_cast<double>(v));
  return a;
}

/// Reads an optional array-like of exactly `n` numbers; null/undefined → false.
/// Non-numbers become NaN (rejected later by the core's validation with a clear message).
bool read_numbers(const val& v, const char* what, std::size_t n, double* out);

/// True when v is a JS number.
inline bool is_number(const val& v) { return v.typeOf().as<std::string>() == "number"; }

}  // namespace cryscope::js
