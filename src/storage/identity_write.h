// One write transaction on the identity tables (storage/identity_store.cpp, access_store.cpp):
// begin_write (the audit chain's lock), the work, the change signal inside the transaction and,
// after the commit, moved in every process before the caller answers (change_signal.h).
#pragma once

#include <optional>
#include <type_traits>

#include "storage/change_signal.h"
#include "storage/sql_identity_store.h"

namespace gz::storage {

// `signal` null: nothing to tell (a login, an audit entry: nothing kept elsewhere goes stale).
template <class F>
auto identity_write(SqlSession& s, ChangeSignal* signal, F&& f) -> std::invoke_result_t<F&> {
  s.begin_write();
  std::uint64_t ticket = 0;
  std::optional<std::invoke_result_t<F&>> result;
  try {
    result.emplace(f());
    if (signal) ticket = signal->in_transaction(s, ChangeSignal::Kind::identity);
    s.commit();
  } catch (...) {
    s.rollback();
    throw;
  }
  if (signal) signal->committed(s, ChangeSignal::Kind::identity, ticket);
  return std::move(*result);
}

}  // namespace gz::storage
