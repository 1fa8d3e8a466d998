// Module-level constants of the WASM core.
#include <emscripten/bind.h>

#include <string>

#ifndef CRYSCOPE_VERSION
#define CRYSCOPE_VERSION "0.0.0-dev"
#endif

EMSCRIPTEN_BINDINGS(cryscope_module) {
  emscripten::constant("version", std::string(CRYSCOPE_VERSION));
}
