// The villages' people and economy (人口经济) on both stores: a UTF-8 CSV and a GBK CSV and an
// xlsx import as versions, each with its audit entry; the figures join to the regions (a
// township's totals over its villages, income per head weighted by people, each village's
// latest year); bad rows are refused naming the file, the row, the column and the reason, and
// nothing is stored; `gongzhi import --kind village-figures` does the same from the command line.
#include <gtest/gtest.h>
#include <xlsxwriter.h>

#include "../storage/store_backends.h"
#include "common/error.h"
#include "common/text_encoding.h"
#include "services/village_figures.h"
#include "storage/identity_store.h"
#include "storage/project_store.h"

namespace gz::test {
namespace {

class VillageFiguresTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    identity_ = storage::IdentityStore::open(location(), {.create = true});
    identity_->replace_regions({{"340123", "青岚县"},
                                {"340123100", "城关镇"},
                                {"340123100201", "东村"},
                                {"340123100202", "西村"},
                                {"340123101", "河口乡"},
                                {"340123101201", "南村"}},
                               "test", "cli:test");
    projects_ = storage::ProjectStore::open(location(), {.create = true});
    figures_ = std::make_unique<services::VillageFigureService>(*projects_, *identity_);
  }
  void TearDown() override {
    figures_.reset();
    projects_.reset();
    identity_.reset();
  }
  std::size_t audit_entries(const std::string& action) {
    std::size_t n = 0;
    for (const auto& e : identity_->audit_log()) n += e.action == action;
    return n;
  }
  // The refusal's message, and that nothing was stored by it.
  std::string refused(const std::string& path) {
    auto before = figures_->versions().size();
    auto audits = audit_entries("village_figures.import");
    try {
      figures_->import_file(path, "cli:test");
    } catch (const InputError& e) {
      EXPECT_EQ(figures_->versions().size(), before);
      EXPECT_EQ(audit_entries("village_figures.import"), audits);
      return e.what();
    }
    ADD_FAILURE() << path << " was accepted";
    return "";
  }

  std::unique_ptr<storage::IdentityStore> identity_;
  std::unique_ptr<storage::ProjectStore> projects_;
  std::unique_ptr<services::VillageFigureService> figures_;
};

constexpr const char* kCsv =
    "村代码,村名,年份,户数,人口,劳动力,外出务工人数,人均收入（元）,集体经济收入（元）\n"
    "340123100201,东村,2023,300,1000,600,200,15000,80000\n"
    "340123100201,东村,2024,310,1020,610,220,16000,\"120,000\"\n"
    "340123100202,西村,2024,200,500,300,100,20000,50000\n"
    "340123101201,南村,2024,100,400,,,,\n";

TEST_P(VillageFiguresTest, figures_join_to_regions_with_totals_for_a_township) {
  write_file(at("figures.csv"), kCsv);
  auto v = figures_->import_file(at("figures.csv"), "cli:test");
  EXPECT_EQ(v.version, 1);
  EXPECT_EQ(v.rows, 4);
  EXPECT_EQ(audit_entries("village_figures.import"), 1u);

  auto town = figures_->figures("340123100");
  ASSERT_TRUE(town.version);
  ASSERT_EQ(town.villages.size(), 2u);
  EXPECT_EQ(town.villages[0].village_code, "340123100201");
  EXPECT_EQ(town.villages[0].year, 2024) << "the latest year";
  EXPECT_EQ(*town.villages[0].people, 1020);
  EXPECT_DOUBLE_EQ(*town.villages[0].collective_income, 120000);
  EXPECT_EQ(*town.total.households, 510);
  EXPECT_EQ(*town.total.people, 1520);
  EXPECT_EQ(*town.total.migrant_workers, 320);
  EXPECT_DOUBLE_EQ(*town.total.income_per_capita, (16000.0 * 1020 + 20000.0 * 500) / 1520);
  EXPECT_DOUBLE_EQ(*town.total.collective_income, 170000);

  auto south = figures_->figures("340123101201");
  ASSERT_EQ(south.villages.size(), 1u);
  EXPECT_EQ(*south.villages[0].people, 400);
  EXPECT_FALSE(south.villages[0].labourers) << "an empty cell is not given, not 0";
  EXPECT_FALSE(south.villages[0].income_per_capita);
  EXPECT_EQ(figures_->figures("340123").villages.size(), 3u);
}

TEST_P(VillageFiguresTest, a_gbk_csv_and_an_xlsx_are_new_versions) {
  write_file(at("gbk.csv"), encode_text(kCsv, "GBK"));
  figures_->import_file(at("gbk.csv"), "cli:test");
  // The same table as a spreadsheet, with the village's people changed.
  const std::string xlsx = at("figures.xlsx");
  lxw_workbook* wb = workbook_new(xlsx.c_str());
  lxw_worksheet* ws = workbook_add_worksheet(wb, "人口经济");
  const char* header[] = {"村代码", "年份", "户数", "人口"};
  for (int c = 0; c < 4; ++c) worksheet_write_string(ws, 0, c, header[c], nullptr);
  worksheet_write_string(ws, 1, 0, "340123100202", nullptr);
  worksheet_write_number(ws, 1, 1, 2025, nullptr);
  worksheet_write_number(ws, 1, 2, 210, nullptr);
  worksheet_write_number(ws, 1, 3, 530, nullptr);
  ASSERT_EQ(workbook_close(wb), LXW_NO_ERROR);
  auto v2 = figures_->import_file(xlsx, "cli:test");
  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(v2.source, "figures.xlsx");
  auto versions = figures_->versions();
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].rows, 4);
  EXPECT_EQ(versions[1].rows, 1);
  EXPECT_EQ(audit_entries("village_figures.import"), 2u);
  // The latest version is the table now: only the west village, 2025.
  auto town = figures_->figures("340123100");
  ASSERT_EQ(town.villages.size(), 1u);
  EXPECT_EQ(town.villages[0].year, 2025);
  EXPECT_EQ(*town.villages[0].people, 530);
  EXPECT_EQ(town.version->version, 2);
}

TEST_P(VillageFiguresTest, bad_rows_are_refused_naming_file_row_column_and_reason) {
  const std::string head = "村代码,年份,户数,人口,人均收入\n";
  struct Case {
    std::string body, row, column, reason;
  };
  const std::vector<Case> cases = {
      {"340123100201,2024,300,1000,15000\n340123100299,2024,1,2,3\n", "row 3", "village_code",
       "unknown village code 340123100299"},
      {"340123100201,2024,300,1000,15000\n340123100201,2024,1,2,3\n", "row 3", "village_code",
       "given twice (rows 2 and 3)"},
      {"340123100201,2024,300,很多,15000\n", "row 2", "people", "'很多' is not a number"},
      {"340123100201,2024,-3,1000,15000\n", "row 2", "households", "cannot be negative"},
      {"340123100201,二〇二四,300,1000,15000\n", "row 2", "year", "is not a year"},
      {"34012310020,2024,300,1000,15000\n", "row 2", "village_code", "not a 12-digit village code"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string path = at("bad" + std::to_string(i) + ".csv");
    write_file(path, head + cases[i].body);
    std::string what = refused(path);
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find(cases[i].row + ","), std::string::npos) << what;
    EXPECT_NE(what.find("(" + cases[i].column + ")"), std::string::npos) << what;
    EXPECT_NE(what.find(cases[i].reason), std::string::npos) << what;
  }
  write_file(at("nohead.csv"), "代码,人数\n340123100201,3\n");
  EXPECT_NE(refused(at("nohead.csv")).find("no column 村代码 (village_code)"), std::string::npos);
  EXPECT_TRUE(figures_->versions().empty());
  EXPECT_FALSE(figures_->figures("340123").version);
}

TEST_P(VillageFiguresTest, the_import_command_stores_a_version_or_nothing) {
  write_file(at("figures.csv"), kCsv);
  figures_.reset();
  projects_.reset();
  identity_.reset();
  auto ok = run({"import", "--db", location(), "--kind", "village-figures", at("figures.csv")});
  ASSERT_EQ(ok.exit_code, 0) << ok.describe();
  EXPECT_NE(ok.out.find("imported village figures version 1: 4 rows"), std::string::npos) << ok.out;
  write_file(at("bad.csv"), "村代码,年份,人口\n340123100201,2024,-1\n");
  auto bad = run({"import", "--db", location(), "--kind", "village-figures", at("bad.csv")});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("row 2, column 人口 (people): a count cannot be negative"), std::string::npos)
      << bad.err;
  auto identity = storage::IdentityStore::open(location());
  auto projects = storage::ProjectStore::open(location());
  services::VillageFigureService figures(*projects, *identity);
  EXPECT_EQ(figures.versions().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, VillageFiguresTest, GZ_ALL_BACKENDS, backend_name);

}  // namespace
}  // namespace gz::test
