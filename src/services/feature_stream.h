// Reading a layer as a stream: features leave the store in chunks on one producer thread and
// are measured on every core as they arrive, so memory holds a few chunks, never the layer
// (issue 21). Zones and control layers stay in memory (services/overlay.h).
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "domain/layer.h"
#include "storage/store.h"

namespace gz::services {

inline constexpr std::size_t kStreamChunk = 2048;  // features per chunk

// Reads `v` with store.scan() on a thread of its own, hands consecutive chunks of at most
// kStreamChunk features to fn(chunk, index of its first feature in storage order, thread) on
// worker_threads() threads. At most a few chunks wait at any time. An exception from fn or the
// store stops the read and is rethrown here. progress(done) is called with features measured.
void stream_features(storage::Store& store, const LayerVersion& v,
                     const storage::Store::ScanOptions& options,
                     const std::function<void(std::vector<StoredFeature>&, std::size_t, int)>& fn,
                     const std::function<void(std::size_t)>& progress = {});

// The extent of a version's feature boxes: from its recorded schema, else read from the store.
// Throws InputError when the version has no features.
Envelope layer_extent(storage::Store& store, const LayerVersion& v);
// GK zone EPSG code for a stored version: from the centre of its extent (as gk_epsg_for).
int gk_epsg_for(storage::Store& store, const LayerVersion& v);

// Only the named attributes (case-insensitive, in stored order) of stored attribute text: what a
// statistic reads, without building every field of every feature.
Attributes decode_selected_attributes(std::string_view json, std::initializer_list<std::string_view> names);
Attributes decode_selected_attributes(std::string_view json, const std::vector<std::string_view>& names);

}  // namespace gz::services
