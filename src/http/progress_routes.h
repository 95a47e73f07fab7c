// The progress routes of the API: milestones and progress updates, progress reports and field
// inspections (巡查) with GPS points and photos, photo upload/download (content-addressed), and
// the acceptance/performance-evaluation indicators with their scores.
#pragma once

#include <cstddef>
#include <optional>
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

// ServerOptions::before_body for photo uploads: from the header alone, the session (401), the
// project inside the user's grants (404), their role and the project's state (403, 409) and the
// declared type (400) are checked before the server reads the up to 10 MiB body; the error
// response, or nullopt to read the body (upload_photo checks everything again with it).
std::optional<Response> progress_before_body(storage::IdentityStore& identity,
                                             services::ProgressService& progress,
                                             const Request& head);

}  // namespace gz::http
