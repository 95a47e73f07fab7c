#include "domain/scheme_ranking.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "common/data_dir.h"
#include "common/error.h"

namespace gz {

namespace {

std::string fmt(double v, const char* f = "%.4g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string cell_name(const std::vector<std::string>& labels, int i, int j) {
  std::string s = "matrix[" + std::to_string(i) + "][" + std::to_string(j) + "]";
  if (static_cast<std::size_t>(i) < labels.size() && static_cast<std::size_t>(j) < labels.size())
    s += " (" + labels[i] + " : " + labels[j] + ")";
  return s;
}

}  // namespace

// ---- criteria file -----------------------------------------------------------------------------

const std::vector<std::string>& SchemeCriteria::known_ids() {
  static const std::vector<std::string> ids{"new_cultivated_m2",  "construction_reduced_m2",
                                            "ecological_restored_m2", "cost_fen",
                                            "redline_overlap_m2", "pbf_loss_m2",
                                            "compliance_findings", "relocated_households",
                                            "affected_households", "affected_people",
                                            "taken_m2_per_household"};
  return ids;
}

const SchemeCriterion* SchemeCriteria::find(const std::string& id) const {
  for (const auto& c : criteria)
    if (c.id == id) return &c;
  return nullptr;
}

SchemeCriteria SchemeCriteria::parse(const std::string& text, const std::string& source) {
  SchemeCriteria out;
  try {
    auto j = nlohmann::json::parse(text);
    std::set<std::string> seen;
    for (const auto& c : j.at("criteria")) {
      SchemeCriterion k;
      k.id = c.at("id").get<std::string>();
      const auto& known = known_ids();
      if (std::find(known.begin(), known.end(), k.id) == known.end())
        throw InputError(source, k.id, "id", "unknown criterion; the engine measures only these");
      if (!seen.insert(k.id).second) throw InputError(source, k.id, "id", "criterion listed twice");
      k.name_zh = c.at("name_zh").get<std::string>();
      k.name_en = c.at("name_en").get<std::string>();
      k.unit = c.value("unit", "");
      auto d = c.at("direction").get<std::string>();
      if (d == "benefit") k.direction = CriterionDirection::benefit;
      else if (d == "cost") k.direction = CriterionDirection::cost;
      else throw InputError(source, k.id, "direction", "must be benefit or cost");
      out.criteria.push_back(std::move(k));
    }
    if (out.criteria.empty()) throw InputError(source, "", "criteria", "no criteria");
    if (out.criteria.size() > 15)
      throw InputError(source, "", "criteria", "at most 15 criteria (Saaty's random index table)");
    for (const auto& p : j.at("ecological_class_prefixes"))
      out.ecological_class_prefixes.push_back(p.get<std::string>());
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, "", "", std::string("malformed scheme criteria file: ") + e.what());
  }
  return out;
}

const SchemeCriteria& SchemeCriteria::standard() {
  static const SchemeCriteria c = [] {
    std::string path = data_dir() + "/scheme_criteria.json";
    return parse(read_file(path), path);
  }();
  return c;
}

// ---- entropy weights ---------------------------------------------------------------------------

EntropyWeights entropy_weights(const DecisionMatrix& x, const std::vector<CriterionDirection>& dir) {
  const std::size_t m = x.size(), n = dir.size();
  EntropyWeights out;
  out.entropy.assign(n, 1.0);
  out.divergence.assign(n, 0.0);
  out.weights.assign(n, n ? 1.0 / static_cast<double>(n) : 0.0);
  for (const auto& row : x)
    if (row.size() != n)
      throw InvalidRequest("matrix_shape", "决策矩阵的列数与指标数不一致",
                           "decision matrix rows must have one value per criterion");
  if (m < 2 || n == 0) {
    out.uniform_fallback = true;
    return out;
  }
  const double k = 1.0 / std::log(static_cast<double>(m));
  double total = 0;
  for (std::size_t j = 0; j < n; ++j) {
    double lo = x[0][j], hi = x[0][j];
    for (std::size_t i = 0; i < m; ++i) {
      if (!std::isfinite(x[i][j]))
        throw InvalidRequest("not_finite", "决策矩阵含非有限数值", "decision matrix holds a non-finite value");
      lo = std::min(lo, x[i][j]);
      hi = std::max(hi, x[i][j]);
    }
    // Relative to the column's magnitude, so that 1e-9 m² of rounding noise is no information.
    if (hi - lo <= 1e-12 * std::max({1.0, std::fabs(hi), std::fabs(lo)})) continue;
    std::vector<double> y(m);
    double sum = 0;
    for (std::size_t i = 0; i < m; ++i) {
      double t = (x[i][j] - lo) / (hi - lo);
      y[i] = dir[j] == CriterionDirection::benefit ? t : 1.0 - t;
      sum += y[i];
    }
    double h = 0;
    for (std::size_t i = 0; i < m; ++i) {
      double p = y[i] / sum;  // sum > 0: the best scheme has y = 1
      if (p > 0) h -= p * std::log(p);
    }
    out.entropy[j] = std::clamp(k * h, 0.0, 1.0);
    out.divergence[j] = 1.0 - out.entropy[j];
    total += out.divergence[j];
  }
  if (total <= 1e-15) {
    out.uniform_fallback = true;
    return out;
  }
  for (std::size_t j = 0; j < n; ++j) out.weights[j] = out.divergence[j] / total;
  return out;
}

// ---- AHP ---------------------------------------------------------------------------------------

double saaty_random_index(int n) {
  static const double ri[] = {0, 0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59};
  if (n < 0 || n > 15) return 1.59;
  return ri[n];
}

AhpWeights ahp_weights(const std::vector<std::vector<double>>& a,
                       const std::vector<std::string>& labels, double max_cr) {
  const int n = static_cast<int>(a.size());
  if (n == 0 || n > 15)
    throw InvalidRequest("ahp_not_square", "判断矩阵应为 1–15 阶方阵，实为 " + std::to_string(n) + " 行",
                         "the AHP matrix must have 1 to 15 rows, not " + std::to_string(n));
  if (!labels.empty() && static_cast<int>(labels.size()) != n)
    throw InvalidRequest("ahp_not_square",
                         "判断矩阵为 " + std::to_string(n) + " 阶，但比选指标有 " + std::to_string(labels.size()) + " 个",
                         "the AHP matrix has " + std::to_string(n) + " rows but there are " +
                             std::to_string(labels.size()) + " criteria");
  for (int i = 0; i < n; ++i)
    if (static_cast<int>(a[i].size()) != n)
      throw InvalidRequest("ahp_not_square",
                           "判断矩阵第 " + std::to_string(i) + " 行有 " + std::to_string(a[i].size()) + " 个元素，应为 " + std::to_string(n),
                           "row " + std::to_string(i) + " of the AHP matrix has " + std::to_string(a[i].size()) +
                               " entries, not " + std::to_string(n));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      double v = a[i][j];
      if (!std::isfinite(v) || v <= 0)
        throw InvalidRequest("ahp_bad_value", cell_name(labels, i, j) + " = " + fmt(v) + "：判断值须为正数（1/9–9）",
                             cell_name(labels, i, j) + " = " + fmt(v) + ": judgements must be positive (1/9 to 9)");
      if (i == j && std::fabs(v - 1.0) > 1e-9)
        throw InvalidRequest("ahp_bad_value", cell_name(labels, i, j) + " = " + fmt(v) + "：对角线须为 1",
                             cell_name(labels, i, j) + " = " + fmt(v) + ": the diagonal must be 1");
    }
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j)
      if (std::fabs(a[i][j] * a[j][i] - 1.0) > 0.01) {
        std::string both = cell_name(labels, i, j) + " = " + fmt(a[i][j]) + "，" + cell_name(labels, j, i) +
                           " = " + fmt(a[j][i]);
        throw InvalidRequest("ahp_not_reciprocal", both + "：互反矩阵要求 a_ji = 1/a_ij = " + fmt(1.0 / a[i][j]),
                             cell_name(labels, i, j) + " = " + fmt(a[i][j]) + " and " +
                                 cell_name(labels, j, i) + " = " + fmt(a[j][i]) +
                                 ": a reciprocal matrix needs a_ji = 1/a_ij = " + fmt(1.0 / a[i][j]));
      }

  // Power iteration: A is positive, so by Perron–Frobenius its dominant eigenvalue is simple and
  // real with a positive eigenvector, and A^k·w converges to it from any positive start.
  AhpWeights out;
  std::vector<double> w(n, 1.0 / n), next(n);
  for (out.iterations = 1; out.iterations <= 1000; ++out.iterations) {
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      next[i] = 0;
      for (int j = 0; j < n; ++j) next[i] += a[i][j] * w[j];
      sum += next[i];
    }
    double change = 0;
    for (int i = 0; i < n; ++i) {
      next[i] /= sum;
      change = std::max(change, std::fabs(next[i] - w[i]));
    }
    w.swap(next);
    if (change < 1e-13) break;
  }
  double lambda = 0;
  for (int i = 0; i < n; ++i) {
    double aw = 0;
    for (int j = 0; j < n; ++j) aw += a[i][j] * w[j];
    lambda += aw / w[i];
  }
  out.weights = w;
  out.lambda_max = lambda / n;
  out.ci = n > 1 ? std::max(0.0, (out.lambda_max - n) / (n - 1)) : 0.0;
  out.ri = saaty_random_index(n);
  out.cr = out.ri > 0 ? out.ci / out.ri : 0.0;
  std::vector<std::pair<double, AhpCellProblem>> dev;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      double expected = w[i] / w[j];
      double d = std::fabs(std::log(a[i][j] / expected));
      dev.push_back({d, {i, j, a[i][j], expected}});
    }
  std::stable_sort(dev.begin(), dev.end(), [](auto& x, auto& y) { return x.first > y.first; });
  for (std::size_t k = 0; k < dev.size() && k < 3; ++k)
    if (dev[k].first > 1e-9) out.most_inconsistent.push_back(dev[k].second);
  if (out.cr >= max_cr) {
    std::string cells_zh, cells_en;
    for (const auto& c : out.most_inconsistent) {
      cells_zh += (cells_zh.empty() ? "" : "；") + cell_name(labels, c.row, c.col) + " = " + fmt(c.value) +
                  "，权重比为 " + fmt(c.expected, "%.2f");
      cells_en += (cells_en.empty() ? "" : "; ") + cell_name(labels, c.row, c.col) + " = " + fmt(c.value) +
                  " while the weights give " + fmt(c.expected, "%.2f");
    }
    throw InvalidRequest("ahp_inconsistent",
                         "判断矩阵一致性比率 CR = " + fmt(out.cr, "%.3f") + "，须小于 " + fmt(max_cr) +
                             "（λmax = " + fmt(out.lambda_max, "%.3f") + "，CI = " + fmt(out.ci, "%.3f") +
                             "，RI = " + fmt(out.ri, "%.2f") + "）。偏离最大的判断：" + cells_zh,
                         "the AHP matrix is inconsistent: CR = " + fmt(out.cr, "%.3f") + ", must be below " +
                             fmt(max_cr) + " (lambda_max = " + fmt(out.lambda_max, "%.3f") + ", CI = " +
                             fmt(out.ci, "%.3f") + ", RI = " + fmt(out.ri, "%.2f") +
                             "). Most inconsistent judgements: " + cells_en);
  }
  return out;
}

// ---- TOPSIS ------------------------------------------------------------------------------------

TopsisResult topsis(const DecisionMatrix& x, const std::vector<CriterionDirection>& dir,
                    const std::vector<double>& w) {
  const std::size_t m = x.size(), n = dir.size();
  if (w.size() != n)
    throw InvalidRequest("matrix_shape", "权重个数与指标数不一致", "one weight per criterion is needed");
  for (double v : w)
    if (!std::isfinite(v) || v < 0)
      throw InvalidRequest("not_finite", "权重须为非负有限数", "weights must be finite and non-negative");
  for (const auto& row : x) {
    if (row.size() != n)
      throw InvalidRequest("matrix_shape", "决策矩阵的列数与指标数不一致",
                           "decision matrix rows must have one value per criterion");
    for (double v : row)
      if (!std::isfinite(v))
        throw InvalidRequest("not_finite", "决策矩阵含非有限数值", "decision matrix holds a non-finite value");
  }
  TopsisResult out;
  out.rows.resize(m);
  for (auto& r : out.rows) r.cells.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    double norm = 0;
    for (std::size_t i = 0; i < m; ++i) norm += x[i][j] * x[i][j];
    norm = std::sqrt(norm);
    double best = 0, worst = 0;
    for (std::size_t i = 0; i < m; ++i) {
      auto& c = out.rows[i].cells[j];
      c.value = x[i][j];
      c.normalised = norm > 0 ? x[i][j] / norm : 0.0;
      c.weighted = w[j] * c.normalised;
      best = i == 0 ? c.weighted : std::max(best, c.weighted);
      worst = i == 0 ? c.weighted : std::min(worst, c.weighted);
    }
    double ideal = dir[j] == CriterionDirection::benefit ? best : worst;
    double anti = dir[j] == CriterionDirection::benefit ? worst : best;
    for (std::size_t i = 0; i < m; ++i) {
      auto& c = out.rows[i].cells[j];
      c.ideal = ideal;
      c.anti_ideal = anti;
      c.to_ideal_sq = (c.weighted - ideal) * (c.weighted - ideal);
      c.to_anti_sq = (c.weighted - anti) * (c.weighted - anti);
      c.contribution = c.to_anti_sq - c.to_ideal_sq;
      out.rows[i].d_plus += c.to_ideal_sq;
      out.rows[i].d_minus += c.to_anti_sq;
    }
  }
  bool all_equal = true;
  for (auto& r : out.rows) {
    r.d_plus = std::sqrt(r.d_plus);
    r.d_minus = std::sqrt(r.d_minus);
    double span = r.d_plus + r.d_minus;
    // D+ + D− = 0 only when this scheme sits on both the ideal and the anti-ideal, i.e. nothing
    // separates any scheme: it is neither better nor worse than the others.
    if (span > 1e-15) {
      r.closeness = r.d_minus / span;
      all_equal = false;
    } else {
      r.closeness = 0.5;
    }
  }
  out.all_equal = m > 0 && all_equal;
  for (std::size_t i = 0; i < m; ++i) {
    int better = 0;
    for (std::size_t k = 0; k < m; ++k)
      if (out.rows[k].closeness > out.rows[i].closeness + 1e-12) ++better;
    out.rows[i].rank = better + 1;
  }
  return out;
}

}  // namespace gz
