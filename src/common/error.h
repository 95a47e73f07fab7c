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

}  // namespace gz
