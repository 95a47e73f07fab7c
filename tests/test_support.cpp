#include "test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace gz::test {

namespace fs = std::filesystem;

// ---- TempDir ----------------------------------------------------------------------------------

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/gongzhi-test-XXXXXX";
  if (!mkdtemp(templ.data()))
    throw std::runtime_error("cannot create a temporary directory: " + std::string(std::strerror(errno)));
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::vector<std::string> TempDir::entries() const {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(path_)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// ---- processes --------------------------------------------------------------------------------

std::string gongzhi_binary() { return GONGZHI_BINARY; }
std::string source_dir() { return GONGZHI_SOURCE_DIR; }

std::vector<std::string> RunResult::error_lines() const {
  std::vector<std::string> lines;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("gongzhi: ", 0) == 0) lines.push_back(line);
  return lines;
}

std::string RunResult::describe() const {
  return "exit code " + std::to_string(exit_code) + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
}

namespace {
std::string temp_capture_file() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/gongzhi-capture-XXXXXX";
  int fd = mkstemp(templ.data());
  if (fd < 0) throw std::runtime_error("cannot create a capture file");
  close(fd);
  return templ;
}
}  // namespace

Process::Process(const std::string& program, const std::vector<std::string>& args, const Env& env)
    : out_path_(temp_capture_file()), err_path_(temp_capture_file()) {
  std::vector<std::string> argv_store{program};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    bool overridden = std::any_of(env.begin(), env.end(), [&](const auto& kv) {
      return entry.rfind(kv.first + "=", 0) == 0;
    });
    if (!overridden) env_store.push_back(entry);
  }
  for (const auto& [k, v] : env) env_store.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path_.c_str(),
                                   O_WRONLY | O_TRUNC, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path_.c_str(),
                                   O_WRONLY | O_TRUNC, 0);
  int rc = posix_spawnp(&pid_, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
  }
}

Process::~Process() {
  if (pid_ > 0) {
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  std::remove(out_path_.c_str());
  std::remove(err_path_.c_str());
}

void Process::signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

RunResult Process::wait() {
  RunResult r;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (WIFEXITED(status))
    r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    r.exit_code = 128 + WTERMSIG(status);
  r.out = read_file(out_path_);
  r.err = read_file(err_path_);
  return r;
}

RunResult run(const std::vector<std::string>& args, const Env& env) {
  return Process(gongzhi_binary(), args, env).wait();
}

RunResult run_program(const std::string& program, const std::vector<std::string>& args) {
  return Process(program, args).wait();
}

// ---- fixtures ---------------------------------------------------------------------------------

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

namespace {
std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}
}  // namespace

std::string polygon(const std::vector<std::pair<double, double>>& ring) {
  std::string s = "{\"type\":\"Polygon\",\"coordinates\":[[";
  auto points = ring;
  if (!points.empty() && points.front() != points.back()) points.push_back(points.front());
  for (std::size_t i = 0; i < points.size(); ++i)
    s += (i ? ",[" : "[") + num(points[i].first) + "," + num(points[i].second) + "]";
  return s + "]]}";
}

std::string square(double x, double y, double size) {
  return polygon({{x, y}, {x + size, y}, {x + size, y + size}, {x, y + size}});
}

std::string feature_collection(const std::vector<FixtureFeature>& features, const std::string& crs) {
  std::string s = "{\"type\":\"FeatureCollection\",";
  if (!crs.empty()) {
    std::string code = crs.substr(crs.find(':') + 1);
    s += "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::" + code +
         "\"}},";
  }
  s += "\"features\":[\n";
  for (std::size_t i = 0; i < features.size(); ++i) {
    s += (i ? ",\n" : "");
    s += "{\"type\":\"Feature\",\"properties\":" + features[i].properties +
         ",\"geometry\":" + features[i].geometry + "}";
  }
  return s + "\n]}\n";
}

void write_land_use_grid(const std::string& path, int count, double cell) {
  static const char* codes[] = {"0101", "0102", "0103", "0301", "0404", "0702", "1001", "1101"};
  std::string s;
  s.reserve(static_cast<std::size_t>(count) * 260);
  s += "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
       "\"urn:ogc:def:crs:EPSG::4490\"}},\"features\":[\n";
  int columns = 250;
  char buf[400];
  for (int i = 0; i < count; ++i) {
    double x = 117.0 + (i % columns) * cell, y = 30.0 + (i / columns) * cell;
    double e = cell * 0.9;
    std::snprintf(buf, sizeof buf,
                  "%s{\"type\":\"Feature\",\"properties\":{\"BSM\":\"%d\",\"DLBM\":\"%s\","
                  "\"TBMJ\":%d.5},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.6f,%.6f],"
                  "[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]]}}\n",
                  i ? "," : "", i + 1, codes[i % 8], 1000 + i % 500, x, y, x + e, y, x + e, y + e,
                  x, y + e, x, y);
    s += buf;
  }
  s += "]}\n";
  write_file(path, s);
}

std::vector<FixtureFeature> three_land_use_spots() {
  return {
      {R"({"BSM":"1","DLBM":"0101","DLMC":"水田","ZLDWDM":"341122100001","TBMJ":6667.5,"GDPDJB":2})",
       square(117.0, 30.0, 0.001)},
      {R"({"BSM":"2","DLBM":"0103","DLMC":"旱地","ZLDWDM":"341122100001","TBMJ":1234.25,"GDPDJB":3})",
       square(117.002, 30.0, 0.001)},
      {R"({"BSM":"3","DLBM":"0301","DLMC":"乔木林地","ZLDWDM":"341122100002","TBMJ":9000.0,"GDPDJB":null})",
       square(117.004, 30.0, 0.001)},
  };
}

void convert(const std::string& src, const std::string& dest, const std::string& driver,
             const std::vector<std::string>& extra) {
  std::vector<std::string> args{"-f", driver, dest, src};
  args.insert(args.end(), extra.begin(), extra.end());
  RunResult r = run_program("ogr2ogr", args);
  ASSERT_EQ(r.exit_code, 0) << "ogr2ogr " << driver << " " << dest << " failed\n" << r.describe();
}

// ---- reading a database back ------------------------------------------------------------------

namespace {
struct ReadOnlyDb {
  sqlite3* db = nullptr;
  explicit ReadOnlyDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      std::string why = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close(db);
      throw std::runtime_error("cannot open " + path + ": " + why);
    }
  }
  ~ReadOnlyDb() { sqlite3_close(db); }

  std::vector<std::string> rows(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error("query failed: " + sql + ": " + sqlite3_errmsg(db));
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        if (i) row += '|';
        row += value_text(s, i);
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) throw std::runtime_error("query failed: " + sql + ": " + sqlite3_errmsg(db));
    return out;
  }

  // Typed, so that 1 (integer), 1.0 (real) and '1' (text) never compare equal.
  static std::string value_text(sqlite3_stmt* s, int i) {
    switch (sqlite3_column_type(s, i)) {
      case SQLITE_NULL:
        return "NULL";
      case SQLITE_INTEGER:
        return "i:" + std::to_string(sqlite3_column_int64(s, i));
      case SQLITE_FLOAT: {
        char buf[40];
        std::snprintf(buf, sizeof buf, "r:%.17g", sqlite3_column_double(s, i));
        return buf;
      }
      case SQLITE_TEXT:
        return "t:" + std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, i)),
                                  sqlite3_column_bytes(s, i));
      default: {
        const auto* b = static_cast<const unsigned char*>(sqlite3_column_blob(s, i));
        std::string hex = "x:";
        static const char* digits = "0123456789abcdef";
        for (int k = 0; k < sqlite3_column_bytes(s, i); ++k) {
          hex += digits[b[k] >> 4];
          hex += digits[b[k] & 15];
        }
        return hex;
      }
    }
  }
};

std::string quote_identifier(const std::string& name) {
  std::string q = "\"";
  for (char c : name) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}
}  // namespace

std::string dump_database(const std::string& path) {
  ReadOnlyDb db(path);
  std::string out;
  auto schema = db.rows("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name");
  for (const auto& row : schema) out += "schema " + row + "\n";
  auto tables = db.rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  for (auto name : tables) {
    name = name.substr(2);  // strip "t:"
    auto rows = db.rows("SELECT * FROM " + quote_identifier(name));
    std::sort(rows.begin(), rows.end());
    out += "table " + name + " (" + std::to_string(rows.size()) + " rows)\n";
    for (const auto& r : rows) out += "  " + r + "\n";
  }
  return out;
}

bool database_is_intact(const std::string& path) {
  ReadOnlyDb db(path);
  auto rows = db.rows("PRAGMA integrity_check");
  return rows.size() == 1 && rows[0] == "t:ok";
}

std::vector<std::string> query(const std::string& path, const std::string& sql) {
  ReadOnlyDb db(path);
  auto rows = db.rows(sql);
  // Plain values for assertions: drop the type tags.
  for (auto& row : rows) {
    std::string plain;
    std::size_t start = 0;
    while (true) {
      std::size_t bar = row.find('|', start);
      std::string v = row.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
      if (v.size() >= 2 && v[1] == ':') v = v.substr(2);
      plain += (start ? "|" : "") + v;
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    row = plain;
  }
  return rows;
}

bool no_database_files(const std::string& db) {
  fs::path p(db);
  std::string stem = p.filename().string();
  for (const auto& e : fs::directory_iterator(p.parent_path()))
    if (e.path().filename().string().rfind(stem, 0) == 0) return false;
  return true;
}

namespace {
struct WkbReader {
  const std::string& b;
  std::size_t pos = 0;
  bool little = true;
  std::uint32_t u32() {
    if (pos + 4 > b.size()) throw std::runtime_error("WKB too short");
    std::uint32_t v;
    unsigned char bytes[4];
    std::memcpy(bytes, b.data() + pos, 4);
    if (!little) std::reverse(bytes, bytes + 4);
    std::memcpy(&v, bytes, 4);
    pos += 4;
    return v;
  }
  double f64() {
    if (pos + 8 > b.size()) throw std::runtime_error("WKB too short");
    unsigned char bytes[8];
    std::memcpy(bytes, b.data() + pos, 8);
    if (!little) std::reverse(bytes, bytes + 8);
    double v;
    std::memcpy(&v, bytes, 8);
    pos += 8;
    return v;
  }
  std::uint32_t header() {
    little = b.at(pos++) == 1;
    return u32();
  }
  PolygonRings polygon_body() {
    PolygonRings rings(u32());
    for (auto& ring : rings) {
      ring.resize(u32());
      for (auto& p : ring) {
        p.x = f64();
        p.y = f64();
      }
    }
    return rings;
  }
};
}  // namespace

std::vector<PolygonRings> parse_wkb_polygons(const std::string& wkb) {
  WkbReader r{wkb};
  std::uint32_t type = r.header();
  if (type == 3) return {r.polygon_body()};
  if (type != 6) throw std::runtime_error("WKB is neither Polygon nor MultiPolygon: type " + std::to_string(type));
  std::vector<PolygonRings> out(r.u32());
  for (auto& poly : out) {
    if (r.header() != 3) throw std::runtime_error("MultiPolygon part is not a Polygon");
    poly = r.polygon_body();
  }
  return out;
}

double planar_area(const std::vector<PolygonRings>& polygons) {
  double total = 0;
  for (const auto& rings : polygons)
    for (std::size_t k = 0; k < rings.size(); ++k) {
      double a = 0;
      const auto& ring = rings[k];
      for (std::size_t i = 0; i + 1 < ring.size(); ++i)
        a += ring[i].x * ring[i + 1].y - ring[i + 1].x * ring[i].y;
      total += (k == 0 ? 1 : -1) * std::fabs(a) / 2;
    }
  return total;
}

std::vector<StoredRow> stored_features(const std::string& path, const std::string& layer,
                                       int version) {
  ReadOnlyDb db(path);
  sqlite3_stmt* s = nullptr;
  const char* sql =
      "SELECT f.source_id, f.geom, f.attrs FROM feature f JOIN layer_version v ON v.id = "
      "f.version_id JOIN layer l ON l.id = v.layer_id WHERE l.name = ? AND v.version = ? "
      "ORDER BY f.id";
  if (sqlite3_prepare_v2(db.db, sql, -1, &s, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("query failed: ") + sqlite3_errmsg(db.db));
  sqlite3_bind_text(s, 1, layer.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(s, 2, version);
  std::vector<StoredRow> out;
  while (sqlite3_step(s) == SQLITE_ROW) {
    StoredRow row;
    row.source_id = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    row.wkb.assign(static_cast<const char*>(sqlite3_column_blob(s, 1)), sqlite3_column_bytes(s, 1));
    row.attrs = reinterpret_cast<const char*>(sqlite3_column_text(s, 2));
    out.push_back(std::move(row));
  }
  sqlite3_finalize(s);
  return out;
}

std::string square_wkb(double x, double y, double size) {
  std::string w;
  auto put_u32 = [&](std::uint32_t v) { w.append(reinterpret_cast<const char*>(&v), 4); };
  auto put_f64 = [&](double v) { w.append(reinterpret_cast<const char*>(&v), 8); };
  w += '\x01';
  put_u32(3);
  put_u32(1);
  put_u32(5);
  double pts[5][2] = {{x, y}, {x + size, y}, {x + size, y + size}, {x, y + size}, {x, y}};
  for (auto& p : pts) {
    put_f64(p[0]);
    put_f64(p[1]);
  }
  return w;
}

}  // namespace gz::test
