// The one file that talks to libpq. Connecting is asynchronous (PQconnectStart/PQconnectPoll) so
// that a connect can be abandoned at once (a second SIGINT, a tenant past its --tenant-timeout);
// exec() uses PQexec for its "rows of the last statement" semantics, exec_batch() PQsendQuery and
// a PQgetResult loop for every statement's result; both keep the structured ErrorResponse fields.
#include <libpq-fe.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <system_error>
#include <thread>

#include "pgfleet/db/connect_errors.hpp"
#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/db/session.hpp"

namespace pgfleet {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Owns a PGconn.
struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;

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

// Cancels or closes one connection from any thread. The session tells it when its socket goes
// away (forget_socket) so that close() never touches a descriptor number reused by someone else;
// the PGcancel object is its own copy, valid after the connection is gone.
class PqInterrupt : public SessionInterrupt, public std::enable_shared_from_this<PqInterrupt> {
 public:
  PqInterrupt(PGcancel* cancel, int socket) : cancel_(cancel), socket_(socket) {}
  ~PqInterrupt() override {
    if (cancel_) PQfreeCancel(cancel_);
  }
  PqInterrupt(const PqInterrupt&) = delete;
  PqInterrupt& operator=(const PqInterrupt&) = delete;

  // Blocks until the server took the request (or refused it); no lock is held meanwhile.
  void cancel_and_wait() {
    if (!cancel_) return;
    std::array<char, 256> error{};
    // Best effort: if the request cannot be sent, the query runs on until it is closed.
    PQcancel(cancel_, error.data(), static_cast<int>(error.size()));
  }

  bool request_cancel() override {
    if (!cancel_ || in_flight_.exchange(true)) return false;
    try {
      std::thread([self = shared_from_this()] {
        self->cancel_and_wait();
        self->in_flight_ = false;
      }).detach();
    } catch (const std::system_error&) {
      in_flight_ = false;  // no thread to spare: the caller asks again later
      return false;
    }
    return true;
  }

  void close() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);
  }

  void forget_socket() {
    std::lock_guard<std::mutex> lock(mutex_);
    socket_ = -1;
  }

 private:
  PGcancel* cancel_;
  std::atomic<bool> in_flight_{false};
  std::mutex mutex_;
  int socket_;
};

enum class SocketWait { ready, timed_out, abandoned };

// Waits until `conn`'s socket is ready for what PQconnectPoll asked, in slices short enough to
// notice `limits.abandon` quickly.
SocketWait wait_for_socket(PGconn* conn, PostgresPollingStatusType wanted,
                           SteadyClock::time_point deadline, const ConnectLimits& limits) {
  constexpr auto kSlice = std::chrono::milliseconds(100);
  const short events = wanted == PGRES_POLLING_READING ? POLLIN : POLLOUT;
  pollfd fd{PQsocket(conn), events, 0};
  while (true) {
    if (limits.abandon && limits.abandon()) return SocketWait::abandoned;
    const auto left = deadline - SteadyClock::now();
    if (left <= SteadyClock::duration::zero()) return SocketWait::timed_out;
    const auto slice =
        std::chrono::ceil<std::chrono::milliseconds>(std::min<SteadyClock::duration>(left, kSlice));
    const int ready = ::poll(&fd, 1, static_cast<int>(slice.count()));
    // An error on the socket is for PQconnectPoll to report.
    if (ready > 0 || (ready < 0 && errno != EINTR)) return SocketWait::ready;
  }
}

// Connects without blocking beyond `limits`: PQconnectStart, then PQconnectPoll whenever the
// socket is ready. (libpq's own connect_timeout only works in its blocking connect.) Throws
// ConnectError with the password redacted.
ConnPtr open_connection(const ConnInfo& info, const ConnectLimits& limits) {
  const std::vector<std::string> secrets = info.secret_forms();
  ConnPtr conn(PQconnectStart(info.to_libpq().c_str()));
  if (!conn) throw ConnectError(ConnectError::Kind::transient, "08001", "out of memory");
  const auto deadline = SteadyClock::now() + limits.timeout;
  // libpq's documentation: poll for writing before the first PQconnectPoll.
  PostgresPollingStatusType state =
      PQstatus(conn.get()) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) {
      throw classify_connect_error(PQerrorMessage(conn.get()), secrets);
    }
    switch (wait_for_socket(conn.get(), state, deadline, limits)) {
      case SocketWait::abandoned:
        throw ConnectError(ConnectError::Kind::permanent, "57014",
                           "connect to " + info.host_port() + " abandoned: pgfleet is stopping");
      case SocketWait::timed_out:
        throw ConnectError(ConnectError::Kind::transient, "08001",
                           "connect to " + info.host_port() + ": timeout expired after " +
                               std::to_string(limits.timeout.count()) + "ms");
      case SocketWait::ready: break;
    }
    state = PQconnectPoll(conn.get());
  }
  return conn;
}

class PqSession : public Session {
 public:
  explicit PqSession(ConnPtr conn)
      : owned_(std::move(conn)),
        conn_(owned_.get()),
        interrupt_(std::make_shared<PqInterrupt>(PQgetCancel(conn_), PQsocket(conn_))) {
    // Notices are not errors and core code never prints them.
    PQsetNoticeReceiver(
        conn_, [](void*, const PGresult*) {}, nullptr);
  }
  ~PqSession() override { interrupt_->forget_socket(); }
  PqSession(const PqSession&) = delete;
  PqSession& operator=(const PqSession&) = delete;

  QueryResult exec(const std::string& sql) override {
    ++round_trips_;
    return take(ResultPtr(PQexec(conn_, sql.c_str())));
  }

  BatchResult exec_batch(const std::string& sql) override {
    ++round_trips_;
    if (PQsendQuery(conn_, sql.c_str()) != 1) throw_lost(PQerrorMessage(conn_));
    BatchResult out;
    // The server sends one result per statement, an error ends the string; the loop drains
    // every result so that the connection is ready for the next query.
    while (ResultPtr result{PQgetResult(conn_)}) {
      if (out.error) continue;
      try {
        out.statements.push_back(take(std::move(result)));
      } catch (const DbError& e) {
        out.error = e;
      }
    }
    if (PQstatus(conn_) != CONNECTION_OK) throw_lost(PQerrorMessage(conn_));
    if (out.error && PQtransactionStatus(conn_) == PQTRANS_INERROR) roll_back_failed();
    return out;
  }

  QueryResult exec_with_param(const std::string& sql, const std::string& param) override {
    ++round_trips_;
    const char* values[] = {param.c_str()};
    return take(
        ResultPtr(PQexecParams(conn_, sql.c_str(), 1, nullptr, values, nullptr, nullptr, 0)));
  }

  void cancel() override { interrupt_->cancel_and_wait(); }

  std::string quote(const std::string& literal) const override {
    return escaped(PQescapeLiteral(conn_, literal.data(), literal.size()));
  }

  std::string quote_name(const std::string& identifier) const override {
    return escaped(PQescapeIdentifier(conn_, identifier.data(), identifier.size()));
  }

  long round_trips() const override { return round_trips_.load(); }

  std::shared_ptr<SessionInterrupt> interrupt_handle() override { return interrupt_; }

  bool encrypted() const override { return PQsslInUse(conn_) == 1; }
  std::optional<std::string> startup_backend_pid() const override {
    const int pid = PQbackendPID(conn_);
    if (pid <= 0) return std::nullopt;
    return std::to_string(pid);
  }

  std::optional<std::string> connection_option(const std::string& keyword) const override {
    std::optional<std::string> value;
    PQconninfoOption* options = PQconninfo(conn_);
    for (PQconninfoOption* o = options; o && o->keyword; ++o) {
      if (o->val && keyword == o->keyword) value = o->val;
    }
    PQconninfoFree(options);
    return value;
  }

 private:
  std::string escaped(char* text) const {
    if (!text) throw DbError("22021", trimmed(PQerrorMessage(conn_)));
    std::string out(text);
    PQfreemem(text);
    return out;
  }

  // An error inside an explicit BEGIN of a batch leaves that transaction aborted: end it.
  // The error stays what the batch reports: an aborted transaction never commits, and a
  // connection that broke meanwhile fails the next call.
  void roll_back_failed() {
    ++round_trips_;
    try {
      take(ResultPtr(PQexec(conn_, "ROLLBACK")));
    } catch (const std::runtime_error&) {
    }
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
    throw DbError(sqlstate, error_field(result.get(), PG_DIAG_MESSAGE_PRIMARY),
                  error_field(result.get(), PG_DIAG_MESSAGE_DETAIL),
                  error_field(result.get(), PG_DIAG_MESSAGE_HINT),
                  position.empty() ? 0 : std::atoi(position.c_str()));
  }

  static QueryResult rows_of(PGresult* result) {
    QueryResult out;
    out.command = PQcmdStatus(result);
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

  ConnPtr owned_;
  PGconn* conn_;
  std::shared_ptr<PqInterrupt> interrupt_;
  std::atomic<long> round_trips_{0};
};

}  // namespace

std::unique_ptr<Session> connect_postgres(const ConnInfo& conninfo, const ConnectLimits& limits) {
  return std::make_unique<PqSession>(open_connection(conninfo, limits));
}

std::unique_ptr<Session> connect_postgres(const std::string& conninfo) {
  std::optional<ConnInfo> info;
  try {
    info = ConnInfo::parse(conninfo);  // a hostless or garbled string never reaches libpq
  } catch (const ConnInfoError& e) {
    throw ConnectError(ConnectError::Kind::permanent, "08001", e.what());
  }
  return connect_postgres(*info, ConnectLimits{});
}

}  // namespace pgfleet
