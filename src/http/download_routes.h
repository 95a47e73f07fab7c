// GET /api/v1/layers/{layer}/download?format=gpkg|shp|txt[&version=N]: a layer version as a
// file, written by the same exporter as `gongzhi export` (services/export_layer.h) and streamed
// to the client. Who may see the map data may download it; everyone else outside their grants
// gets the same 404 as for a layer that does not exist.
//
// GET /api/v1/projects/{id}/download?part=boundary|new_cultivated&format=txt|gpkg|shp: the
// project's boundary or new cultivated plots (services/project_parts.h) through the same
// exporter; whoever sees the project may download them, 404 otherwise.
//
// GET /api/v1/projects/{id}/sheets/{sheet}?format=xlsx, sheet balance|findings|ledger|evaluation:
// the project's report as xlsx (services/project_sheets.h), authorized exactly as the JSON it
// mirrors (404 outside the project, the ledger as GET …/funds/ledger).
//
// Every file is named in Chinese (RFC 6266 filename*).
#pragma once

#include "http/router.h"
#include <functional>

#include <boost/asio/thread_pool.hpp>

#include "services/export_layer.h"
#include "services/funds.h"
#include "services/xlsx_report.h"
#include "services/progress.h"
#include "services/projects.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::http {

// Writes a file with `write(path)` into a private directory and answers 200 with it under
// `name` (Content-Disposition filename*), streamed at most about 1 MiB ahead of the client and
// removed once sent; nothing is left behind when writing fails.
Response file_download(const std::string& name, const char* content_type,
                       const std::function<void(const std::string&)>& write);
// The same file written on a background thread of `pool`, for a download that shows progress
// (GET …/download?…&progress=1): the answer is kProgressDownloadType, lines of JSON while the
// file is written — {"phase":"queued"}, {"phase":"export","done":N,"total":M} at most four a
// second — then either {"phase":"file","name":…,"type":…,"size":S} followed by exactly S bytes
// of the file, or {"phase":"error","code":…,"message_zh":…,"message_en":…}. The export stops
// when the client goes away. web/src/download.ts reads it.
inline constexpr const char* kProgressDownloadType = "application/vnd.gongzhi.download-progress";
using ProgressWrite =
    std::function<void(const std::string& path, const services::ExportProgress& progress)>;
Response progress_download(boost::asio::thread_pool& pool, const std::string& name,
                           const char* content_type, ProgressWrite write);
// A report sheet as an xlsx download named after its file_stem.
Response xlsx_download(const services::ReportSheet& sheet);
inline constexpr const char* kXlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
// Content-Disposition of a download saved as `name` (UTF-8, RFC 6266/8187), with an ASCII
// fallback "download.<extension>" for clients that cannot read the encoded name.
std::string content_disposition(const std::string& name);

// Parts left null are not served.
struct ProjectDownloadServices {
  services::ProjectService* projects = nullptr;
  services::FundsService* funds = nullptr;
  services::ProgressService* progress = nullptr;
};

void add_download_routes(Router& r, storage::Store& store, storage::IdentityStore& identity,
                         const ProjectDownloadServices& services = {});

}  // namespace gz::http
