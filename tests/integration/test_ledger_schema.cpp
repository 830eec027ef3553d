// Schema pgfleet_ledger is created on first use and versioned by pgfleet's own steps
// (docs/LEDGER.md, "Schema"): workers starting together create it once; a ledger newer than this
// pgfleet is refused.
#include <catch2/catch.hpp>
#include <future>
#include <vector>

#include "pgfleet/ledger/ledger.hpp"
#include "pgfleet/ledger/ledger_schema.hpp"
#include "test_env.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

TEST_CASE("ledger schema: eight workers opening a new ledger at once create it once", "[ledger]") {
  const std::string db = create_database("ledger_schema");
  std::vector<std::future<void>> opened;
  for (int i = 0; i < 8; ++i) {
    opened.push_back(std::async(std::launch::async, [&] { ledger::Ledger::open(dsn_for(db)); }));
  }
  for (auto& o : opened) CHECK_NOTHROW(o.get());
  CHECK(scalar(db, "SELECT count(*) FROM pgfleet_ledger.schema_version") ==
        std::to_string(ledger::ledger_schema_version()));
  CHECK(scalar(db, "SELECT to_regclass('pgfleet_ledger.tenants') IS NOT NULL") == "t");
}

TEST_CASE("ledger schema: a ledger newer than this pgfleet is refused", "[ledger]") {
  const std::string db = create_database("ledger_newer");
  ledger::Ledger::open(dsn_for(db));
  query(db, "INSERT INTO pgfleet_ledger.schema_version (version) VALUES (99)");
  try {
    ledger::Ledger::open(dsn_for(db));
    FAIL("a newer ledger was accepted");
  } catch (const ledger::LedgerError& e) {
    CHECK(std::string(e.what()).find("newer than this pgfleet") != std::string::npos);
  }
}

TEST_CASE("ledger schema: an unreachable ledger is a ledger error without the password",
          "[ledger]") {
  try {
    ledger::Ledger::open("postgresql://u:s3cret-pw@127.0.0.1:1/nothing?connect_timeout=2");
    FAIL("an unreachable ledger was opened");
  } catch (const ledger::LedgerError& e) {
    CHECK(std::string(e.what()).find("s3cret-pw") == std::string::npos);
  }
}
