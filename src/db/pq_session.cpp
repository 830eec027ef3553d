// The one file that talks to libpq/libpqxx. libpqxx opens and closes the connection; queries go
// through libpq directly because pgfleet needs what libpqxx 6 hides: PQexec's "rows of the last
// statement" semantics and the structured ErrorResponse fields.
#include <libpq-fe.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <pqxx/pqxx>
#include <string_view>

#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/db/session.hpp"

namespace pgfleet {
namespace {

// libpqxx's direct connection policy that also remembers the PGconn it opened, so that we can
// use libpq on it (libpqxx 6 exposes the handle to its own classes only).
class HandleKeepingPolicy : public pqxx::connect_direct {
 public:
  using connect_direct::connect_direct;
  handle do_completeconnect(handle orig) override {
    handle_ = connect_direct::do_completeconnect(orig);
    return handle_;
  }
  handle do_dropconnect(handle orig) noexcept override {
    handle_ = nullptr;
    return connect_direct::do_dropconnect(orig);
  }
  handle do_disconnect(handle orig) noexcept override {
    handle_ = nullptr;
    return connect_direct::do_disconnect(orig);
  }
  PGconn* handle() const { return handle_; }

 private:
  PGconn* handle_ = nullptr;
};

// A libpqxx connection built on HandleKeepingPolicy. connection_base keeps a reference to the
// policy, which is constructed right after it, exactly as pqxx::basic_connection_base does.
// Queries never go through libpqxx, so its automatic reconnection never kicks in: a broken
// connection surfaces as ConnectionLost.
class PqxxConnection : public pqxx::connection_base {
 public:
  explicit PqxxConnection(const std::string& conninfo)
      : connection_base(policy_), policy_(conninfo) {
    init();
  }
  ~PqxxConnection() { close(); }
  PqxxConnection(const PqxxConnection&) = delete;
  PqxxConnection& operator=(const PqxxConnection&) = delete;

  PGconn* raw() const { return policy_.handle(); }

 private:
  HandleKeepingPolicy policy_;
};

// Owns a PGresult.
struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string error_field(const PGresult* result, int field) {
  const char* value = PQresultErrorField(result, field);
  return value ? value : "";
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Connect errors: libpq gives no SQLSTATE for them, so it is read from the message.
struct ConnectErrorClass {
  std::string_view pattern;
  ConnectError::Kind kind;
  std::string_view sqlstate;
};

// First match wins: permanent causes come first, so that e.g. a password failure reported by
// a waking Neon compute is not retried.
constexpr std::array<ConnectErrorClass, 24> connect_error_classes{{
    {"password authentication failed", ConnectError::Kind::permanent, "28P01"},
    {"no pg_hba.conf entry", ConnectError::Kind::permanent, "28000"},
    {"role \"", ConnectError::Kind::permanent, "28000"},
    {"authentication failed", ConnectError::Kind::permanent, "28P01"},  // PgBouncer: "SASL ..."
    {"does not exist", ConnectError::Kind::permanent, "3D000"},
    {"invalid connection option", ConnectError::Kind::permanent, "08001"},
    {"SSL", ConnectError::Kind::permanent, "08001"},
    {"certificate", ConnectError::Kind::permanent, "08001"},
    {"Temporary failure in name resolution", ConnectError::Kind::transient, "08001"},
    {"could not translate host name", ConnectError::Kind::permanent, "08001"},
    {"the database system is starting up", ConnectError::Kind::transient, "57P03"},
    {"the database system is shutting down", ConnectError::Kind::transient, "57P03"},
    {"the database system is not yet accepting connections", ConnectError::Kind::transient,
     "57P03"},
    {"too many clients", ConnectError::Kind::transient, "53300"},
    {"remaining connection slots", ConnectError::Kind::transient, "53300"},
    {"no more connections allowed", ConnectError::Kind::transient, "53300"},
    {"terminating connection due to administrator command", ConnectError::Kind::transient, "57P01"},
    {"Couldn't connect to compute node", ConnectError::Kind::transient, "08006"},
    {"Connection refused", ConnectError::Kind::transient, "08001"},
    {"timeout expired", ConnectError::Kind::transient, "08001"},
    {"Connection timed out", ConnectError::Kind::transient, "08001"},
    {"No route to host", ConnectError::Kind::transient, "08001"},
    {"server closed the connection unexpectedly", ConnectError::Kind::transient, "08006"},
    {"Connection reset by peer", ConnectError::Kind::transient, "08006"},
}};

ConnectError classify_connect_error(const std::string& libpq_message,
                                    const std::vector<std::string>& secrets) {
  std::string message = trimmed(libpq_message);
  for (char& c : message) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  message = redact_secrets(message, secrets);
  for (const auto& entry : connect_error_classes) {
    if (contains(message, entry.pattern)) {
      return ConnectError(entry.kind, std::string(entry.sqlstate), message);
    }
  }
  return ConnectError(ConnectError::Kind::permanent, "08001", message);
}

class PqSession : public Session {
 public:
  explicit PqSession(std::unique_ptr<PqxxConnection> connection)
      : connection_(std::move(connection)), conn_(connection_->raw()) {
    if (!conn_) throw ConnectError(ConnectError::Kind::transient, "08006", "connection not open");
    cancel_ = PQgetCancel(conn_);
    // Notices are not errors and core code never prints them; only the step markers of a
    // multi-migration transaction are kept, to name the file of an error without a position.
    PQsetNoticeReceiver(
        conn_,
        [](void* self, const PGresult* notice) {
          const char* text = PQresultErrorField(notice, PG_DIAG_MESSAGE_PRIMARY);
          constexpr std::string_view marker = "pgfleet-step ";
          if (text && std::string_view(text).substr(0, marker.size()) == marker) {
            static_cast<PqSession*>(self)->step_ = std::atoll(text + marker.size());
          }
        },
        this);
  }
  ~PqSession() override {
    if (cancel_) PQfreeCancel(cancel_);
  }
  PqSession(const PqSession&) = delete;
  PqSession& operator=(const PqSession&) = delete;

  QueryResult exec(const std::string& sql) override {
    ++round_trips_;
    step_.reset();
    return take(ResultPtr(PQexec(conn_, sql.c_str())));
  }

  QueryResult exec_with_param(const std::string& sql, const std::string& param) override {
    ++round_trips_;
    const char* values[] = {param.c_str()};
    return take(
        ResultPtr(PQexecParams(conn_, sql.c_str(), 1, nullptr, values, nullptr, nullptr, 0)));
  }

  void cancel() override {
    if (!cancel_) return;
    std::array<char, 256> error{};
    // Best effort: if the request cannot be sent, the query runs on until its own timeout.
    PQcancel(cancel_, error.data(), static_cast<int>(error.size()));
  }

  std::string quote(const std::string& literal) const override {
    return escaped(PQescapeLiteral(conn_, literal.data(), literal.size()));
  }

  std::string quote_name(const std::string& identifier) const override {
    return escaped(PQescapeIdentifier(conn_, identifier.data(), identifier.size()));
  }

  long round_trips() const override { return round_trips_.load(); }

 private:
  std::string escaped(char* text) const {
    if (!text) throw DbError("22021", trimmed(PQerrorMessage(conn_)));
    std::string out(text);
    PQfreemem(text);
    return out;
  }

  [[noreturn]] void throw_lost(const std::string& why) const {
    throw ConnectionLost("connection lost: " + trimmed(why));
  }

  // COPY ... FROM STDIN / TO STDOUT cannot be fed through exec(): end it and drain the results,
  // so the connection stays usable, then report it as an error.
  [[noreturn]] void abandon_copy(ExecStatusType status) {
    if (status == PGRES_COPY_IN) {
      PQputCopyEnd(conn_, "pgfleet does not feed COPY FROM STDIN");
    } else if (status == PGRES_COPY_OUT) {
      char* row = nullptr;
      while (PQgetCopyData(conn_, &row, 0) > 0) PQfreemem(row);
    }
    while (ResultPtr next{PQgetResult(conn_)}) {
    }
    if (PQstatus(conn_) != CONNECTION_OK) throw_lost(PQerrorMessage(conn_));
    throw DbError("0A000", "COPY FROM STDIN / TO STDOUT is not supported in a migration");
  }

  QueryResult take(ResultPtr result) {
    if (!result) throw_lost(PQerrorMessage(conn_));
    const ExecStatusType status = PQresultStatus(result.get());
    switch (status) {
      case PGRES_TUPLES_OK:
      case PGRES_COMMAND_OK:
      case PGRES_EMPTY_QUERY:
        if (PQstatus(conn_) != CONNECTION_OK) throw_lost(PQerrorMessage(conn_));
        return rows_of(result.get());
      case PGRES_COPY_IN:
      case PGRES_COPY_OUT: abandon_copy(status);
      default: break;
    }
    const std::string sqlstate = error_field(result.get(), PG_DIAG_SQLSTATE);
    if (PQstatus(conn_) != CONNECTION_OK || sqlstate.empty()) {
      const std::string message = error_field(result.get(), PG_DIAG_MESSAGE_PRIMARY);
      throw_lost(message.empty() ? PQerrorMessage(conn_) : message);
    }
    const std::string position = error_field(result.get(), PG_DIAG_STATEMENT_POSITION);
    DbError error(sqlstate, error_field(result.get(), PG_DIAG_MESSAGE_PRIMARY),
                  error_field(result.get(), PG_DIAG_MESSAGE_DETAIL),
                  error_field(result.get(), PG_DIAG_MESSAGE_HINT),
                  position.empty() ? 0 : std::atoi(position.c_str()));
    error.set_step(step_);
    throw error;
  }

  static QueryResult rows_of(const PGresult* result) {
    QueryResult out;
    const int columns = PQnfields(result);
    const int rows = PQntuples(result);
    out.columns.reserve(columns);
    for (int c = 0; c < columns; ++c) out.columns.emplace_back(PQfname(result, c));
    out.rows.reserve(rows);
    for (int r = 0; r < rows; ++r) {
      auto& row = out.rows.emplace_back();
      row.reserve(columns);
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(result, r, c)) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(PQgetvalue(result, r, c), PQgetlength(result, r, c)));
        }
      }
    }
    return out;
  }

  std::unique_ptr<PqxxConnection> connection_;
  PGconn* conn_;
  PGcancel* cancel_ = nullptr;
  std::atomic<long> round_trips_{0};
  std::optional<long long> step_;  // last pgfleet-step notice of the running query
};

}  // namespace

std::unique_ptr<Session> connect_postgres(const std::string& conninfo) {
  // Re-validated here so that a hostless or garbled string never reaches libpq, and so that
  // we know every form of the password to keep out of messages.
  std::vector<std::string> secrets;
  try {
    secrets = ConnInfo::parse(conninfo).secret_forms();
  } catch (const ConnInfoError& e) {
    throw ConnectError(ConnectError::Kind::permanent, "08001", e.what());
  }
  try {
    return std::make_unique<PqSession>(std::make_unique<PqxxConnection>(conninfo));
  } catch (const pqxx::broken_connection& e) {
    throw classify_connect_error(e.what(), secrets);
  } catch (const pqxx::failure& e) {
    throw classify_connect_error(e.what(), secrets);
  }
}

}  // namespace pgfleet
