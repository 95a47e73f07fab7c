// The progress routes of the API: milestones and progress updates, progress reports and field
// inspections (巡查) with GPS points and photos, photo upload/download (content-addressed), and
// the acceptance/performance-evaluation indicators with their scores.
#pragma once

#include <cstddef>
#include <string>

#include "http/router.h"
#include "services/progress.h"
#include "storage/identity_store.h"

namespace gz::http {

void add_progress_routes(Router& r, storage::IdentityStore& identity,
                         services::ProgressService& progress);

// The request body limit for a request, chosen once its header is read (ServerOptions::
// body_limit_for): photo uploads (POST /api/v1/projects/{id}/photos) may carry up to
// services::kMaxPhotoBytes; 0 (the server's default limit) for everything else.
std::size_t progress_body_limit(const std::string& method, const std::string& target);

}  // namespace gz::http
