// Locating the generated reference fixtures (models/tools/frontend_reference.py → build/reference).
// Missing fixtures SKIP the parity tests for a quick local ctest, but FAIL when
// CRYSCOPE_REQUIRE_REFERENCE=1 (scripts/core-test.sh and CI set it), so CI can never pass without them.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace cryscope_test {

inline std::string reference_dir() {
  const char* env = std::getenv("CRYSCOPE_REFERENCE_DIR");
  return env && *env ? std::string(env) : std::string(CRYSCOPE_DEFAULT_REFERENCE_DIR);
}

inline bool reference_required() {
  const char* env = std::getenv("CRYSCOPE_REQUIRE_REFERENCE");
  return env && std::string(env) == "1";
}

inline bool reference_available() { return std::ifstream(reference_dir() + "/STAMP").good(); }

// Rows of a tab-separated index file, split into fields.
inline std::vector<std::vector<std::string>> read_tsv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, '\t')) fields.push_back(field);
    rows.push_back(fields);
  }
  return rows;
}

}  // namespace cryscope_test

// Use at the top of a parity test.
#define CRYSCOPE_REQUIRE_REFERENCE_OR_SKIP()                                                        \
  do {                                                                                             \
    if (!cryscope_test::reference_available()) {                                                   \
      if (cryscope_test::reference_required()) {                                                   \
        FAIL() << "reference fixtures missing in " << cryscope_test::reference_dir()               \
               << " (run scripts/core-test.sh or models/tools/frontend_reference.py)";            \
      }                                                                                            \
      GTEST_SKIP() << "reference fixtures missing in " << cryscope_test::reference_dir()           \
                   << "; run scripts/core-test.sh";                                                \
    }                                                                                              \
  } while (0)
