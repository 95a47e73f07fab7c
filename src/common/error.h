// One error family for the whole program. Errors are thrown inside and translated once at the
// edges: the CLI maps them to exit codes, the HTTP layer to JSON errors.
#pragma once

#include <stdexcept>
#include <string>

namespace gz {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// The command line was used wrongly (unknown option value, missing argument). Exit code 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// Input data is wrong: a file, a feature, a field. The message names all that is known.
class InputError : public Error {
 public:
  InputError(const std::string& file, const std::string& feature, const std::string& field,
             const std::string& reason);
  explicit InputError(const std::string& message) : Error(message) {}
};

// The store failed or refused (locked, full, corrupt).
class StorageError : public Error {
 public:
  using Error::Error;
};

// A named thing does not exist (layer, version, project).
class NotFoundError : public Error {
 public:
  using Error::Error;
};

// The write contradicts what is stored (a username taken, a second first administrator).
class ConflictError : public Error {
 public:
  using Error::Error;
};

// The user may know the object exists but may not do this to it (a villager approving a review).
class PermissionError : public Error {
 public:
  using Error::Error;
};

// What the program says to a person about an error besides its English what(): a stable code
// for API clients and the message in Chinese. Errors refused by a request's content or by a rule
// of the workflow carry one; the edges show it.
class Explained {
 public:
  Explained(std::string code, std::string message_zh)
      : code_(std::move(code)), message_zh_(std::move(message_zh)) {}
  virtual ~Explained() = default;
  const std::string& code() const { return code_; }
  const std::string& message_zh() const { return message_zh_; }

 private:
  std::string code_, message_zh_;
};

// A request that is malformed or names a wrong value (HTTP 400).
class InvalidRequest : public UsageError, public Explained {
 public:
  InvalidRequest(std::string code, std::string message_zh, const std::string& message_en)
      : UsageError(message_en), Explained(std::move(code), std::move(message_zh)) {}
};

// Refused by a rule of the workflow: a transition not open from the current state, a guard that
// does not hold, a stale edit (HTTP 409).
class RuleError : public ConflictError, public Explained {
 public:
  RuleError(std::string code, std::string message_zh, const std::string& message_en)
      : ConflictError(message_en), Explained(std::move(code), std::move(message_zh)) {}
};

// Not allowed for this user's roles (HTTP 403).
class Forbidden : public PermissionError, public Explained {
 public:
  Forbidden(std::string code, std::string message_zh, const std::string& message_en)
      : PermissionError(message_en), Explained(std::move(code), std::move(message_zh)) {}
};

}  // namespace gz
