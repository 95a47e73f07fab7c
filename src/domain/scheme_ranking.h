// Multi-criteria ranking of alternative schemes (方案比选): criteria weights by the entropy
// method or by AHP (pairwise comparison matrix, principal eigenvector by power iteration,
// consistency ratio against Saaty's random index), and TOPSIS closeness with a per-criterion
// explanation. Pure maths, no I/O; every result is finite (no NaN leaves these functions).
// docs/schemes.md gives the formulas.
#pragma once

#include <string>
#include <vector>

namespace gz {

enum class CriterionDirection { benefit, cost };

// One criterion of the comparison (data/scheme_criteria.json).
struct SchemeCriterion {
  std::string id, name_zh, name_en, unit;
  CriterionDirection direction = CriterionDirection::benefit;
};

// Criteria and the definitions the criteria read (which land-use classes count as ecological).
struct SchemeCriteria {
  std::vector<SchemeCriterion> criteria;
  std::vector<std::string> ecological_class_prefixes;
  const SchemeCriterion* find(const std::string& id) const;
  // Throws InputError naming the entry on malformed files, unknown ids or duplicate ids.
  static SchemeCriteria parse(const std::string& json_text, const std::string& source_name);
  static const SchemeCriteria& standard();  // data/scheme_criteria.json, loaded once
  // The criterion ids the engine knows how to measure.
  static const std::vector<std::string>& known_ids();
};

// Decision matrix: values[i][j] = scheme i on criterion j.
using DecisionMatrix = std::vector<std::vector<double>>;

struct EntropyWeights {
  std::vector<double> weights;     // sum 1
  std::vector<double> entropy;     // e_j in [0, 1]
  std::vector<double> divergence;  // d_j = 1 − e_j
  bool uniform_fallback = false;   // every criterion equal across schemes, or one scheme
};
// Entropy weights from min–max normalised values (direction-aware). A criterion on which all
// schemes are equal carries no information: entropy 1, weight 0. When no criterion separates the
// schemes (or there is one scheme) the weights are uniform and uniform_fallback says so.
EntropyWeights entropy_weights(const DecisionMatrix& values,
                               const std::vector<CriterionDirection>& directions);

// One reason an AHP matrix is refused, naming its cell (row, column; 0-based).
struct AhpCellProblem {
  int row = 0, col = 0;
  double value = 0, expected = 0;
};

struct AhpWeights {
  std::vector<double> weights;  // principal eigenvector, sum 1
  double lambda_max = 0, ci = 0, ri = 0, cr = 0;
  int iterations = 0;
  // Cells that deviate most from the weights (a_ij vs w_i/w_j), largest first: where to look
  // when CR is too high.
  std::vector<AhpCellProblem> most_inconsistent;
};

// Saaty's random consistency index for n = 1..15 (0 for n <= 2).
double saaty_random_index(int n);
// Checks the matrix (square, n = criteria count, entries finite and positive, diagonal 1,
// a_ij · a_ji = 1 within 1%) and computes the weights; throws InvalidRequest with code
// ahp_not_square / ahp_bad_value / ahp_not_reciprocal / ahp_inconsistent naming the cells.
// `labels` name rows and columns in messages.
AhpWeights ahp_weights(const std::vector<std::vector<double>>& matrix,
                       const std::vector<std::string>& labels, double max_cr = 0.1);

// The part one criterion plays in one scheme's closeness.
struct TopsisCell {
  double value = 0;       // raw x_ij
  double normalised = 0;  // r_ij = x_ij / sqrt(Σ_i x_ij²) (0 when the column is all zero)
  double weighted = 0;    // v_ij = w_j · r_ij
  double ideal = 0, anti_ideal = 0;  // A+_j, A−_j
  double to_ideal_sq = 0, to_anti_sq = 0;  // (v − A+)², (v − A−)²
  // (v − A−)² − (v − A+)²: positive when the scheme is nearer the ideal on this criterion; the
  // contributions sum to D−² − D+², whose sign is that of closeness − 0.5.
  double contribution = 0;
};

struct TopsisRow {
  double d_plus = 0, d_minus = 0, closeness = 0;
  int rank = 0;  // 1 = best; equal closeness (within 1e-12) shares a rank
  std::vector<TopsisCell> cells;
};

struct TopsisResult {
  std::vector<TopsisRow> rows;  // in input order
  // True when no scheme differs from another on any weighted criterion: every closeness is 0.5
  // and every rank 1.
  bool all_equal = false;
};

// Throws InvalidRequest when the shapes do not agree or a value or weight is not finite.
TopsisResult topsis(const DecisionMatrix& values, const std::vector<CriterionDirection>& directions,
                    const std::vector<double>& weights);

}  // namespace gz
