// Where a request comes from, for what the browser's own protections do not cover: cross-site
// request forgery (a page on another origin — a sibling subdomain included, which SameSite does
// not stop — making the browser send the session cookie with a POST), and whether the client
// reached us over TLS (through a trusted reverse proxy that says so), for the cookie's Secure.
#pragma once

#include <optional>
#include <string>

#include "http/router.h"
#include "http/routes.h"

namespace gz::http {

// Whether `address` is one of auth.trusted_proxies (the one list both the client's address,
// client_address, and the origin checks here believe).
bool is_trusted_proxy(const std::string& address, const AuthOptions& auth);

// Whether the request is from one of auth.trusted_proxies.
bool from_trusted_proxy(const Request& req, const AuthOptions& auth);

// Whether the client's connection was TLS: a trusted proxy's X-Forwarded-Proto says https (from
// anyone else the header is ignored; the server itself speaks plain HTTP).
bool client_used_tls(const Request& req, const AuthOptions& auth);

// A 403 `cross_origin` for an unsafe request (anything but GET, HEAD, OPTIONS) that a browser
// made for a page of another origin, when the request may be authenticated by the session
// cookie (no Authorization header; a bearer token is never sent by a browser on its own):
// Sec-Fetch-Site other than same-origin/none, else an Origin, else a Referer, whose host is not
// the request's Host (or, from a trusted proxy, its X-Forwarded-Host). A request carrying none
// of these headers is not from a browser page and passes. nullopt: allowed.
std::optional<ApiError> cross_origin_refusal(const Request& req, const AuthOptions& auth);

}  // namespace gz::http
