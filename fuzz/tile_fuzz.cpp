// libFuzzer harness: vector tile requests through the router (GET /tiles/{layer}/{z}/{x}/{y}.mvt)
// over the demo county, with the path's segments, the query and If-None-Match from the input.
// The input is text, one part a line: the user (a digit picking a demo account), the layer, z, x,
// y, the query (after '?') and If-None-Match. The segments go into the path as they are
// (percent escapes, huge and negative numbers, '.', anything), so the router, the tile maths and
// the encoder meet what a client may send. Every answer must be below 500, a tile answered 200
// must carry a body and an ETag; anything else escaping, or a crash, is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "fuzz/fuzz_world.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  gz::fuzz::demo_world();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& w = gz::fuzz::demo_world();
  std::string text = gz::fuzz::text_of(data, size);
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (parts.size() < 7) {
    auto end = text.find('\n', pos);
    parts.push_back(text.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  parts.resize(7);
  const auto& user = w.accounts[(parts[0].empty() ? 0 : static_cast<unsigned char>(parts[0][0])) % w.accounts.size()];
  gz::http::Request req;
  req.method = "GET";
  // The target as the server receives it (no controls, spaces or '#'; HTTP parsing refuses
  // them), and the path as the server takes it: the target up to the first '?'.
  req.target = "/tiles/" + parts[1] + "/" + parts[2] + "/" + parts[3] + "/" + parts[4] + ".mvt" +
               (parts[5].empty() ? "" : "?" + parts[5]);
  for (unsigned char c : req.target)
    if (c <= 0x20 || c == 0x7f || c == '#') return 0;
  req.path = req.target.substr(0, req.target.find('?'));
  req.headers["authorization"] = "Bearer " + user.token;
  if (!parts[6].empty()) req.headers["if-none-match"] = parts[6];
  req.remote_address = "127.0.0.1";
  gz::http::Response res;
  try {
    res = w.router->dispatch(req);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "GET %s as %s threw: %s\n", req.target.c_str(), user.username.c_str(), e.what());
    std::abort();
  }
  bool bad = res.status >= 500 || (res.status == 200 && res.body.empty());
  if (res.status == 200 || res.status == 204 || res.status == 304) {
    bool tagged = false;
    for (const auto& [name, value] : res.headers) tagged = tagged || (name == "ETag" && !value.empty());
    bad = bad || !tagged;
  }
  if (bad) {
    std::fprintf(stderr, "GET %s as %s answered %d (%zu bytes): %s\n", req.target.c_str(),
                 user.username.c_str(), res.status, res.body.size(), res.status == 200 ? "" : res.body.c_str());
    std::abort();
  }
  return 0;
}
