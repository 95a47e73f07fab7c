// gongzhi demo: writes a synthetic county (regions, 三调 land use, control lines, village plans,
// units, projects) into a new database (a SQLite file, or a PostgreSQL schema: --out pg:…),
// for demonstrations, training and benchmarks. Either way the database appears whole or not at
// all, and an existing one is replaced only with --force.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/progress.h"
#include "common/error.h"
#include "services/demo_change_survey.h"
#include "services/demo_county.h"
#include "services/demo_imagery.h"
#include "services/demo_platform.h"
#include "domain/identity.h"
#include "storage/postgres/pg_staging.h"
#include "storage/postgres/pg_store.h"
#include "storage/project_store.h"
#include "storage/store.h"

namespace gz::cli {

namespace {
void remove_database(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(path + suffix);
}
struct Options {
  std::string out;
  std::int64_t polygons = 20000;
  std::uint64_t seed = services::DemoCountyOptions{}.seed;
  bool force = false;
  std::string password = "gongzhi-demo";
  bool no_accounts = false;
  double change_share = services::DemoChangeSurveyOptions{}.change_share;
  bool no_imagery = false;
};

// Writes the demo to o.out (a SQLite file made aside and published whole, or a PostgreSQL
// location); `shown` is what the summary calls it.
int write_demo(const Options& o, const std::string& shown) {
  if (std::filesystem::exists(o.out)) {
    if (!o.force) throw UsageError(o.out + " already exists; pass --force to replace it");
    remove_database(o.out);
  }
  auto start = std::chrono::steady_clock::now();
  services::DemoCountySummary summary;
  services::DemoPlatformSummary platform;
  if (!o.no_accounts) validate_password(o.password);
  // The database is built aside and appears only when complete: a failed demo leaves no
  // file behind.
  bool created = storage::Store::create(o.out, [&](storage::Store& store) {
    std::unique_ptr<ProgressBar> bar;
    std::string phase;
    summary = services::generate_demo_county(
        store, {o.polygons, o.seed},
        [&](const std::string& p, std::int64_t done, std::int64_t total) {
          if (p != phase) {
            if (bar) bar->finish();
            phase = p;
            bar = std::make_unique<ProgressBar>("demo " + p);
          }
          bar->update(done, total);
        });
    if (bar) bar->finish();
  });
  if (!created)
    throw Error(o.out + " was created by another process while the demo was being generated");
  services::DemoChangeSurveySummary survey;
  std::vector<storage::ImageryVersion> imagery;
  // Accounts, the project library and the change survey go into the published file; a
  // failure removes it, so a failed demo still leaves nothing behind.
  try {
    std::unique_ptr<storage::ProjectStore> projects;
    if (!o.no_accounts) {
      auto store = storage::Store::open(o.out);
      platform = services::seed_demo_platform(*store, o.out, o.password);
      projects = storage::ProjectStore::open(o.out);
    }
    if (o.change_share > 0) {
      ProgressBar bar("demo change survey");
      survey = services::write_demo_change_survey(
          o.out, projects.get(), {o.change_share, o.seed},
          [&](std::int64_t done, std::int64_t total) { bar.update(done, total); });
      bar.finish();
    }
    if (!o.no_imagery) {
      std::unique_ptr<ProgressBar> bar;
      std::string phase;
      imagery = services::write_demo_imagery(
          o.out, {}, [&](const std::string& p, std::int64_t done, std::int64_t total) {
            if (p != phase) {
              if (bar) bar->finish();
              phase = p;
              bar = std::make_unique<ProgressBar>("demo " + p);
            }
            bar->update(done, total);
          });
      if (bar) bar->finish();
    }
  } catch (...) {
    remove_database(o.out);
    throw;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("demo county %s %s: %d townships, %d villages, %.2f km² (%.0f mu), seed %llu\n",
              summary.county_code.c_str(), summary.county_name.c_str(), summary.townships,
              summary.villages, summary.county_area_m2 / 1e6,
              summary.county_area_m2 / (10000.0 / 15.0),
              static_cast<unsigned long long>(o.seed));
  std::printf("land use: cultivated %.1f%%, forest %.1f%%, construction %.1f%%, water %.1f%%\n",
              100 * summary.shares.cultivated, 100 * summary.shares.forest,
              100 * summary.shares.construction, 100 * summary.shares.water);
  for (const auto& v : summary.layers)
    std::printf("  %-14s %-28s %10lld features\n", v.layer.c_str(),
                std::string(to_string(v.kind)).c_str(),
                static_cast<long long>(v.feature_count));
  if (survey.version.version > 0)
    std::printf("  %-14s %-28s %10lld features (v%d, change survey: %lld spots changed, %lld split)\n",
                survey.version.layer.c_str(), "land_use",
                static_cast<long long>(survey.version.feature_count), survey.version.version,
                static_cast<long long>(survey.changed), static_cast<long long>(survey.split));
  for (const auto& v : imagery)
    std::printf("  %-14s %-28s %10lld tiles    (%s, zoom %d-%d, from %s)\n", v.layer.c_str(),
                v.kind.c_str(), static_cast<long long>(v.tiles), v.date.c_str(), v.min_zoom,
                v.max_zoom, v.source.c_str());
  if (!o.no_accounts) {
    std::printf("%d regions, %d projects in the project library; accounts (password %s):\n",
                platform.regions, platform.projects, o.password.c_str());
    for (const auto& a : platform.accounts)
      std::printf("  %-9s %-24s %s %s\n", a.username.c_str(), a.role.c_str(),
                  a.department.c_str(), a.region.c_str());
  }
  std::printf("written to %s in %.1f s\n", shown.c_str(), secs);
  return kExitOk;
}

// PostgreSQL: built in a staging schema of its own and moved into the target schema in one
// transaction (storage/postgres/pg_staging.h), so a run that fails, or is interrupted, leaves the
// target as it was, and a second run replaces the first only with --force.
int write_demo_on_postgres(const Options& o) {
  if (!o.no_accounts) validate_password(o.password);
  storage::PgStaging staging(o.out);
  if (staging.target_exists() && !o.force)
    throw UsageError(staging.target_name() +
                     " already holds a gongzhi database; pass --force to replace it");
  Options staged = o;
  staged.out = staging.location();
  int rc = write_demo(staged, staging.target_name());
  staging.publish(o.force);
  return rc;
}

}  // namespace

void add_demo_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "demo",
      "Write a synthetic demo county into a new database (a SQLite file, or a PostgreSQL schema\n"
      "with --out pg:CONNINFO): regions (county, townships,\n"
      "villages), the 三调 land-use layer, ecological red line, permanent basic farmland, urban\n"
      "development boundary, village plans, consolidation units and projects (some breaking the\n"
      "rules on purpose, marked in demo_note). CGCS2000 (EPSG:4490); the same seed always gives\n"
      "the same county, and the control lines do not depend on --polygons.");
  cmd->add_option("--out", o->out,
                  "SQLite database file to create, or pg:CONNINFO / postgresql://… (the schema of\n"
                  "its search_path, e.g. pg:\"host=… dbname=… options=-csearch_path=demo\")")
      ->required();
  cmd->add_option("--polygons", o->polygons, "number of land-use map spots (default 20000)")
      ->check(CLI::Range(services::kDemoMinPolygons, services::kDemoMaxPolygons));
  cmd->add_option("--seed", o->seed, "random seed (default 2026)");
  cmd->add_flag("--force", o->force,
                "replace --out when it exists (PostgreSQL: the gongzhi tables of that schema)");
  cmd->add_option("--password", o->password,
                  "password of every demo account (default gongzhi-demo; at least 10 characters)");
  cmd->add_flag("--no-accounts", o->no_accounts,
                "layers only: no region hierarchy, accounts or project library");
  cmd->add_option("--change-share", o->change_share,
                  "share of map spots the year's change survey (land_use version 2) changes outside\n"
                  "the projects (default 0.02; 0: no change survey)")
      ->check(CLI::Range(0.0, 0.5));
  cmd->add_flag("--no-imagery", o->no_imagery,
                "no synthetic imagery (by default two dates painted from land_use versions 1 and 2)");
  cmd->callback([o, &action] {
    action = [o] {
      if (storage::is_postgres_location(o->out)) return write_demo_on_postgres(*o);
      return write_demo(*o, o->out);
    };
  });
}

}  // namespace gz::cli
