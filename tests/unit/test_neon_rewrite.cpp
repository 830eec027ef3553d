// The preflight safety promise, as a pure function: only a parent-branch host is rewritten,
// only the host changes, and anything that could reach another host is refused.
#include <catch2/catch.hpp>

#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/neon/dsn_rewrite.hpp"

using namespace pgfleet;
using namespace pgfleet::neon;

namespace {

BranchHosts hosts() {
  BranchHosts h;
  h.parent_endpoint_ids = {"ep-cool-darkness-a1b2c3d4", "ep-read-only-e5f6g7h8"};
  h.parent_hosts = {"ep-cool-darkness-a1b2c3d4.c-2.us-east-2.aws.neon.tech",
                    "ep-cool-darkness-a1b2c3d4-pooler.c-2.us-east-2.aws.neon.tech",
                    "ep-read-only-e5f6g7h8.c-2.us-east-2.aws.neon.tech",
                    "ep-read-only-e5f6g7h8-pooler.c-2.us-east-2.aws.neon.tech"};
  h.branch_endpoint_id = "ep-new-branch-z9y8x7w6";
  h.branch_host = "ep-new-branch-z9y8x7w6.c-2.us-east-2.aws.neon.tech";
  return h;
}

const std::string kBranchHost = "ep-new-branch-z9y8x7w6.c-2.us-east-2.aws.neon.tech";

ConnInfo rewritten(const std::string& dsn) {
  DsnRewrite result = rewrite_for_branch(dsn, hosts());
  INFO(result.reason);
  REQUIRE(result.status == RewriteStatus::rewritten);
  return ConnInfo::parse(result.connection_string);
}

DsnRewrite refused(const std::string& dsn) {
  DsnRewrite result = rewrite_for_branch(dsn, hosts());
  REQUIRE(result.status == RewriteStatus::refused);
  REQUIRE(result.connection_string.empty());
  REQUIRE_FALSE(result.reason.empty());
  return result;
}

}  // namespace

TEST_CASE("a direct parent host becomes the branch host and nothing else changes", "[neon]") {
  const auto info = rewritten(
      "postgresql://app_owner:s3cret@ep-cool-darkness-a1b2c3d4.c-2.us-east-2.aws.neon.tech:5433/"
      "appdb?sslmode=require&connect_timeout=12&application_name=shop");
  const auto original = ConnInfo::parse(
      "postgresql://app_owner:s3cret@ep-cool-darkness-a1b2c3d4.c-2.us-east-2.aws.neon.tech:5433/"
      "appdb?sslmode=require&connect_timeout=12&application_name=shop");
  REQUIRE(info.host() == kBranchHost);
  REQUIRE(info.user() == "app_owner");
  REQUIRE(info.password() == std::optional<std::string>("s3cret"));
  REQUIRE(info.port() == "5433");
  REQUIRE(info.dbname() == "appdb");
  REQUIRE(info.get("sslmode") == std::optional<std::string>("require"));
  REQUIRE(info.get("connect_timeout") == std::optional<std::string>("12"));
  REQUIRE(info.get("application_name") == std::optional<std::string>("shop"));
  // Field by field, the only difference is the host.
  auto expected = original;
  expected.set_host(kBranchHost);
  REQUIRE(info.to_libpq() == expected.to_libpq());
}

TEST_CASE("a -pooler parent host becomes the branch's direct host", "[neon]") {
  const auto info = rewritten(
      "postgresql://app:pw@ep-cool-darkness-a1b2c3d4-pooler.c-2.us-east-2.aws.neon.tech/appdb");
  REQUIRE(info.host() == kBranchHost);
  REQUIRE(info.dbname() == "appdb");
}

TEST_CASE("hosts of every parent endpoint match, case-insensitively, with a trailing dot",
          "[neon]") {
  REQUIRE(
      rewritten("postgresql://a:b@EP-Read-Only-E5F6G7H8.c-2.us-east-2.aws.neon.tech./db").host() ==
      kBranchHost);
  REQUIRE(
      rewritten("host=ep-read-only-e5f6g7h8-pooler.c-2.us-east-2.aws.neon.tech dbname=db user=u")
          .host() == kBranchHost);
}

TEST_CASE("a password with special characters is carried over byte for byte", "[neon]") {
  const std::string password = "p@ss:w/rd?&= %'\"\\x#ü";
  ConnInfo original = ConnInfo::parse(
      "host=ep-cool-darkness-a1b2c3d4.c-2.us-east-2.aws.neon.tech dbname=db user=u");
  original.set("password", password);
  const auto info = rewritten(original.to_libpq());
  REQUIRE(info.password() == std::optional<std::string>(password));

  const auto from_uri = rewritten(
      "postgresql://"
      "u:p%40ss%3Aw%2Frd%3F%26%3D%20%25@ep-cool-darkness-a1b2c3d4.c-2.us-east-2.aws.neon.tech/db");
  REQUIRE(from_uri.password() == std::optional<std::string>("p@ss:w/rd?&= %"));
}

TEST_CASE("a host that is not on the parent branch is refused, without the password in the reason",
          "[neon]") {
  auto result = refused("postgresql://u:topsecret@prod-db.example.com/db");
  REQUIRE(result.reason.find("prod-db.example.com") != std::string::npos);
  REQUIRE(result.reason.find("topsecret") == std::string::npos);
  // Another branch's endpoint in the same region is production too.
  refused("postgresql://u:pw@ep-other-branch-11112222.c-2.us-east-2.aws.neon.tech/db");
  // A look-alike suffix is not the parent host.
  refused("postgresql://u:pw@ep-cool-darkness-a1b2c3d4.c-2.us-east-2.aws.neon.tech.evil.com/db");
  refused("postgresql://u:pw@127.0.0.1/db");
}

TEST_CASE("anything that could still reach another host is refused", "[neon]") {
  // Several hosts: libpq would try the others too.
  refused(
      "postgresql://u:pw@ep-cool-darkness-a1b2c3d4.c-2.us-east-2.aws.neon.tech,prod.example.com/"
      "db");
  // hostaddr wins over host in libpq.
  refused("host=ep-cool-darkness-a1b2c3d4.c-2.us-east-2.aws.neon.tech hostaddr=10.0.0.5 dbname=db");
  // A service file can supply host or hostaddr.
  refused("host=ep-cool-darkness-a1b2c3d4.c-2.us-east-2.aws.neon.tech service=prod dbname=db");
  // The Neon proxy routes by an endpoint hint in the password.
  refused(
      "host=ep-cool-darkness-a1b2c3d4.c-2.us-east-2.aws.neon.tech "
      "password=endpoint=ep-cool-darkness-a1b2c3d4$pw");
  // ... or in options, when it names an endpoint that is not the parent's.
  refused(
      "host=ep-cool-darkness-a1b2c3d4.c-2.us-east-2.aws.neon.tech "
      "options=endpoint=ep-other-x-11112222");
}

TEST_CASE("an options endpoint hint for the parent is pointed at the branch endpoint", "[neon]") {
  const auto info = rewritten(
      "postgresql://u:pw@ep-cool-darkness-a1b2c3d4.c-2.us-east-2.aws.neon.tech/db?"
      "options=endpoint%3Dep-cool-darkness-a1b2c3d4");
  REQUIRE(info.get("options") == std::optional<std::string>("endpoint=ep-new-branch-z9y8x7w6"));
  REQUIRE(info.host() == kBranchHost);
  const auto other_options = rewritten(
      "host=ep-cool-darkness-a1b2c3d4.c-2.us-east-2.aws.neon.tech options='-c search_path=app'");
  REQUIRE(other_options.get("options") == std::optional<std::string>("-c search_path=app"));
}

TEST_CASE("an unparsable or hostless string is reported unparsable", "[neon]") {
  for (const char* bad : {"", "not a dsn at all ===", "postgresql://u:pw@/db", "dbname=x user=y"}) {
    DsnRewrite result = rewrite_for_branch(bad, hosts());
    INFO(bad);
    REQUIRE(result.status == RewriteStatus::unparsable);
    REQUIRE(result.connection_string.empty());
  }
}
