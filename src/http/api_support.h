// What every API route module shares: JSON replies, the signed-in user of a request, request
// bodies read as JSON objects with their fields checked (unknown fields, wrong types and missing
// fields are 400s naming the field), and query parameters.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/identity.h"
#include "http/router.h"
#include "storage/identity_store.h"

namespace gz::http {

Response json_response(int status, const nlohmann::json& body);

// The session token of a request: Authorization: Bearer first, else the session cookie.
std::string request_token(const Request& req);
// The signed-in user, or a 401 ApiError.
User signed_in(storage::IdentityStore& identity, const Request& req);

// The body as a JSON object whose keys are all in `allowed` and include every one of
// `required`; 400 ApiError otherwise (too_deep when nested deeper than kMaxJsonDepth).
nlohmann::json body_object(const Request& req, const std::vector<std::string>& allowed,
                           const std::vector<std::string>& required = {});
// Typed fields of a body object: 400 naming the field when the type is wrong. Absent → fallback.
std::string string_field(const nlohmann::json& body, const std::string& field,
                         const std::string& fallback = "");
std::int64_t int_field(const nlohmann::json& body, const std::string& field, std::int64_t fallback = 0);
std::vector<std::string> string_list_field(const nlohmann::json& body, const std::string& field);
// A true/false field (absent or null: `fallback`); 400 wrong_type for anything else.
bool bool_field(const nlohmann::json& body, const std::string& field, bool fallback = false);
// The body's "decision" of an approval (funds, compensation): true for "approve", false for
// "refuse", 400 unknown_decision otherwise.
bool approve_decision(const nlohmann::json& body);

// Query parameters of the request target, percent-decoded ("a=1&b=x%20y").
std::map<std::string, std::string> query_params(const Request& req);
// A path parameter that must be a positive integer id; 404 otherwise (as for an unknown id).
std::int64_t id_param(const PathParams& p, const std::string& name);

}  // namespace gz::http
