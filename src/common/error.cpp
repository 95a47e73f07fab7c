#include "common/error.h"

namespace gz {

namespace {
std::string compose(const std::string& file, const std::string& feature, const std::string& field,
                    const std::string& reason) {
  std::string msg = file;
  if (!feature.empty()) msg += (msg.empty() ? "" : ": ") + std::string("feature ") + feature;
  if (!field.empty()) msg += (msg.empty() ? "" : ": ") + std::string("field ") + field;
  msg += (msg.empty() ? "" : ": ") + reason;
  return msg;
}
}  // namespace

InputError::InputError(const std::string& file, const std::string& feature,
                       const std::string& field, const std::string& reason)
    : Error(compose(file, feature, field, reason)) {}

}  // namespace gz
