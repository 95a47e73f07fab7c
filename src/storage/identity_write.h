// One write transaction on the identity tables (storage/identity_store.cpp, access_store.cpp):
// begin_write, the work, the change signal inside the transaction and, after the commit, the
// change stamp moved before the caller answers (change_signal.h).
#pragma once

#include <optional>
#include <type_traits>

#include "storage/change_signal.h"
#include "storage/sql_identity_store.h"
#include "storage/write_session.h"

namespace gz::storage {

// `signal` null: nothing to tell (a login, an audit entry: nothing kept elsewhere goes stale).
// `f` runs again when the transaction loses to a concurrent one (retry_write_conflicts).
template <class F>
auto identity_write(SqlSession& s, ChangeSignal* signal, F&& f) -> std::invoke_result_t<F&> {
  return retry_write_conflicts([&]() -> std::invoke_result_t<F&> {
    s.begin_write();
    std::optional<std::invoke_result_t<F&>> result;
    try {
      result.emplace(f());
      if (signal) signal->in_transaction(s, ChangeSignal::Kind::identity);
      s.commit();
    } catch (...) {
      s.rollback();
      throw;
    }
    if (signal) signal->committed(s, ChangeSignal::Kind::identity);
    return std::move(*result);
  });
}

}  // namespace gz::storage
