// Native per-second-of-audio cost of each front-end stage (workloads.hpp), printed by Google
// Benchmark and summarised as one `BENCH_JSON {...}` line for the WASM/native comparison.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>

#include "cryscope/log_mel.hpp"
#include "cryscope/resampler.hpp"
#include "cryscope/stream_frontend.hpp"
#include "cryscope/wav2vec2_input.hpp"
#include "workloads.hpp"

namespace {

using cryscope_bench::Stage;
using cryscope_bench::Workload;

void run_workload(benchmark::State& state, const Workload& w) {
  const auto n = static_cast<std::size_t>(w.audio_seconds * w.input_rate);
  const auto x = cryscope_bench::workload_signal(n);
  const std::size_t chunk = w.chunk ? w.chunk : n;
  std::vector<float> out;
  cryscope::LogMel log_mel;
  for (auto _ : state) {
    switch (w.stage) {
      case Stage::Resample: {
        cryscope::Resampler r(w.input_rate);
        out.clear();
        for (std::size_t pos = 0; pos < n; pos += chunk) r.process(x.data() + pos, std::min(chunk, n - pos), out);
        r.flush(out);
        benchmark::DoNotOptimize(out.data());
        break;
      }
      case Stage::LogMel: {
        auto mel = log_mel.clip_log_mel(x.data(), n);
        benchmark::DoNotOptimize(mel.data());
        break;
      }
      case Stage::Normalize: {
        out.resize(chunk);
        for (std::size_t pos = 0; pos + chunk <= n; pos += chunk) {
          cryscope::normalize_wav2vec2(x.data() + pos, chunk, out.data());
        }
        benchmark::DoNotOptimize(out.data());
        break;
      }
      case Stage::StreamFrontEnd: {
        cryscope::StreamFrontEndConfig c;
        c.input_sample_rate = w.input_rate;
        cryscope::StreamFrontEnd fe(c);
        std::size_t windows = 0;
        for (std::size_t pos = 0; pos < n; pos += chunk) {
          fe.push(x.data() + pos, std::min(chunk, n - pos));
          while (auto win = fe.pop()) {
            benchmark::DoNotOptimize(win->data.data());
            ++windows;
          }
        }
        benchmark::DoNotOptimize(windows);
        break;
      }
    }
  }
  state.counters["audio_s_per_iter"] = w.audio_seconds;
}

// Collects per-iteration wall time of every run and prints the BENCH_JSON summary at the end.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  // Plain tabular output (no ANSI colours): the output is tee'd into logs and parsed.
  SummaryReporter() : ConsoleReporter(OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.iterations == 0) continue;
      seconds_per_iter_[r.benchmark_name()] = r.real_accumulated_time / static_cast<double>(r.iterations);
    }
  }
  void PrintSummary() const {
    std::string json = "{\"suite\":\"native\",\"workloads\":{";
    bool first = true;
    std::printf("\n%-24s %18s %16s %12s\n", "workload", "ns per audio s", "realtime factor", "x realtime");
    for (const auto& w : cryscope_bench::workloads()) {
      const auto it = seconds_per_iter_.find(w.name);
      if (it == seconds_per_iter_.end()) continue;
      const double ns_per_audio_s = it->second * 1e9 / w.audio_seconds;
      const double rtf = it->second / w.audio_seconds;
      std::printf("%-24s %18.0f %16.6f %12.0f\n", w.name, ns_per_audio_s, rtf, 1.0 / rtf);
      char buf[256];
      std::snprintf(buf, sizeof buf, "%s\"%s\":{\"ns_per_audio_second\":%.0f,\"realtime_factor\":%.3g,\"audio_seconds\":%g}",
                    first ? "" : ",", w.name, ns_per_audio_s, rtf, w.audio_seconds);
      json += buf;
      first = false;
    }
    json += "}}";
    std::printf("BENCH_JSON %s\n", json.c_str());
  }

 private:
  std::map<std::string, double> seconds_per_iter_;
};

}  // namespace

int main(int argc, char** argv) {
  for (const auto& w : cryscope_bench::workloads()) {
    benchmark::RegisterBenchmark(w.name, [w](benchmark::State& s) { run_workload(s, w); })
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintSummary();
  benchmark::Shutdown();
  return 0;
}
