// Native hnswlib for `bench peers` (engine "hnswlib-native"): Debian's libhnswlib-dev headers compiled for this CPU
// (bench/peers/install.sh: g++ -O3 -march=native), so the HNSW anchor runs without Python's per-call cost.
//
//   hnswlib_peer BASE.f32 QUERY.f32 TRUTH.i32 N DIM NQ GTK l2|ip M EFC EF,EF,... THREADS,THREADS,... K MIN_SECONDS REPEAT
//
// Inputs are raw little-endian arrays (row-major) written by ann_peer.py. The index is built on every core; each
// setting is then timed as bench ann times ours: the process pinned to the first T CPUs, one warm-up pass, the query
// set repeated until MIN_SECONDS have passed; one query per call with 1 thread, the query set split over T threads
// otherwise. Prints one JSON object per setting and repeat on stdout: {"ef","threads","qps","recall","p50","p95","p99"}.
#include <hnswlib/hnswlib.h>
#include <sched.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

using Clock = std::chrono::steady_clock;

static std::vector<char> ReadAll(const char* path, size_t bytes) {
    std::vector<char> data(bytes);
    std::ifstream in(path, std::ios::binary);
    in.read(data.data(), static_cast<std::streamsize>(bytes));
    if (static_cast<size_t>(in.gcount()) != bytes) { std::fprintf(stderr, "short read: %s\n", path); std::exit(2); }
    return data;
}

static std::vector<int> ParseList(const std::string& text) {
    std::vector<int> values;
    std::stringstream stream(text);
    for (std::string item; std::getline(stream, item, ',');) values.push_back(std::stoi(item));
    return values;
}

static void PinTo(int cpus) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c = 0; c < cpus; c++) CPU_SET(c, &set);
    sched_setaffinity(0, sizeof(set), &set);
}

int main(int argc, char** argv) {
    if (argc != 16) { std::fprintf(stderr, "usage: see the header of hnswlib_peer.cpp\n"); return 2; }
    size_t n = std::stoul(argv[4]), dim = std::stoul(argv[5]), nq = std::stoul(argv[6]), gtk = std::stoul(argv[7]);
    bool l2 = std::string(argv[8]) == "l2";
    int m = std::stoi(argv[9]), efc = std::stoi(argv[10]), k = std::stoi(argv[13]), repeat = std::stoi(argv[15]);
    std::vector<int> efs = ParseList(argv[11]), threads = ParseList(argv[12]);
    double minSeconds = std::stod(argv[14]);
    std::vector<char> baseBytes = ReadAll(argv[1], n * dim * 4), queryBytes = ReadAll(argv[2], nq * dim * 4),
                      truthBytes = ReadAll(argv[3], nq * gtk * 4);
    const float* base = reinterpret_cast<const float*>(baseBytes.data());
    const float* queries = reinterpret_cast<const float*>(queryBytes.data());
    const int* truth = reinterpret_cast<const int*>(truthBytes.data());

    hnswlib::L2Space l2Space(dim);
    hnswlib::InnerProductSpace ipSpace(dim);
    hnswlib::SpaceInterface<float>* space = l2 ? static_cast<hnswlib::SpaceInterface<float>*>(&l2Space) : &ipSpace;
    hnswlib::HierarchicalNSW<float> index(space, n, m, efc, 100);
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    auto buildStart = Clock::now();
    std::vector<std::thread> builders;
    for (unsigned t = 0; t < cores; t++) {
        builders.emplace_back([&, t] { for (size_t i = t; i < n; i += cores) index.addPoint(base + i * dim, i); });
    }
    for (auto& b : builders) b.join();
    double buildSeconds = std::chrono::duration<double>(Clock::now() - buildStart).count();
    std::printf("{\"build_seconds\":%.3f,\"index_bytes\":%zu}\n", buildSeconds,
                n * (index.size_data_per_element_ + sizeof(void*)) + index.max_elements_ * sizeof(int));

    std::vector<std::vector<size_t>> found(nq);
    auto searchRange = [&](size_t from, size_t to, std::vector<double>* latencies) {
        for (size_t i = from; i < to; i++) {
            auto start = Clock::now();
            auto result = index.searchKnn(queries + i * dim, k);
            if (latencies) latencies->push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
            found[i].clear();
            while (!result.empty()) { found[i].push_back(result.top().second); result.pop(); }
        }
    };
    auto pass = [&](int t, std::vector<double>* latencies) {
        if (t == 1) { searchRange(0, nq, latencies); return; }
        std::vector<std::thread> workers;
        for (int w = 0; w < t; w++) workers.emplace_back([&, w] { searchRange(nq * w / t, nq * (w + 1) / t, nullptr); });
        for (auto& w : workers) w.join();
    };
    for (int ef : efs) {
        index.setEf(std::max(ef, k));
        for (int t : threads) {
            PinTo(t);
            for (int r = 0; r < repeat; r++) {
                pass(t, nullptr);  // warm-up
                std::vector<double> latencies;
                size_t calls = 0;
                auto start = Clock::now();
                double seconds = 0;
                while (calls == 0 || seconds < minSeconds) {
                    pass(t, t == 1 ? &latencies : nullptr);
                    calls += nq;
                    seconds = std::chrono::duration<double>(Clock::now() - start).count();
                }
                double hits = 0;
                for (size_t i = 0; i < nq; i++) {
                    std::unordered_set<int> expected(truth + i * gtk, truth + i * gtk + k);
                    for (size_t id : found[i]) hits += expected.count(static_cast<int>(id));
                }
                std::sort(latencies.begin(), latencies.end());
                auto pct = [&](double p) { return latencies.empty() ? -1.0 : latencies[std::min(latencies.size() - 1, static_cast<size_t>(p * latencies.size()))]; };
                std::printf("{\"ef\":%d,\"threads\":%d,\"qps\":%.1f,\"recall\":%.5f,\"p50\":%.1f,\"p95\":%.1f,\"p99\":%.1f}\n", ef, t,
                            calls / seconds, hits / (static_cast<double>(nq) * k), pct(0.50), pct(0.95), pct(0.99));
                std::fflush(stdout);
            }
        }
    }
    return 0;
}
