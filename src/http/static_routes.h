// The web app (web/dist, built by Vite) served by `gongzhi serve` itself: "/" and the client
// routes of the single-page app answer index.html, /assets/{file} the hashed bundles with their
// content type and immutable caching. File names are checked before anything is read: a name
// that could leave the assets folder ("..", "/", "\", a leading dot, percent-encoded or not) is a
// 404 like any file that does not exist.
#pragma once

#include <optional>
#include <string>

#include "http/router.h"

namespace gz::http {

// $GONGZHI_WEB_DIR if set, else the source tree's web/dist the binary was built from.
std::string web_dir();

// The client routes of the app (also answered with index.html, so a reload or a shared link
// works): /, /signin, /home, /map, /inbox, /village, /projects/{code}.
void add_static_routes(Router& r, const std::string& dir);

// A GET or HEAD of a path that answered 404 outside the API (/api, /assets, /tiles, /health):
// the app itself with status 404, which shows its own not-found page (页面不存在), not JSON.
std::optional<Response> app_not_found_page(const Request& req, const std::string& dir);

// The Content-Security-Policy of every page and asset (with Referrer-Policy: same-origin; the
// server adds X-Content-Type-Options: nosniff to every response): scripts from the app's origin
// only, no inline script or eval; workers and images also from blob: (MapLibre's tile workers);
// inline styles allowed.
const std::string& content_security_policy();

// The content type of a file by its extension ("application/octet-stream" when unknown).
std::string content_type_of(const std::string& name);
// True for a safe file name in the assets folder: [A-Za-z0-9_.-], no leading dot, not "..".
bool safe_asset_name(const std::string& name);
// True when Vite named the file by its content hash (name-HASH.ext), so it may be cached forever.
bool hashed_asset_name(const std::string& name);

}  // namespace gz::http
