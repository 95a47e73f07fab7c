// libFuzzer harness: the GeoJSON plan upload (POST /api/v1/plans/from-geojson), the file's bytes
// as they arrive. An upload either becomes a plan or is refused with an explained error (a 400
// naming the feature and the reason); anything else escaping, or a crash, is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "services/plan_upload.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto plan = gz::services::plan_from_geojson(text);
    if (plan.plan_json.empty()) std::abort();
  } catch (const gz::Error& e) {
    // The refusals a user sees: every one must say what was wrong.
    if (std::string(e.what()).empty()) std::abort();
  }
  return 0;
}
