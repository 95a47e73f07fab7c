// Reallocation plans as background jobs (docs/rights.md, "Plans as background jobs"): the request
// is checked at once (who, which project, state, tolerance, layer), a job row is stored and audited,
// and the engine runs on the service's worker pool; its progress, and the end (the plan recorded,
// or the error a synchronous call would have answered), go to the job row and, as events
// `rights.plan_job`, to the live feed of everyone who may see the project. One job per project
// is queued or running at a time.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "services/rights.h"
#include "services/rights_plan_jobs.h"
#include "storage/sql_identity_store.h"

namespace gz::services {

using storage::ProjectTx;
using json = nlohmann::json;

namespace {

constexpr const char* kJobTables = R"sql(
CREATE TABLE IF NOT EXISTS realloc_plan_jobs(
  id {id}, project_id bigint NOT NULL REFERENCES projects(id), status text NOT NULL,
  stage text NOT NULL DEFAULT '', done bigint NOT NULL DEFAULT 0, total bigint NOT NULL DEFAULT 0,
  input text NOT NULL, plan_id bigint NOT NULL DEFAULT 0, error_status bigint NOT NULL DEFAULT 0,
  error_code text NOT NULL DEFAULT '', error_zh text NOT NULL DEFAULT '',
  error_en text NOT NULL DEFAULT '', created_by text NOT NULL, created_at text NOT NULL,
  updated_at text NOT NULL, finished_at text NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS realloc_plan_jobs_by_project ON realloc_plan_jobs(project_id);
)sql";

constexpr const char* kJobColumns =
    "id, project_id, status, stage, done, total, plan_id, error_status, error_code, error_zh, "
    "error_en, created_by, created_at, updated_at, finished_at";

// A queued or running job's process stamps it at least this often (the heartbeat), besides
// its progress writes: 5 s, or GONGZHI_JOB_HEARTBEAT_SECONDS (1–60; tests make it short).
std::chrono::seconds heartbeat_every() {
  static const std::chrono::seconds every = [] {
    const char* env = std::getenv("GONGZHI_JOB_HEARTBEAT_SECONDS");
    int s = env ? std::atoi(env) : 5;
    return std::chrono::seconds(s >= 1 && s <= 60 ? s : 5);
  }();
  return every;
}
// A queued or running job not heard of for six beats belongs to a process that died: it is
// reported failed (job_abandoned) and no longer blocks the project.
std::chrono::seconds abandoned_after() { return heartbeat_every() * 6; }
// Progress is written (and sent) at most this often within one stage.
constexpr auto kProgressEvery = std::chrono::seconds(1);

std::string num(std::int64_t v) { return std::to_string(v); }
std::int64_t to_int(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

PlanJob job_of(const storage::SqlSession::Row& r) {
  PlanJob j;
  j.id = to_int(r[0]);
  j.project_id = to_int(r[1]);
  j.status = r[2];
  j.stage = r[3];
  j.done = to_int(r[4]);
  j.total = to_int(r[5]);
  j.plan_id = to_int(r[6]);
  j.error_status = static_cast<int>(to_int(r[7]));
  j.error_code = r[8];
  j.error_zh = r[9];
  j.error_en = r[10];
  j.created_by = r[11];
  j.created_at = r[12];
  j.updated_at = r[13];
  j.finished_at = r[14];
  return j;
}

// The time `ago` before now in the project store's format (ISO 8601 UTC with microseconds),
// which sorts as text.
std::string iso_before(std::chrono::seconds ago) {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - ago);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
  return buf;
}

std::string abandoned_cutoff() {
  return iso_before(abandoned_after());
}

// A queued or running job not heard of since `cutoff`: its process died. It is failed from then
// on, whether or not its row has been marked yet (the next plan request marks it).
bool abandoned(const PlanJob& j, const std::string& cutoff) {
  return (j.status == "queued" || j.status == "running") && j.updated_at < cutoff;
}

void mark_abandoned(PlanJob& j, const std::string& when) {
  j.status = "failed";
  j.error_status = 503;
  j.error_code = "job_abandoned";
  j.error_zh = "计算任务所在的服务进程已停止，任务未完成";
  j.error_en = "the server process running the job stopped before it ended";
  j.finished_at = when;
}

// The job as users see it: an abandoned one as failed.
PlanJob as_seen(PlanJob j, const std::string& cutoff) {
  if (abandoned(j, cutoff)) mark_abandoned(j, j.updated_at);
  return j;
}

std::optional<PlanJob> job_row(ProjectTx& tx, std::int64_t project_id, std::int64_t id) {
  auto rows = tx.session().query(std::string("SELECT ") + kJobColumns +
                                     " FROM realloc_plan_jobs WHERE id = CAST($1 AS bigint) AND "
                                     "project_id = CAST($2 AS bigint)",
                                 {num(id), num(project_id)});
  if (rows.empty()) return std::nullopt;
  return job_of(rows[0]);
}

void job_event(ProjectTx& tx, const storage::ProjectRecord& p, const PlanJob& j) {
  json payload = {{"code", p.code},   {"job", j.id},     {"status", j.status},
                  {"stage", j.stage}, {"done", j.done},  {"total", j.total}};
  if (j.plan_id) payload["plan"] = j.plan_id;
  if (j.status == "failed")
    payload["error"] = {{"status", j.error_status},
                        {"code", j.error_code},
                        {"message_zh", j.error_zh},
                        {"message_en", j.error_en}};
  tx.insert_event({0, "", "rights.plan_job", p.id, p.region_code, "", dump(payload)});
}

// What a synchronous call would have answered: status by type, code and messages.
void describe_error(const std::exception& e, PlanJob& j) {
  j.error_en = e.what();
  if (const auto* x = dynamic_cast<const Explained*>(&e)) {
    j.error_code = x->code();
    j.error_zh = x->message_zh();
  }
  if (dynamic_cast<const NotFoundError*>(&e)) j.error_status = 404;
  else if (dynamic_cast<const PermissionError*>(&e)) j.error_status = 403;
  else if (dynamic_cast<const ConflictError*>(&e)) j.error_status = 409;
  else if (dynamic_cast<const UsageError*>(&e) || dynamic_cast<const InputError*>(&e)) j.error_status = 400;
  else {
    // Storage and unexpected failures name nothing of the database to the client.
    j.error_status = 503;
    j.error_code = "plan_job_failed";
    j.error_zh = "计算权属调整方案时数据服务出错，请稍后重试";
    j.error_en = "the plan could not be computed or stored; try again later";
    return;
  }
  if (j.error_code.empty()) {
    j.error_code = j.error_status == 404 ? "not_found" : "plan_rejected";
    j.error_zh = "权属调整方案未能生成";
  }
}

}  // namespace

void RightsService::init_plan_jobs() {
  store_.ensure_tables(kJobTables);
  jobs_ = std::make_unique<PlanJobs>(1);
  jobs_->heartbeat = std::jthread([this](std::stop_token stop) {
    std::mutex m;
    std::condition_variable_any wake;
    for (;;) {
      {
        std::unique_lock lock(m);
        if (wake.wait_for(lock, stop, heartbeat_every(), [] { return false; }) || stop.stop_requested())
          return;
      }
      std::vector<std::string> ids;
      {
        std::lock_guard lock(jobs_->mutex);
        for (auto id : jobs_->ids) ids.push_back(num(id));
      }
      if (ids.empty()) continue;
      try {
        store_.write([&](ProjectTx& tx) {
          std::string now = tx.now();
          for (const auto& id : ids)
            tx.session().query(
                "UPDATE realloc_plan_jobs SET updated_at = $2 WHERE id = CAST($1 AS bigint) AND "
                "status IN ('queued', 'running')",
                {id, now});
        });
      } catch (const std::exception&) {
        // The store is away for now: the next beat tries again (well within abandoned_after).
      }
    }
  });
}

RightsService::~RightsService() {
  if (jobs_) jobs_->pool.join();  // running jobs finish; their rows say how they ended
}

void RightsService::wait_for_plan_jobs() {
  std::unique_lock lock(jobs_->mutex);
  jobs_->changed.wait(lock, [&] { return jobs_->active == 0; });
}

PlanJob RightsService::start_plan_job(const User& user, std::int64_t project_id,
                                      const ReallocPlanInput& in) {
  check_plan_request(user, project_id, in);
  json input = {{"parcels_layer", in.parcels_layer}, {"units_layer", in.units_layer},
                {"unit", in.unit},                   {"tolerance", in.tolerance},
                {"stay", in.stay}};
  if (in.version) input["version"] = *in.version;
  PlanJob job = store_.write([&](ProjectTx& tx) {
    auto p = tx.project(project_id);
    if (!p) throw NotFoundError("project " + num(project_id) + " does not exist");
    std::string cutoff = abandoned_cutoff();
    for (auto& r : tx.session().query(
             std::string("SELECT ") + kJobColumns +
                 " FROM realloc_plan_jobs WHERE project_id = CAST($1 AS bigint) AND status IN "
                 "('queued', 'running') ORDER BY id",
             {num(project_id)})) {
      PlanJob old = job_of(r);
      if (!abandoned(old, cutoff))
        throw RuleError("plan_job_running",
                        "该项目已有权属调整方案正在计算（任务 " + num(old.id) + "），请等待其完成",
                        "a reallocation plan of this project is being computed (job " +
                            num(old.id) + "); wait for it to end");
      mark_abandoned(old, tx.now());
      tx.session().query(
          "UPDATE realloc_plan_jobs SET status = $2, error_status = CAST($3 AS bigint), "
          "error_code = $4, error_zh = $5, error_en = $6, updated_at = $7, finished_at = $7 "
          "WHERE id = CAST($1 AS bigint)",
          {num(old.id), old.status, num(old.error_status), old.error_code, old.error_zh,
           old.error_en, old.finished_at});
      tx.audit({"system", "rights.plan_job_abandoned", "project:" + p->code,
                dump({{"job", old.id}})});
      job_event(tx, *p, old);
    }
    PlanJob j;
    j.project_id = project_id;
    j.status = "queued";
    j.created_by = actor_of(user);
    j.created_at = j.updated_at = tx.now();
    auto rows = tx.session().query(
        "INSERT INTO realloc_plan_jobs(project_id, status, input, created_by, created_at, "
        "updated_at) VALUES(CAST($1 AS bigint), 'queued', $2, $3, $4, $4) RETURNING id",
        {num(project_id), dump(input), j.created_by, j.created_at});
    j.id = to_int(rows.at(0).at(0));
    tx.audit({actor_of(user), "rights.plan_job_start", "project:" + p->code,
              dump({{"job", j.id}, {"input", input}})});
    job_event(tx, *p, j);
    return j;
  });
  {
    std::lock_guard lock(jobs_->mutex);
    ++jobs_->active;
    jobs_->ids.insert(job.id);
  }
  boost::asio::post(jobs_->pool, [this, user, project_id, in, id = job.id] {
    run_plan_job(user, project_id, in, id);
    std::lock_guard lock(jobs_->mutex);
    --jobs_->active;
    jobs_->ids.erase(id);
    jobs_->changed.notify_all();
  });
  return job;
}

void RightsService::run_plan_job(const User& user, std::int64_t project_id,
                                 const ReallocPlanInput& in, std::int64_t id) {
  // One write of the job's row with its event; failures to report progress never stop the plan.
  auto update = [&](const std::function<void(PlanJob&)>& change, bool audit_failure = false) {
    store_.write([&](ProjectTx& tx) {
      auto p = tx.project(project_id);
      auto j = job_row(tx, project_id, id);
      if (!p || !j) return;
      change(*j);
      j->updated_at = tx.now();
      tx.session().query(
          "UPDATE realloc_plan_jobs SET status = $2, stage = $3, done = CAST($4 AS bigint), "
          "total = CAST($5 AS bigint), plan_id = CAST($6 AS bigint), error_status = CAST($7 AS "
          "bigint), error_code = $8, error_zh = $9, error_en = $10, updated_at = $11, "
          "finished_at = $12 WHERE id = CAST($1 AS bigint)",
          {num(j->id), j->status, j->stage, num(j->done), num(j->total), num(j->plan_id),
           num(j->error_status), j->error_code, j->error_zh, j->error_en, j->updated_at,
           j->status == "failed" || j->status == "succeeded" ? j->updated_at : ""});
      if (audit_failure)
        tx.audit({actor_of(user), "rights.plan_job_failed", "project:" + p->code,
                  dump({{"job", j->id}, {"code", j->error_code}})});
      job_event(tx, *p, *j);
    });
  };
  try {
    update([](PlanJob& j) { j.status = "running"; });
    std::string last_stage;
    auto last_write = std::chrono::steady_clock::now();
    auto progress = [&](const std::string& stage, std::int64_t done, std::int64_t total) {
      auto now = std::chrono::steady_clock::now();
      if (stage == last_stage && now - last_write < kProgressEvery) return;
      last_stage = stage;
      last_write = now;
      try {
        update([&](PlanJob& j) {
          j.stage = stage;
          j.done = done;
          j.total = total;
        });
      } catch (const std::exception&) {
        // Progress is a courtesy: the plan goes on; its end is written below.
      }
    };
    record_plan(user, project_id, in, progress, [&](ProjectTx& tx, const ReallocPlan& plan) {
      // The job's end is recorded with the plan, in its transaction.
      auto p = tx.project(project_id);
      auto j = job_row(tx, project_id, id);
      if (!p || !j) return;
      j->status = "succeeded";
      j->plan_id = plan.id;
      j->stage = "done";
      j->done = j->total = plan.households;
      j->updated_at = j->finished_at = tx.now();
      tx.session().query(
          "UPDATE realloc_plan_jobs SET status = 'succeeded', stage = 'done', plan_id = CAST($2 AS "
          "bigint), done = CAST($3 AS bigint), total = CAST($3 AS bigint), updated_at = $4, "
          "finished_at = $4 WHERE id = CAST($1 AS bigint)",
          {num(id), num(plan.id), num(plan.households), j->updated_at});
      job_event(tx, *p, *j);
    });
  } catch (const std::exception& e) {
    PlanJob failure;
    describe_error(e, failure);
    try {
      update(
          [&](PlanJob& j) {
            j.status = "failed";
            j.error_status = failure.error_status;
            j.error_code = failure.error_code;
            j.error_zh = failure.error_zh;
            j.error_en = failure.error_en;
          },
          true);
    } catch (const std::exception&) {
      // The store itself is gone: the row stays queued/running and is taken as abandoned later.
    }
  }
}

PlanJob RightsService::plan_job(const User& user, std::int64_t project_id, std::int64_t id) {
  plans(user, project_id);  // the same visibility as the plans
  auto j = store_.read([&](ProjectTx& tx) { return job_row(tx, project_id, id); });
  if (!j) throw NotFoundError("plan job " + num(id) + " of project " + num(project_id) + " does not exist");
  return as_seen(*j, abandoned_cutoff());
}

std::vector<PlanJob> RightsService::plan_jobs(const User& user, std::int64_t project_id) {
  plans(user, project_id);
  std::string cutoff = abandoned_cutoff();
  return store_.read([&](ProjectTx& tx) {
    std::vector<PlanJob> out;
    for (auto& r : tx.session().query(std::string("SELECT ") + kJobColumns +
                                          " FROM realloc_plan_jobs WHERE project_id = CAST($1 AS "
                                          "bigint) ORDER BY id DESC LIMIT 20",
                                      {num(project_id)}))
      out.push_back(as_seen(job_of(r), cutoff));
    return out;
  });
}

}  // namespace gz::services
