// Strict, path-aware readers over nlohmann::json for the core's configuration documents
// (Fusion JSON, Decider options). Why a helper: every config error must name the offending path and
// value ("fusion.logistic.coef[1][4]: expected a finite number, got \"x\""), and nlohmann's own
// exceptions do not. Header-only; used by fusion.cpp, decider.cpp and the WASM bindings
// (wasm/src/bind_stream.cpp, a separate target), which is why it sits with the core's public headers in
// include/cryscope/. It is a helper for the core's own parsers and bindings, not an API for other users
// of the core, and it needs nlohmann/json on the include path (natively /usr/include; wasm/CMakeLists.txt stages it for emcc).
#pragma once

#include <cmath>
#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cryscope/errors.hpp"

namespace cryscope::json {

using Json = nlohmann::json;

/// Parses text; throws ParseError with nlohmann's position message. `what` names the document.
inline Json parse(std::string_view text, const char* what) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e999
    throw ParseError(std::string(what) + ": not valid JSON (" + e.what() + ")");
  }
}

/// Short rendering of a value for error messages (truncated).
inline std::string preview(const Json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

inline const Json& require_object(const Json& v, const std::string& path) {
  if (!v.is_object()) throw ConfigError(path + ": expected an object, got " + preview(v));
  return v;
}

inline const Json& require_array(const Json& v, const std::string& path, std::size_t size) {
  if (!v.is_array() || v.size() != size) {
    throw ConfigError(path + ": expected an array of " + std::to_string(size) + ", got " + preview(v));
  }
  return v;
}

/// A finite JSON number (booleans are not numbers here).
inline double require_number(const Json& v, const std::string& path) {
  if (!v.is_number()) throw ConfigError(path + ": expected a finite number, got " + preview(v));
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw ConfigError(path + ": expected a finite number, got " + preview(v));
  return d;
}

inline std::string require_string(const Json& v, const std::string& path) {
  if (!v.is_string()) throw ConfigError(path + ": expected a string, got " + preview(v));
  return v.get<std::string>();
}

/// A string naming one of an enum's values, converted by `parse` (which throws ConfigError listing
/// the allowed names); the error is prefixed with `path`.
template <class Parse>
auto require_name(const Json& v, const std::string& path, Parse parse) {
  const std::string name = require_string(v, path);
  try {
    return parse(name);
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  }
}

/// Rejects keys not in `allowed` (for user-facing options, where a typo must not be ignored).
inline void reject_unknown_keys(const Json& obj, const std::string& path,
                                std::initializer_list<const char*> allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw ConfigError(path + ": unknown option \"" + it.key() + "\" (allowed: " + list + ")");
    }
  }
}

}  // namespace cryscope::json
