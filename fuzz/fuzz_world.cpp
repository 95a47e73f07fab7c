#include "fuzz/fuzz_world.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "services/auth.h"
#include "services/demo_county.h"
#include "services/demo_platform.h"
#include "storage/sqlite/sqlite_store.h"

namespace gz::fuzz {

namespace {

namespace fs = std::filesystem;

constexpr const char* kPassword = "fuzzing the county";
// The roles a request can come from: administrator, lead and co-reviewing departments, leader
// group, township, village collective, villager, investor.
constexpr const char* kUsers[] = {"admin", "zrzy", "czj", "lingdao", "zhen", "cun", "cunmin", "touzi"};

[[noreturn]] void setup_failed(const std::string& what) {
  std::fprintf(stderr, "fuzz setup: %s\n", what.c_str());
  std::abort();
}

fs::path template_path() {
  if (const char* p = std::getenv("GONGZHI_FUZZ_WORLD"); p && *p) return p;
  return fs::temp_directory_path() / ("gongzhi-fuzz-world-" + std::to_string(getuid())) / "county.sqlite";
}

// The demo county and its platform, generated once (into a temporary name, then renamed, so a
// run that stops half-way leaves nothing a later run would take for the template).
void ensure_template(const fs::path& path) {
  if (fs::exists(path)) return;
  fs::create_directories(path.parent_path());
  fs::path partial = path;
  partial += ".partial-" + std::to_string(getpid());
  std::fprintf(stderr, "fuzz setup: generating the demo county into %s\n", path.c_str());
  {
    auto store = storage::Store::open(partial.string(), {.create = true});
    services::generate_demo_county(*store, {.polygons = services::kDemoMinPolygons, .seed = 7});
    services::seed_demo_platform(*store, partial.string(), kPassword);
  }
  for (const char* suffix : {"-wal", "-shm"}) {
    fs::path side = partial;
    side += suffix;
    if (fs::exists(side)) setup_failed("the demo database was not checkpointed: " + side.string());
  }
  fs::rename(partial, path);
}

}  // namespace

const std::string& run_directory() {
  // Never destroyed: the exit handler that removes the directory runs after static destructors.
  static const std::string* dir = [] {
    fs::path base = fs::temp_directory_path();
    if (const char* p = std::getenv("GONGZHI_FUZZ_TMP"); p && *p) base = p;
    fs::path d = base / ("run-" + std::to_string(getpid()));
    // The run's databases are scratch: commits need not reach the disk (FULL, serve's default,
    // made the router harness wait on a flush for every write).
    storage::set_sqlite_synchronous(storage::SqliteSync::normal);
    fs::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(run_directory(), ec);
    });
    return new std::string(d.string());
  }();
  return *dir;
}

World& demo_world() {
  static World* w = [] {
    auto* w = new World;
    const std::string& dir = run_directory();  // first: it sets the databases' flushing
    fs::path source = template_path();
    ensure_template(source);
    w->location = (fs::path(dir) / "county.sqlite").string();
    fs::copy_file(source, w->location, fs::copy_options::overwrite_existing);
    w->store = storage::Store::open(w->location);
    w->identity = storage::IdentityStore::open(w->location);
    w->projects = storage::ProjectStore::open(w->location);
    w->api = std::make_unique<http::ApiServices>(*w->store, *w->identity, *w->projects);
    w->router = std::make_unique<http::Router>(http::make_router(w->api->context()));
    for (const char* name : kUsers) {
      auto user = w->identity->find_user(name);
      if (!user) setup_failed(std::string("no demo account ") + name);
      auto r = services::login(*w->identity, {}, name, kPassword, "127.0.0.1");
      if (r.outcome != services::LoginOutcome::ok) setup_failed(std::string(name) + " cannot sign in");
      w->accounts.push_back({name, user->grants.empty() ? "" : user->grants.front().region_code, r.token});
    }
    return w;
  }();
  return *w;
}

}  // namespace gz::fuzz
