// What the harnesses share: the demo county with its platform (accounts, regions, projects) in a
// database of the run's own, the services and router `gongzhi serve` builds over it, a session
// per demo account, and a private directory for the files a harness writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "http/api_services.h"
#include "http/router.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::fuzz {

// The run's directory: $GONGZHI_FUZZ_TMP/run-PID (scripts/fuzz.sh points it into build-fuzz/),
// else the system's temporary directory; removed when the run ends normally.
const std::string& run_directory();

struct DemoAccount {
  std::string username, region;  // region: the account's grant ("" for admin)
  std::string token;              // a signed-in session's bearer token
};

struct World {
  std::string location;  // the run's copy of the demo database
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<storage::IdentityStore> identity;
  std::unique_ptr<storage::ProjectStore> projects;
  std::unique_ptr<http::ApiServices> api;
  std::unique_ptr<http::Router> router;
  std::vector<DemoAccount> accounts;
};

// The demo county, built once per machine into $GONGZHI_FUZZ_WORLD (scripts/fuzz.sh:
// build-fuzz/world/county.sqlite; generating it under the sanitizers takes a while) and copied for
// each run, so that what one run writes never reaches the next.
World& demo_world();

// The bytes from `data` as a string.
inline std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace gz::fuzz
