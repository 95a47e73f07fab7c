// A real PNG made in the test (RGB, uncompressed deflate blocks, correct CRCs): photo uploads
// send images any decoder reads, without a fixture file.
#pragma once

#include <cstdint>
#include <string>

namespace gz::test {

// A width×height RGB PNG whose pixels depend on `seed` (different seeds, different files).
std::string make_png(int width, int height, std::uint32_t seed = 1);

}  // namespace gz::test
