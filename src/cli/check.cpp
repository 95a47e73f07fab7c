// gongzhi check: overlaps with the control lines and rule findings for every feature of a layer.
// Exit code 0 when clean, 3 when findings exist.
#include <charconv>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/progress.h"
#include "common/data_dir.h"
#include "common/error.h"
#include "domain/land_use_classes.h"
#include "services/compliance_check.h"
#include "services/overlay.h"

namespace gz::cli {

namespace {
using nlohmann::ordered_json;

// The per-feature lines of a million-feature check are formatted by hand (see write_json): a
// number exactly as printf's %.17g writes it (std::to_chars with a precision is specified so, and
// does not go through printf's multi-precision digits), a string as nlohmann::json dumps it.
void append_number(std::string& out, double d) {
  char buf[64];
  auto end = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::general, 17).ptr;
  out.append(buf, end);
}

void append_json_string(std::string& out, const std::string& s) {
  bool plain = true;
  for (unsigned char c : s) plain &= c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  if (!plain) {
    out += ordered_json(s).dump();
    return;
  }
  out += '"';
  out += s;
  out += '"';
}

ordered_json finding_json(const services::Finding& f) {
  return ordered_json{{"feature_id", f.feature_id},
                      {"project_id", f.project_id},
                      {"layer", f.layer},
                      {"rule", f.rule->id},
                      {"severity", f.rule->severity},
                      {"rule_name_zh", f.rule->name_zh},
                      {"rule_name_en", f.rule->name_en},
                      {"controls", f.controls},
                      {"area_m2", f.area_m2},
                      {"area_mu", f.area_m2 / kSquareMetresPerMu},
                      {"share", f.share}};
}

// Features' results as the check hands them on (in storage order): JSON lines or GeoJSON
// overlap features into a temporary file, per-control totals for the table. The document is
// put together at the end, findings first, as before the check streamed.
class FeatureWriter {
 public:
  explicit FeatureWriter(const std::string& format) : format_(format) {
    if (format_ != "table") {
      spool_ = std::tmpfile();
      if (!spool_) throw Error("cannot create a temporary file for the check's results");
    }
  }
  ~FeatureWriter() {
    if (spool_) std::fclose(spool_);
  }
  FeatureWriter(const FeatureWriter&) = delete;
  FeatureWriter& operator=(const FeatureWriter&) = delete;

  void add(const std::vector<LayerVersion>& controls, std::vector<services::FeatureCheck>&& features) {
    if (layer_prefix_.empty() && !controls.empty()) {
      for (const auto& c : controls)
        layer_prefix_.push_back("{\"layer\":" + ordered_json(c.layer).dump() + ",\"kind\":\"" +
                                std::string(to_string(c.kind)) + "\",\"area_m2\":");
      totals_.assign(controls.size(), 0.0);
      counts_.assign(controls.size(), 0);
    }
    std::string text;
    text.reserve(features.size() * 64);
    for (const auto& fc : features) {
      for (const auto& o : fc.overlaps) {
        totals_[o.control] += o.area_m2;
        ++counts_[o.control];
      }
      if (format_ == "json") json_line(text, fc);
      else if (format_ == "geojson") geojson_lines(text, controls, fc);
      ++written_;
    }
    if (spool_ && std::fwrite(text.data(), 1, text.size(), spool_) != text.size())
      throw Error("cannot write the check's results to a temporary file");
  }
  // Copies what was spooled to `out`.
  void copy_to(FILE* out) {
    std::rewind(spool_);
    char buf[1 << 16];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, spool_)) > 0) std::fwrite(buf, 1, n, out);
  }
  bool any_geojson() const { return any_geojson_; }
  const std::vector<double>& totals() const { return totals_; }
  const std::vector<int>& counts() const { return counts_; }

 private:
  // One line per feature, formatted directly: nlohmann objects per feature cost more than the
  // overlay itself on a million-feature layer.
  void json_line(std::string& line, const services::FeatureCheck& fc) {
    line += written_ == 0 ? "\n{\"feature_id\":" : ",\n{\"feature_id\":";
    append_json_string(line, fc.feature_id);
    if (fc.area_m2 > 0) {  // measured when something overlaps the feature
      line += ",\"area_m2\":";
      append_number(line, fc.area_m2);
    }
    if (!fc.project_id.empty()) {
      line += ",\"project_id\":";
      append_json_string(line, fc.project_id);
    }
    line += ",\"overlaps\":[";
    for (std::size_t k = 0; k < fc.overlaps.size(); ++k) {
      const auto& o = fc.overlaps[k];
      if (k) line += ',';
      line += layer_prefix_[o.control];
      append_number(line, o.area_m2);
      line += ",\"share\":";
      append_number(line, o.share);
      if (!o.geojson.empty()) line += ",\"geometry\":" + o.geojson;
      line += '}';
    }
    line += "]}";
  }
  void geojson_lines(std::string& text, const std::vector<LayerVersion>& controls,
                     const services::FeatureCheck& fc) {
    for (const auto& o : fc.overlaps) {
      ordered_json props{{"type", "overlap"},
                         {"feature_id", fc.feature_id},
                         {"project_id", fc.project_id},
                         {"layer", controls[o.control].layer},
                         {"kind", to_string(controls[o.control].kind)},
                         {"area_m2", o.area_m2},
                         {"share", o.share}};
      text += ",\n{\"type\":\"Feature\",\"properties\":" + props.dump() +
              ",\"geometry\":" + (o.geojson.empty() ? std::string("null") : o.geojson) + "}";
      any_geojson_ = true;
    }
  }

  std::string format_;
  FILE* spool_ = nullptr;
  std::size_t written_ = 0;
  bool any_geojson_ = false;
  std::vector<std::string> layer_prefix_;
  std::vector<double> totals_;
  std::vector<int> counts_;
};

void write_json(FILE* out, const services::CheckResult& r, FeatureWriter& features) {
  ordered_json head{{"target", {{"layer", r.target.layer}, {"version", r.target.version}}}};
  ordered_json controls = ordered_json::array();
  for (const auto& c : r.controls)
    controls.push_back({{"layer", c.layer}, {"kind", to_string(c.kind)}, {"version", c.version}});
  std::fprintf(out, "{\"schema\":\"gongzhi.check/1\",\"target\":%s,\"controls\":%s,\n\"findings\":[",
               head["target"].dump().c_str(), controls.dump().c_str());
  bool first = true;
  for (const auto& f : r.findings) {
    ordered_json j = finding_json(f);
    if (!f.geojson.empty()) j["geometry"] = ordered_json::parse(f.geojson);
    std::fprintf(out, "%s\n%s", first ? "" : ",", j.dump().c_str());
    first = false;
  }
  std::fputs("],\n\"features\":[", out);
  features.copy_to(out);
  ordered_json summary{{"features", r.feature_count}, {"findings", r.findings.size()}};
  ordered_json by_rule = ordered_json::object(), area_by_rule = ordered_json::object();
  for (const auto& [rule, count] : r.findings_by_rule) {
    by_rule[rule] = count;
    area_by_rule[rule] = r.area_by_rule.at(rule);
  }
  summary["by_rule"] = by_rule;
  summary["area_m2_by_rule"] = area_by_rule;
  std::fprintf(out, "],\n\"summary\":%s}\n", summary.dump().c_str());
}

void write_geojson(FILE* out, const services::CheckResult& r, FeatureWriter& features) {
  std::fputs("{\"type\":\"FeatureCollection\",\"features\":[", out);
  bool first = true;
  for (const auto& f : r.findings) {
    ordered_json props = finding_json(f);
    props["type"] = "finding";
    std::fprintf(out, "%s\n{\"type\":\"Feature\",\"properties\":%s,\"geometry\":%s}", first ? "" : ",",
                 props.dump().c_str(), f.geojson.empty() ? "null" : f.geojson.c_str());
    first = false;
  }
  // The overlap features were spooled each with a leading ",\n"; the first after no finding
  // drops its comma.
  if (first && features.any_geojson()) {
    FILE* tmp = std::tmpfile();
    if (!tmp) throw Error("cannot create a temporary file for the check's results");
    features.copy_to(tmp);
    std::rewind(tmp);
    std::fgetc(tmp);  // the comma
    char buf[1 << 16];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, tmp)) > 0) std::fwrite(buf, 1, n, out);
    std::fclose(tmp);
  } else {
    features.copy_to(out);
  }
  std::fputs("]}\n", out);
}

void write_table(FILE* out, const services::CheckResult& r, const FeatureWriter& features) {
  std::fprintf(out, "合规性审查 compliance check: layer %s v%d, %zu features\n", r.target.layer.c_str(),
               r.target.version, r.feature_count);
  std::fprintf(out, "管控图层 control layers:");
  for (const auto& c : r.controls) std::fprintf(out, " %s(%s v%d)", c.layer.c_str(), std::string(to_string(c.kind)).c_str(), c.version);
  std::fprintf(out, "\n\n");
  std::vector<double> totals = features.totals();
  std::vector<int> counts = features.counts();
  totals.resize(r.controls.size());
  counts.resize(r.controls.size());
  std::fprintf(out, "%-24s %10s %16s %14s\n", "overlap with", "features", "area m2", "area mu");
  for (std::size_t c = 0; c < r.controls.size(); ++c)
    std::fprintf(out, "%-24s %10d %16.2f %14.2f\n", r.controls[c].layer.c_str(), counts[c], totals[c],
                 totals[c] / kSquareMetresPerMu);
  std::fprintf(out, "\n");
  if (r.findings.empty()) {
    std::fprintf(out, "无问题 no findings\n");
    return;
  }
  std::fprintf(out, "%-12s %-14s %-30s %-8s %14s %8s  %s\n", "feature", "project", "rule", "severity",
               "area m2", "share", "规则");
  for (const auto& f : r.findings)
    std::fprintf(out, "%-12s %-14s %-30s %-8s %14.2f %7.1f%%  %s\n", f.feature_id.c_str(),
                 f.project_id.c_str(), f.rule->id.c_str(), f.rule->severity.c_str(), f.area_m2,
                 f.share * 100, f.rule->name_zh.c_str());
  std::fprintf(out, "\n%zu findings:", r.findings.size());
  for (const auto& [rule, count] : r.findings_by_rule) std::fprintf(out, " %s=%d", rule.c_str(), count);
  std::fprintf(out, "\n");
}
}  // namespace

void add_check_command(CLI::App& app, Action& action) {
  struct Options {
    std::string db, layer, format = "table", output, rules;
    std::optional<int> version;
    bool geometry = false;
    std::vector<std::string> against;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "check",
      "Check every feature of a layer (projects, planned changes) against the ecological red line,\n"
      "permanent basic farmland, urban development boundary and village plans: overlap areas\n"
      "(ellipsoidal m²), shares, geometries, and findings of the rules in data/rules.json.\n"
      "Exit code 0 when clean, 3 when findings exist, 1 on errors, 2 on bad usage.");
  cmd->add_option("--db", o->db, "SQLite file, or pg:CONNINFO / postgresql://… for PostgreSQL")->required();
  cmd->add_option("--layer", o->layer, "layer to check")->required();
  cmd->add_option("--version", o->version, "layer version (default: latest)");
  cmd->add_option("--format", o->format, "table, json or geojson")
      ->check(CLI::IsMember({"table", "json", "geojson"}));
  cmd->add_option("--output", o->output, "output file (default stdout)");
  cmd->add_option("--rules", o->rules, "rule file (default data/rules.json)");
  cmd->add_flag("--geometry", o->geometry, "include overlap geometries in json output");
  cmd->add_option("--against", o->against,
                  "layers or kinds to check against, comma separated (default: every control\n"
                  "line and village plan), e.g. ecological_redline,permanent_basic_farmland")
      ->delimiter(',');
  cmd->callback([o, &action] {
    action = [o] {
      auto store = storage::Store::open(o->db);
      std::optional<RuleSet> custom;
      if (!o->rules.empty()) custom = RuleSet::parse(read_file(o->rules), o->rules);
      ProgressBar bar("check " + o->layer);
      services::CheckRequest req{o->layer, o->version, o->format == "geojson" || o->geometry,
                                 o->against};
      FeatureWriter features(o->format);
      req.feature_sink = [&](const std::vector<LayerVersion>& controls,
                             std::vector<services::FeatureCheck>&& chunk) {
        features.add(controls, std::move(chunk));
      };
      auto r = services::compliance_check(*store, req, custom ? *custom : RuleSet::standard(),
                                          [&](auto d, auto t) { bar.update(d, t); });
      bar.finish();
      FILE* out = stdout;
      if (!o->output.empty()) {
        out = std::fopen(o->output.c_str(), "w");
        if (!out) throw Error("cannot write " + o->output);
      }
      if (o->format == "json") write_json(out, r, features);
      else if (o->format == "geojson") write_geojson(out, r, features);
      else write_table(out, r, features);
      if (out != stdout) std::fclose(out);
      return r.findings.empty() ? kExitOk : kExitFindings;
    };
  });
}

}  // namespace gz::cli
