// What the tests share: private temporary directories, running the real `gongzhi` binary (and
// ogr2ogr) as a subprocess, writing GIS fixtures, and reading a database back the way a user's
// tools would (its full logical content, its stored features).
#pragma once

#include <gtest/gtest.h>

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace gz::test {

// A directory of its own for one test, removed with everything in it at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Names of the entries directly inside the directory, sorted.
  std::vector<std::string> entries() const;

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int exit_code = -1;  // 128 + signal when the process was killed
  std::string out, err;
  // The lines of stderr that report an error ("gongzhi: …"), without progress lines.
  std::vector<std::string> error_lines() const;
  // Everything a failing assertion should show.
  std::string describe() const;
};

using Env = std::vector<std::pair<std::string, std::string>>;

// A program started in the background; stdout and stderr are captured in files, so a chatty
// child never blocks on a full pipe.
class Process {
 public:
  // `program` is a path or a name looked up in PATH.
  Process(const std::string& program, const std::vector<std::string>& args, const Env& env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  RunResult wait();
  // Sends a signal (SIGTERM to stop a server) while the process runs.
  void signal(int sig) const;

 private:
  pid_t pid_ = -1;
  std::string out_path_, err_path_;
};

// Runs the gongzhi binary under test and waits for it.
RunResult run(const std::vector<std::string>& args, const Env& env = {});
// Runs any program (ogr2ogr) and waits for it.
RunResult run_program(const std::string& program, const std::vector<std::string>& args);
std::string gongzhi_binary();
// The source tree the tests were built from (scripts/, data/, fuzz/corpus/).
std::string source_dir();

// ---- fixtures -------------------------------------------------------------------------------

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

// A GeoJSON feature: properties as a JSON object text, geometry as GeoJSON geometry text
// ("null" for none).
struct FixtureFeature {
  std::string properties = "{}";
  std::string geometry = "null";
};
// Polygon geometry text of an axis-aligned square with its lower-left corner at (x, y).
std::string square(double x, double y, double size);
// Polygon geometry text from one ring of points (closed here when not closed).
std::string polygon(const std::vector<std::pair<double, double>>& ring);
// A FeatureCollection. `crs` "EPSG:NNNN" adds a crs member; empty means GeoJSON's default
// (WGS 84 lon/lat).
std::string feature_collection(const std::vector<FixtureFeature>& features,
                               const std::string& crs = "EPSG:4490");
// `count` land-use squares (DLBM cycling through real 三调 codes) laid out in a grid starting at
// (117, 30), written straight to `path`; fast enough for 50,000 features.
void write_land_use_grid(const std::string& path, int count, double cell = 0.001);
// A small land-use file: three spots with Chinese class names (水田, 旱地, 乔木林地).
std::vector<FixtureFeature> three_land_use_spots();

// ogr2ogr -f DRIVER DEST SRC [extra…]; fails the current test when ogr2ogr fails.
void convert(const std::string& src, const std::string& dest, const std::string& driver,
             const std::vector<std::string>& extra = {});

// ---- reading a database back ----------------------------------------------------------------

// The full logical content of a SQLite database: its schema and every row of every table
// (sorted, values typed), so that "exactly as before" is a string comparison. Opens read-only.
std::string dump_database(const std::string& path);
// PRAGMA integrity_check == "ok".
bool database_is_intact(const std::string& path);
// One SQL query's rows, each row's values joined by '|' (read-only connection).
std::vector<std::string> query(const std::string& db, const std::string& sql);
// True when neither the database nor any of its side files (-wal, -shm, -journal, staging
// copies) exists.
bool no_database_files(const std::string& db);

struct Point {
  double x = 0, y = 0;
};
// Polygons of a WKB (Polygon or MultiPolygon), each as rings of points.
using PolygonRings = std::vector<std::vector<Point>>;
std::vector<PolygonRings> parse_wkb_polygons(const std::string& wkb);
// Planar area of WKB polygons (shoelace, holes subtracted), in squared coordinate units.
double planar_area(const std::vector<PolygonRings>& polygons);

struct StoredRow {
  std::string source_id;
  std::string wkb;
  std::string attrs;  // JSON object text as stored
};
// Features of one version of a layer, in storage order.
std::vector<StoredRow> stored_features(const std::string& db, const std::string& layer,
                                       int version);

// Little-endian WKB of a square polygon (for feeding the store directly).
std::string square_wkb(double x, double y, double size);

// A test with its own temporary directory.
class TempDirTest : public ::testing::Test {
 protected:
  std::string at(const std::string& name) const { return dir_.file(name); }
  TempDir dir_;
};

}  // namespace gz::test
