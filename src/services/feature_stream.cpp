#include "services/feature_stream.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "common/error.h"
#include "geo/crs.h"
#include "services/overlay.h"
#include "storage/attributes_json.h"

namespace gz::services {

namespace {
// Thrown inside the store's scan callback to end the read once a worker has failed.
struct StreamStopped {};
}  // namespace

void stream_features(storage::Store& store, const LayerVersion& v,
                     const storage::Store::ScanOptions& options,
                     const std::function<void(std::vector<StoredFeature>&, std::size_t, int)>& fn,
                     const std::function<void(std::size_t)>& progress) {
  const int workers = worker_threads();
  // Two chunks per worker waiting: enough to keep every core busy while the reader runs ahead.
  const std::size_t max_waiting = static_cast<std::size_t>(2 * workers);
  struct Chunk {
    std::vector<StoredFeature> features;
    std::size_t first = 0;
  };
  std::mutex mutex;
  std::condition_variable not_full, not_empty;
  std::deque<Chunk> queue;
  bool finished = false, stopped = false;
  std::exception_ptr failure;
  std::atomic<std::size_t> done{0};

  auto fail = [&](std::exception_ptr e) {
    std::lock_guard lock(mutex);
    if (!failure) failure = e;
    stopped = true;
    queue.clear();
    not_full.notify_all();
    not_empty.notify_all();
  };
  auto work = [&](int thread) {
    try {
      for (;;) {
        Chunk chunk;
        {
          std::unique_lock lock(mutex);
          not_empty.wait(lock, [&] { return stopped || finished || !queue.empty(); });
          if (stopped || queue.empty()) return;  // failed, or read and all handed out
          chunk = std::move(queue.front());
          queue.pop_front();
          not_full.notify_one();
        }
        fn(chunk.features, chunk.first, thread);
        std::size_t d = done.fetch_add(chunk.features.size()) + chunk.features.size();
        if (progress && thread == 0) progress(d);
      }
    } catch (...) {
      fail(std::current_exception());
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < workers; ++t) pool.emplace_back(work, t);

  try {
    Chunk next;
    next.features.reserve(kStreamChunk);
    std::size_t read = 0;
    auto hand_over = [&] {
      std::unique_lock lock(mutex);
      not_full.wait(lock, [&] { return stopped || queue.size() < max_waiting; });
      if (stopped) throw StreamStopped{};
      queue.push_back(std::move(next));
      not_empty.notify_one();
      lock.unlock();
      next = Chunk{};
      next.features.reserve(kStreamChunk);
      next.first = read;
    };
    store.scan(v, [&](StoredFeature&& f) {
      next.features.push_back(std::move(f));
      ++read;
      if (next.features.size() == kStreamChunk) hand_over();
    }, options);
    if (!next.features.empty()) hand_over();
  } catch (const StreamStopped&) {
    // a worker failed; its exception is rethrown below
  } catch (...) {
    fail(std::current_exception());
  }
  {
    std::lock_guard lock(mutex);
    finished = true;
    not_empty.notify_all();
  }
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  if (progress) progress(done);
}

Envelope layer_extent(storage::Store& store, const LayerVersion& v) {
  std::optional<Envelope> extent;
  if (auto schema = store.layer_schema(v); schema && schema->count > 0 &&
                                           schema->extent.minx <= schema->extent.maxx)
    extent = schema->extent;
  if (!extent) {
    // A version written before schemas were recorded: its boxes are read once.
    storage::Store::ScanOptions boxes_only{.decode_attributes = false,
                                           .keep_attributes_json = [](std::string_view) { return false; }};
    store.scan(v, [&](StoredFeature&& f) {
      if (!extent) {
        extent = f.bbox;
        return;
      }
      extent->minx = std::min(extent->minx, f.bbox.minx);
      extent->maxx = std::max(extent->maxx, f.bbox.maxx);
      extent->miny = std::min(extent->miny, f.bbox.miny);
      extent->maxy = std::max(extent->maxy, f.bbox.maxy);
    }, boxes_only);
  }
  if (!extent) throw InputError("layer '" + v.layer + "' has no features");
  return *extent;
}

int gk_epsg_for(storage::Store& store, const LayerVersion& v) {
  Envelope e = layer_extent(store, v);
  return geo::gauss_kruger_3deg_epsg((e.minx + e.maxx) / 2);
}

namespace {
bool same_name(std::string_view a, std::string_view b) {
  // Field names are compared ASCII-case-insensitively (DLBM, dlbm); no locale lookup per byte.
  auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return fold(x) == fold(y); });
}
}  // namespace

Attributes decode_selected_attributes(std::string_view json, std::initializer_list<std::string_view> names) {
  return storage::decode_attributes_if(json, [&](std::string_view k) {
    return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return same_name(n, k); });
  });
}

Attributes decode_selected_attributes(std::string_view json, const std::vector<std::string_view>& names) {
  return storage::decode_attributes_if(json, [&](std::string_view k) {
    return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return same_name(n, k); });
  });
}

}  // namespace gz::services
