#include "http/download_routes.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "http/api_support.h"
#include "services/auth.h"
#include "services/export_layer.h"
#include "services/project_parts.h"
#include "services/project_sheets.h"
#include "services/tiles.h"

namespace gz::http {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kChunk = 256 * 1024;
// Sent and not yet written: more than this and the feeder waits for the client.
constexpr std::size_t kPendingLimit = 1 << 20;

struct DownloadFormat {
  services::ExportFormat format;
  const char* extension;
  const char* content_type;
};

DownloadFormat download_format(const std::string& name) {
  if (name.empty() || name == "gpkg")
    return {services::ExportFormat::gpkg, ".gpkg", "application/geopackage+sqlite3"};
  if (name == "shp") return {services::ExportFormat::shp, ".shp.zip", "application/zip"};
  if (name == "txt") return {services::ExportFormat::txt, ".txt", "text/plain; charset=GBK"};
  throw ApiError{400, "invalid_format", "format 应为 gpkg、shp 或 txt",
                 "format must be gpkg, shp or txt"};
}


// A private directory for one download, removed with the file once sent (or on failure).
fs::path make_work_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/gongzhi-download-XXXXXX";
  if (!mkdtemp(templ.data())) throw Error("cannot create a temporary directory for a download");
  return templ;
}

// Reads `file` in chunks into the sink, keeping at most about kPendingLimit in flight, then
// removes `dir`.
void feed(std::shared_ptr<StreamSink> sink, fs::path file, fs::path dir) {
  {
    std::ifstream in(file, std::ios::binary);
    std::string chunk(kChunk, '\0');
    while (in && !sink->closed()) {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      auto n = static_cast<std::size_t>(in.gcount());
      if (n == 0) break;
      while (sink->pending_bytes() > kPendingLimit && !sink->closed())
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (!sink->send(chunk.substr(0, n))) break;
    }
  }
  sink->close();
  std::error_code ec;
  fs::remove_all(dir, ec);
}


}  // namespace

// RFC 6266 / 8187: the UTF-8 name percent-encoded, with an ASCII fallback.
std::string content_disposition(const std::string& name) {
  std::string encoded;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      encoded += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      encoded += buf;
    }
  }
  auto dot = name.find('.');
  std::string extension = dot == std::string::npos ? "" : name.substr(dot);
  bool ascii = std::all_of(extension.begin(), extension.end(), [](unsigned char c) { return std::isalnum(c) || c == '.'; });
  return "attachment; filename=\"download" + (ascii ? extension : "") + "\"; filename*=UTF-8''" + encoded;
}

Response file_download(const std::string& name, const char* content_type,
                       const std::function<void(const std::string&)>& write) {
  fs::path dir = make_work_dir();
  fs::path file = dir / name;
  try {
    write(file.string());
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    throw;
  }
  Response res{200, content_type, {}, {{"Content-Disposition", content_disposition(name)}}};
  res.stream = [file, dir](std::shared_ptr<StreamSink> sink) {
    std::thread(feed, std::move(sink), file, dir).detach();
  };
  return res;
}

namespace {

// The export gave up because nobody reads the download any more (the page was left, the
// server stops).
struct DownloadAbandoned {};

std::string json_line(const nlohmann::json& j) { return j.dump() + "\n"; }

}  // namespace

Response progress_download(boost::asio::thread_pool& pool, const std::string& name,
                           const char* content_type, ProgressWrite write) {
  Response res{200, kProgressDownloadType, {}, {{"Cache-Control", "no-store"}}};
  res.stream = [&pool, name, type = std::string(content_type),
                write = std::move(write)](std::shared_ptr<StreamSink> sink) {
    sink->send(json_line({{"phase", "queued"}}));
    boost::asio::post(pool, [sink, name, type, write] {
      fs::path dir;
      try {
        if (sink->closed()) throw DownloadAbandoned{};
        dir = make_work_dir();
        fs::path file = dir / name;
        auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
        sink->send(json_line({{"phase", "export"}, {"done", 0}, {"total", nullptr}}));
        write(file.string(), [&](std::int64_t done, std::int64_t total) {
          if (sink->closed()) throw DownloadAbandoned{};
          auto now = std::chrono::steady_clock::now();
          if (now - last < std::chrono::milliseconds(250) && done < total) return;
          last = now;
          sink->send(json_line({{"phase", "export"}, {"done", done}, {"total", total}}));
        });
        std::error_code ec;
        auto size = fs::file_size(file, ec);
        if (ec) throw Error("the written download " + file.filename().string() + " is gone");
        sink->send(json_line({{"phase", "file"}, {"name", name}, {"type", type}, {"size", size}}));
        feed(sink, file, dir);  // removes dir
        return;
      } catch (const DownloadAbandoned&) {
      } catch (const ApiError& e) {
        sink->send(json_line({{"phase", "error"}, {"code", e.code}, {"message_zh", e.message_zh},
                              {"message_en", e.message_en}}));
      } catch (const gz::Error& e) {
        ApiError a = api_error_of(e);
        sink->send(json_line({{"phase", "error"}, {"code", a.code}, {"message_zh", a.message_zh},
                              {"message_en", a.message_en}}));
      } catch (const std::exception&) {
        sink->send(json_line({{"phase", "error"}, {"code", "internal"},
                              {"message_zh", "导出失败，请稍后重试"},
                              {"message_en", "the export failed; try again later"}}));
      }
      sink->close();
      if (!dir.empty()) {
        std::error_code ec;
        fs::remove_all(dir, ec);
      }
    });
  };
  return res;
}

Response xlsx_download(const services::ReportSheet& sheet) {
  return file_download(sheet.file_stem + ".xlsx", kXlsxType,
                       [&](const std::string& path) { services::write_report_xlsx(sheet, path); });
}

void add_download_routes(Router& r, storage::Store& store, storage::IdentityStore& identity,
                         const ProjectDownloadServices& svc) {
  // Layer exports asked for with progress run here, one at a time (each is CPU-bound); the pool
  // lives as long as the route, so a server that stops waits for the running one, which gives up
  // at its next feature once the stream is closed.
  auto pool = std::make_shared<boost::asio::thread_pool>(1);
  r.add("GET", "/api/v1/layers/{layer}/download",
        [&store, &identity, pool](const Request& req, const PathParams& p) {
          User user = signed_in(identity, req);
          ApiError not_found{404, "layer_not_found", "图层不存在", "layer not found"};
          // Outside the caller's grants a layer answers exactly as one that does not exist.
          if (!services::may_see_map_data(user, identity.regions())) throw not_found;
          auto q = query_params(req);
          DownloadFormat f = download_format(q.count("format") ? q.at("format") : "");
          std::optional<int> version;
          if (q.count("version")) {
            const std::string& v = q.at("version");
            bool digits = !v.empty() && v.size() <= 9 &&
                          v.find_first_not_of("0123456789") == std::string::npos;
            if (!digits || std::stoi(v) < 1)
              throw ApiError{400, "invalid_version", "version 参数应为正整数",
                             "version must be a positive integer"};
            version = std::stoi(v);
          }
          LayerVersion v;
          try {
            storage::validate_layer_name(p.at("layer"));
            v = store.layer_version(p.at("layer"), version);
          } catch (const NotFoundError&) {
            throw not_found;
          } catch (const UsageError&) {
            throw not_found;
          }
          std::string name = v.layer + "-v" + std::to_string(v.version) + f.extension;
          if (q.count("progress") && q.at("progress") == "1")
            return progress_download(*pool, name, f.content_type,
                                     [&store, v, format = f.format](const std::string& path,
                                                                    const services::ExportProgress& progress) {
                                       services::ExportRequest er;
                                       er.layer = v.layer;
                                       er.version = v.version;
                                       er.format = format;
                                       er.output = path;
                                       services::export_layer(store, er, progress);
                                     });
          return file_download(name, f.content_type, [&](const std::string& path) {
            services::ExportRequest er;
            er.layer = v.layer;
            er.version = v.version;
            er.format = f.format;
            er.output = path;
            services::export_layer(store, er);
          });
        });
  if (!svc.projects) return;
  auto* projects = svc.projects;
  r.add("GET", "/api/v1/projects/{id}/download",
        [&identity, projects](const Request& req, const PathParams& pp) {
          User user = signed_in(identity, req);
          auto id = id_param(pp, "id");
          // Outside the caller's grants the project answers 404 as one that does not exist,
          // before the request is looked at.
          projects->get(user, id);
          auto q = query_params(req);
          services::ProjectPart part;
          try {
            part = services::parse_project_part(q.count("part") ? q.at("part") : "");
          } catch (const UsageError&) {
            throw ApiError{400, "invalid_part", "part 应为 boundary（项目区范围）或 new_cultivated（新增耕地地块）",
                           "part must be boundary or new_cultivated"};
          }
          DownloadFormat f = download_format(q.count("format") ? q.at("format") : "");
          auto got = services::project_part(*projects, user, id, part);
          std::string name = got.project.code + "-" + services::part_name_zh(part) + f.extension;
          return file_download(name, f.content_type, [&](const std::string& path) {
            services::ExportRequest er;
            er.format = f.format;
            er.output = path;
            services::export_features(got.project.code + "_" + std::string(services::to_string(part)),
                                      std::move(got.features), er);
          });
        });
  r.add("GET", "/api/v1/projects/{id}/sheets/{sheet}",
        [&store, &identity, svc](const Request& req, const PathParams& pp) {
          User user = signed_in(identity, req);
          auto id = id_param(pp, "id");
          svc.projects->get(user, id);  // 404 outside the caller's grants, before anything else
          auto q = query_params(req);
          if (q.count("format") && q.at("format") != "xlsx")
            throw ApiError{400, "invalid_format", "format 应为 xlsx", "format must be xlsx"};
          services::ProjectSheet kind;
          try {
            kind = services::parse_project_sheet(pp.at("sheet"));
          } catch (const UsageError&) {
            throw ApiError{404, "sheet_not_found",
                           "没有该报表（可选：balance 结构调整表、findings 审查问题、ledger 资金台账、evaluation 绩效评价）",
                           "no such sheet (balance, findings, ledger or evaluation)"};
          }
          if ((kind == services::ProjectSheet::ledger && !svc.funds) ||
              (kind == services::ProjectSheet::evaluation && !svc.progress))
            throw ApiError{404, "sheet_not_found", "没有该报表", "no such sheet"};
          services::SheetSources src{store, *svc.projects, svc.funds, svc.progress};
          auto sheet = services::project_sheet(src, user, id, kind);
          return xlsx_download(sheet);
        });
}

}  // namespace gz::http
