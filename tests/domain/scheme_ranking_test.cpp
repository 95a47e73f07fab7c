// The ranking maths of scheme comparison against results worked out by hand: TOPSIS closeness
// on a 3×2 example, entropy weights on a 3×3 example, AHP weights and consistency ratio on a
// consistent matrix and on the textbook 3×3 example; and the bad input of the issue: all-equal
// criteria, one scheme, all-zero columns (no division by zero, nothing NaN), inconsistent and
// non-reciprocal AHP matrices refused naming their cells.
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.h"
#include "domain/scheme_ranking.h"

namespace gz::test {
namespace {

using D = CriterionDirection;

template <class F>
std::pair<std::string, std::string> refusal(F&& f) {
  try {
    f();
  } catch (const InvalidRequest& e) {
    return {e.code(), e.what()};
  }
  return {"none", ""};
}

void expect_finite(const TopsisResult& r) {
  for (const auto& row : r.rows) {
    EXPECT_TRUE(std::isfinite(row.closeness));
    EXPECT_TRUE(std::isfinite(row.d_plus));
    EXPECT_TRUE(std::isfinite(row.d_minus));
    for (const auto& c : row.cells) {
      EXPECT_TRUE(std::isfinite(c.normalised));
      EXPECT_TRUE(std::isfinite(c.weighted));
      EXPECT_TRUE(std::isfinite(c.contribution));
    }
  }
}

TEST(SchemeRanking, topsis_matches_the_hand_computed_closeness) {
  // Benefit column (3, 4, 0) has norm 5 → r = (0.6, 0.8, 0); cost column (4, 3, 0) → (0.8, 0.6, 0);
  // weights ½ → v1 = (0.3, 0.4), v2 = (0.4, 0.3), v3 = (0, 0); A+ = (0.4, 0), A− = (0, 0.4).
  // D+ = (√0.17, 0.3, 0.4), D− = (0.3, √0.17, 0.4): C = (0.421165, 0.578835, 0.5).
  auto r = topsis({{3, 4}, {4, 3}, {0, 0}}, {D::benefit, D::cost}, {0.5, 0.5});
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_NEAR(r.rows[0].closeness, 0.3 / (0.3 + std::sqrt(0.17)), 1e-12);
  EXPECT_NEAR(r.rows[0].closeness, 0.421165, 1e-6);
  EXPECT_NEAR(r.rows[1].closeness, 0.578835, 1e-6);
  EXPECT_NEAR(r.rows[2].closeness, 0.5, 1e-12);
  EXPECT_EQ(r.rows[1].rank, 1);
  EXPECT_EQ(r.rows[2].rank, 2);
  EXPECT_EQ(r.rows[0].rank, 3);
  EXPECT_FALSE(r.all_equal);
  // The explanation: values, normalised values, ideal points, and contributions that sum to
  // D−² − D+².
  const auto& c = r.rows[0].cells;
  EXPECT_DOUBLE_EQ(c[0].value, 3);
  EXPECT_NEAR(c[0].normalised, 0.6, 1e-12);
  EXPECT_NEAR(c[1].normalised, 0.8, 1e-12);
  EXPECT_NEAR(c[0].ideal, 0.4, 1e-12);
  EXPECT_NEAR(c[1].ideal, 0.0, 1e-12);
  EXPECT_NEAR(c[1].anti_ideal, 0.4, 1e-12);
  for (const auto& row : r.rows)
    EXPECT_NEAR(row.cells[0].contribution + row.cells[1].contribution,
                row.d_minus * row.d_minus - row.d_plus * row.d_plus, 1e-12);
  EXPECT_NEAR(r.rows[0].cells[1].contribution, 0.0 - 0.16, 1e-12);  // cost 0.4 vs ideal 0: worst
}

TEST(SchemeRanking, equal_schemes_share_the_first_rank_without_dividing_by_zero) {
  auto r = topsis({{1, 2}, {1, 2}, {1, 2}}, {D::benefit, D::cost}, {0.5, 0.5});
  EXPECT_TRUE(r.all_equal);
  for (const auto& row : r.rows) {
    EXPECT_DOUBLE_EQ(row.closeness, 0.5);
    EXPECT_EQ(row.rank, 1);
  }
  expect_finite(r);

  auto zero = topsis({{0, 0}, {0, 0}}, {D::benefit, D::cost}, {0.5, 0.5});
  expect_finite(zero);
  EXPECT_TRUE(zero.all_equal);
  EXPECT_DOUBLE_EQ(zero.rows[0].cells[0].normalised, 0.0);

  auto one = topsis({{5, 3}}, {D::benefit, D::cost}, {0.5, 0.5});
  expect_finite(one);
  EXPECT_EQ(one.rows[0].rank, 1);
  EXPECT_DOUBLE_EQ(one.rows[0].closeness, 0.5);

  auto w = entropy_weights({{5, 3}}, {D::benefit, D::cost});
  EXPECT_TRUE(w.uniform_fallback);
  EXPECT_DOUBLE_EQ(w.weights[0], 0.5);
  auto same = entropy_weights({{1, 2}, {1, 2}, {1, 2}}, {D::benefit, D::cost});
  EXPECT_TRUE(same.uniform_fallback);
  for (double x : same.weights) EXPECT_DOUBLE_EQ(x, 0.5);

  EXPECT_EQ(refusal([] { topsis({{1, NAN}}, {D::benefit, D::cost}, {0.5, 0.5}); }).first, "not_finite");
  EXPECT_EQ(refusal([] { topsis({{1}}, {D::benefit, D::cost}, {0.5, 0.5}); }).first, "matrix_shape");
}

TEST(SchemeRanking, entropy_weights_match_the_hand_computed_example) {
  // Column 0 (benefit 0, 5, 10) → y = (0, ½, 1) → p = (0, ⅓, ⅔) → e = −(⅓ ln ⅓ + ⅔ ln ⅔)/ln 3.
  // Column 1 is the same in every scheme: no information, weight 0. Column 2 (cost 10, 5, 0)
  // mirrors column 0. So the weights are (½, 0, ½).
  auto w = entropy_weights({{0, 7, 10}, {5, 7, 5}, {10, 7, 0}}, {D::benefit, D::benefit, D::cost});
  double e = -(std::log(1.0 / 3) / 3 + 2 * std::log(2.0 / 3) / 3) / std::log(3.0);
  EXPECT_NEAR(w.entropy[0], e, 1e-12);
  EXPECT_NEAR(w.entropy[0], 0.579380, 1e-6);
  EXPECT_DOUBLE_EQ(w.entropy[1], 1.0);
  EXPECT_NEAR(w.weights[0], 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(w.weights[1], 0.0);
  EXPECT_NEAR(w.weights[2], 0.5, 1e-12);
  EXPECT_FALSE(w.uniform_fallback);
}

TEST(SchemeRanking, ahp_weights_of_consistent_and_textbook_matrices) {
  // Consistent: a_ij = w_i / w_j with w ∝ (4, 2, 1).
  auto c = ahp_weights({{1, 2, 4}, {0.5, 1, 2}, {0.25, 0.5, 1}}, {"a", "b", "c"});
  EXPECT_NEAR(c.weights[0], 4.0 / 7, 1e-9);
  EXPECT_NEAR(c.weights[1], 2.0 / 7, 1e-9);
  EXPECT_NEAR(c.weights[2], 1.0 / 7, 1e-9);
  EXPECT_NEAR(c.lambda_max, 3.0, 1e-9);
  EXPECT_NEAR(c.cr, 0.0, 1e-9);
  // The textbook example (1, 3, 5 / ⅓, 1, 3 / ⅕, ⅓, 1): w ≈ (0.637, 0.258, 0.105),
  // λmax ≈ 3.0385, CI ≈ 0.0193, RI 0.58, CR ≈ 0.033.
  auto t = ahp_weights({{1, 3, 5}, {1.0 / 3, 1, 3}, {0.2, 1.0 / 3, 1}}, {"a", "b", "c"});
  EXPECT_NEAR(t.weights[0], 0.6370, 1e-3);
  EXPECT_NEAR(t.weights[1], 0.2583, 1e-3);
  EXPECT_NEAR(t.weights[2], 0.1047, 1e-3);
  EXPECT_NEAR(t.lambda_max, 3.0385, 1e-3);
  EXPECT_NEAR(t.ri, 0.58, 1e-12);
  EXPECT_NEAR(t.cr, 0.0332, 1e-3);
  // Two criteria are always consistent; one criterion weighs 1.
  EXPECT_NEAR(ahp_weights({{1, 3}, {1.0 / 3, 1}}, {}).weights[0], 0.75, 1e-12);
  EXPECT_DOUBLE_EQ(ahp_weights({{1}}, {}).weights[0], 1.0);
  EXPECT_DOUBLE_EQ(saaty_random_index(4), 0.90);
  EXPECT_DOUBLE_EQ(saaty_random_index(10), 1.49);
}

TEST(SchemeRanking, inconsistent_and_non_reciprocal_ahp_matrices_are_refused_naming_cells) {
  // a prefers b 9:1, b prefers c 9:1, yet c prefers a 9:1.
  auto [code, msg] = refusal([] {
    ahp_weights({{1, 9, 1.0 / 9}, {1.0 / 9, 1, 9}, {9, 1.0 / 9, 1}}, {"cost", "farmland", "redline"});
  });
  EXPECT_EQ(code, "ahp_inconsistent");
  EXPECT_NE(msg.find("CR = "), std::string::npos) << msg;
  EXPECT_NE(msg.find("matrix["), std::string::npos) << msg;
  EXPECT_NE(msg.find("farmland"), std::string::npos) << msg;

  std::tie(code, msg) = refusal([] { ahp_weights({{1, 3, 5}, {1.0 / 3, 1, 2}, {0.2, 1, 1}}, {"a", "b", "c"}); });
  EXPECT_EQ(code, "ahp_not_reciprocal");
  EXPECT_NE(msg.find("matrix[1][2]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("matrix[2][1]"), std::string::npos) << msg;

  EXPECT_EQ(refusal([] { ahp_weights({{1, 3, 5}, {1.0 / 3, 1}, {0.2, 1, 1}}, {}); }).first, "ahp_not_square");
  EXPECT_EQ(refusal([] { ahp_weights({{1, 3}, {1.0 / 3, 1}}, {"a", "b", "c"}); }).first, "ahp_not_square");
  EXPECT_EQ(refusal([] { ahp_weights({{1, 0}, {0, 1}}, {}); }).first, "ahp_bad_value");
  EXPECT_EQ(refusal([] { ahp_weights({{2, 1}, {1, 1}}, {}); }).first, "ahp_bad_value");
  EXPECT_EQ(refusal([] { ahp_weights({{1, NAN}, {1, 1}}, {}); }).first, "ahp_bad_value");
  EXPECT_EQ(refusal([] { ahp_weights({}, {}); }).first, "ahp_not_square");
}

TEST(SchemeRanking, the_criteria_file_names_known_criteria_with_directions) {
  const auto& c = SchemeCriteria::standard();
  ASSERT_GE(c.criteria.size(), 4u);
  ASSERT_NE(c.find("cost_fen"), nullptr);
  EXPECT_EQ(c.find("cost_fen")->direction, D::cost);
  EXPECT_EQ(c.find("new_cultivated_m2")->direction, D::benefit);
  EXPECT_THROW(SchemeCriteria::parse(R"({"criteria": [{"id": "beauty", "name_zh": "美", "name_en": "b",
      "direction": "benefit"}], "ecological_class_prefixes": []})", "t.json"), InputError);
  EXPECT_THROW(SchemeCriteria::parse(R"({"criteria": [{"id": "cost_fen", "name_zh": "a", "name_en": "b",
      "direction": "up"}], "ecological_class_prefixes": []})", "t.json"), InputError);
}

}  // namespace
}  // namespace gz::test
