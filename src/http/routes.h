// The routes `gongzhi serve` answers so far: a health page, health JSON, the layer list, sign-in
// (POST/DELETE /api/v1/session, GET /api/v1/me) and the OpenAPI document of the API (data/openapi.json, kept true by a test against the route table).
#pragma once

#include "http/router.h"
#include "services/auth.h"
#include "storage/identity_store.h"
#include "storage/store.h"

namespace gz::http {

struct AuthOptions {
  services::AuthPolicy policy;
  bool secure_cookie = false;  // add Secure to the session cookie (the server is behind TLS)
};

Router make_router(storage::Store& store, storage::IdentityStore& identity,
                   const AuthOptions& auth = {});
Handler make_routes(storage::Store& store, storage::IdentityStore& identity,
                    const AuthOptions& auth = {});

}  // namespace gz::http
