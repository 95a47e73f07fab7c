// A refusal by a rule of the workflow that names things a client lists (the findings that block
// an approval, those a submission must confirm): a RuleError (HTTP 409) with a JSON object of
// details, which the HTTP edge adds to the error body as "details".
#pragma once

#include <string>

#include "common/error.h"

namespace gz {

class DetailedRuleError : public RuleError {
 public:
  DetailedRuleError(std::string code, std::string message_zh, const std::string& message_en,
                    std::string details_json)
      : RuleError(std::move(code), std::move(message_zh), message_en),
        details_json_(std::move(details_json)) {}
  const std::string& details_json() const { return details_json_; }

 private:
  std::string details_json_;
};

}  // namespace gz
