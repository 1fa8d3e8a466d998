// Placeholder until the front-end workloads land (see workloads.hpp).
#include <benchmark/benchmark.h>
BENCHMARK_MAIN();
