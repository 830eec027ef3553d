#include <catch2/catch.hpp>

#include "pgfleet/db/conninfo.hpp"

using pgfleet::ConnInfo;
using pgfleet::ConnInfoError;

namespace {

// A password with every character that needs care in a URI or a key=value string.
const std::string canary = "Can@ry:p/w%d#'x y";
const std::string canary_uri = "Can%40ry%3Ap%2Fw%25d%23%27x%20y";
const std::string canary_kv = R"('Can@ry:p/w%d#\'x y')";

// The message of the ConnInfoError thrown by parse(text); fails the test if none is thrown.
std::string parse_error(const std::string& text) {
  try {
    ConnInfo::parse(text);
  } catch (const ConnInfoError& e) {
    return e.what();
  }
  FAIL("no ConnInfoError for a bad connection string");
  return {};
}

void require_no_canary(const std::string& text) {
  for (const std::string& form : {canary, canary_uri, canary_kv, std::string("Can@ry")}) {
    INFO(text);
    REQUIRE(text.find(form) == std::string::npos);
  }
}

}  // namespace

TEST_CASE("conninfo parses a full postgres URI", "[conninfo]") {
  const auto info = ConnInfo::parse(
      "postgres://alice:s3cret@db.example.com:6543/app?sslmode=require&application_name=x");
  CHECK(info.host() == "db.example.com");
  CHECK(info.port() == "6543");
  CHECK(info.user() == "alice");
  CHECK(info.password() == "s3cret");
  CHECK(info.dbname() == "app");
  CHECK(info.get("sslmode") == "require");
  CHECK(info.get("application_name") == "x");
  CHECK(info.host_port() == "db.example.com:6543");
}

TEST_CASE("conninfo accepts the postgresql:// scheme and defaults", "[conninfo]") {
  const auto info = ConnInfo::parse("postgresql://db.example.com");
  CHECK(info.host() == "db.example.com");
  CHECK(info.port() == "5432");
  CHECK(info.dbname().empty());
  CHECK(info.user().empty());
  CHECK_FALSE(info.password().has_value());
  CHECK(info.secret_forms().empty());
  CHECK_FALSE(info.get("sslmode").has_value());
}

TEST_CASE("conninfo percent-decodes every URI part", "[conninfo]") {
  const auto info =
      ConnInfo::parse("postgres://us%65r:" + canary_uri + "@h%6Fst/my%20db?application_name=a%26b");
  CHECK(info.user() == "user");
  CHECK(info.password() == canary);
  CHECK(info.host() == "host");
  CHECK(info.dbname() == "my db");
  CHECK(info.get("application_name") == "a&b");
}

TEST_CASE("conninfo reads bracketed IPv6 hosts", "[conninfo]") {
  const auto info = ConnInfo::parse("postgres://u@[::1]:5433/db");
  CHECK(info.host() == "::1");
  CHECK(info.port() == "5433");
  CHECK(info.host_port() == "[::1]:5433");
  CHECK(ConnInfo::parse("postgres://[fe80::1]/db").host() == "fe80::1");
}

TEST_CASE("conninfo reads a URI host list", "[conninfo]") {
  const auto info = ConnInfo::parse("postgres://u@a.example:5432,b.example:5433,[::1]/db");
  CHECK(info.host() == "a.example");
  CHECK(info.get("host") == "a.example,b.example,::1");
  CHECK(info.get("port") == "5432,5433,");
  CHECK(info.port() == "5432");
}

TEST_CASE("conninfo takes the host from a URI query parameter", "[conninfo]") {
  const auto info = ConnInfo::parse("postgresql:///db?host=/var/run/postgresql&port=5433");
  CHECK(info.host() == "/var/run/postgresql");
  CHECK(info.port() == "5433");
  CHECK(info.dbname() == "db");
  CHECK(ConnInfo::parse("postgres://u@/db?hostaddr=10.0.0.1").host() == "10.0.0.1");
}

TEST_CASE("conninfo maps the URI ssl=true alias", "[conninfo]") {
  CHECK(ConnInfo::parse("postgres://h/db?ssl=true").get("sslmode") == "require");
}

TEST_CASE("conninfo tolerates a raw @ in a URI password", "[conninfo]") {
  const auto info = ConnInfo::parse("postgres://u:p@ss@host.example/db");
  CHECK(info.password() == "p@ss");
  CHECK(info.host() == "host.example");
}

TEST_CASE("conninfo refuses a raw / in a URI password instead of reading it as a path",
          "[conninfo]") {
  // libpq would read host "app", port 2024 and a database name holding the password.
  const std::string message = parse_error("postgresql://app:2024/Spring!@db/x");
  CHECK_THAT(message, Catch::Contains("%2F"));
  CHECK(message.find("Spring") == std::string::npos);
  CHECK(message.find("2024") == std::string::npos);
  const auto encoded = ConnInfo::parse("postgresql://app:2024%2FSpring!@db/x");
  CHECK(encoded.password() == "2024/Spring!");
  CHECK(encoded.host() == "db");
  CHECK(encoded.dbname() == "x");
  CHECK(ConnInfo::parse("postgresql://h/db%40x").dbname() == "db@x");
}

TEST_CASE("conninfo parses key=value strings", "[conninfo]") {
  const auto info = ConnInfo::parse(
      "  host=db.example.com port = 6000 dbname='my db' user=bob  connect_timeout=5 ");
  CHECK(info.host() == "db.example.com");
  CHECK(info.port() == "6000");
  CHECK(info.dbname() == "my db");
  CHECK(info.user() == "bob");
  CHECK(info.get("connect_timeout") == "5");
}

TEST_CASE("conninfo unescapes quoted key=value values", "[conninfo]") {
  const auto info = ConnInfo::parse(R"(host=h password='it\'s a \\ test' options=a\ b)");
  CHECK(info.password() == R"(it's a \ test)");
  CHECK(info.get("options") == "a b");
  CHECK(ConnInfo::parse("host=h password=").password() == "");
  CHECK(ConnInfo::parse("host=h password=''").password() == "");
}

TEST_CASE("conninfo reads the canary password in both forms", "[conninfo]") {
  const auto from_uri = ConnInfo::parse("postgres://u:" + canary_uri + "@h/db");
  const auto from_kv = ConnInfo::parse("host=h user=u dbname=db password=" + canary_kv);
  CHECK(from_uri.password() == canary);
  CHECK(from_kv.password() == canary);
  CHECK(from_uri.to_libpq() == from_kv.to_libpq());
}

TEST_CASE("conninfo to_libpq round-trips every keyword", "[conninfo]") {
  const auto info = ConnInfo::parse("postgres://u:" + canary_uri +
                                    "@h1:1,h2:2/d?sslmode=verify-full&options=-c%20x%3D1");
  const std::string libpq = info.to_libpq();
  CHECK(libpq ==
        R"(dbname='d' host='h1,h2' options='-c x=1' password='Can@ry:p/w%d#\'x y' port='1,2' )"
        R"(sslmode='verify-full' user='u')");
  const auto again = ConnInfo::parse(libpq);
  CHECK(again.to_libpq() == libpq);
  CHECK(again.password() == canary);
}

TEST_CASE("conninfo redacted() drops the password", "[conninfo]") {
  const auto info = ConnInfo::parse("postgres://u:" + canary_uri + "@h/db");
  require_no_canary(info.redacted());
  CHECK(info.redacted() == "dbname='db' host='h' user='u'");
}

TEST_CASE("conninfo secret_forms lists raw, encoded and decoded forms", "[conninfo]") {
  const auto forms = ConnInfo::parse("postgres://u:" + canary_uri + "@h/db").secret_forms();
  CHECK(std::find(forms.begin(), forms.end(), canary) != forms.end());
  CHECK(std::find(forms.begin(), forms.end(), canary_uri) != forms.end());
  for (std::size_t i = 1; i < forms.size(); ++i) CHECK(forms[i - 1].size() >= forms[i].size());

  const auto lower = ConnInfo::parse("postgres://u:a%2fb@h/db").secret_forms();
  CHECK(std::find(lower.begin(), lower.end(), "a%2fb") != lower.end());
  CHECK(std::find(lower.begin(), lower.end(), "a/b") != lower.end());

  const auto kv = ConnInfo::parse("host=h password=" + canary_kv).secret_forms();
  CHECK(std::find(kv.begin(), kv.end(), canary) != kv.end());
  CHECK(std::find(kv.begin(), kv.end(), canary_kv) != kv.end());
  CHECK(std::find(kv.begin(), kv.end(), canary_uri) != kv.end());
}

TEST_CASE("conninfo redact_secrets hides every form", "[conninfo]") {
  const auto info = ConnInfo::parse("postgres://u:" + canary_uri + "@h/db");
  const std::string text = "raw " + canary + " uri " + canary_uri + " kv " + canary_kv + " end";
  const std::string redacted = pgfleet::redact_secrets(text, info.secret_forms());
  require_no_canary(redacted);
  CHECK(redacted.find("end") != std::string::npos);
  CHECK(pgfleet::redact_secrets("a secret b secret", {"secret"}) == "a *** b ***");
  CHECK(pgfleet::redact_secrets("nothing", {}) == "nothing");
  CHECK(pgfleet::redact_secrets("nothing", {""}) == "nothing");
}

TEST_CASE("conninfo rejects empty and blank strings", "[conninfo]") {
  CHECK_THAT(parse_error(""), Catch::Contains("empty"));
  CHECK_THAT(parse_error("   \n\t"), Catch::Contains("empty"));
}

TEST_CASE("conninfo rejects hostless strings", "[conninfo]") {
  CHECK_THAT(parse_error("dbname=app user=u"), Catch::Contains("no host"));
  CHECK_THAT(parse_error("postgres:///app"), Catch::Contains("no host"));
  CHECK_THAT(parse_error("postgres://u:pw@/app"), Catch::Contains("no host"));
  CHECK_THAT(parse_error("host='' dbname=app"), Catch::Contains("no host"));
  CHECK_THAT(parse_error("postgresql://"), Catch::Contains("no host"));
}

TEST_CASE("conninfo rejects unparsable strings", "[conninfo]") {
  parse_error("just-some-text");
  parse_error("host=h dbname");
  parse_error("host=h password='unterminated");
  parse_error("mysql://u:p@h/db");
  parse_error("postgres://h/db?sslmode");
  parse_error("postgres://[::1/db");
  parse_error("postgres://h:notaport/db");
  parse_error("host=h port=70000");
  parse_error("postgres://h/db?ssl=maybe");
}

TEST_CASE("conninfo rejects unknown keywords", "[conninfo]") {
  CHECK_THAT(parse_error("host=h colour=blue"), Catch::Contains("unknown keyword"));
  CHECK_THAT(parse_error("postgres://h/db?colour=blue"), Catch::Contains("unknown keyword"));
  const auto info = ConnInfo::parse("host=h");
  auto copy = info;
  CHECK_THROWS_AS(copy.set("colour", "blue"), ConnInfoError);
}

TEST_CASE("conninfo rejects bad percent escapes", "[conninfo]") {
  CHECK_THAT(parse_error("postgres://u:p%zzw@h/db"), Catch::Contains("percent"));
  parse_error("postgres://u:pw%@h/db");
  parse_error("postgres://u:pw%4@h/db");
  parse_error("postgres://h/db%00");
}

TEST_CASE("conninfo errors never contain the password", "[conninfo]") {
  const std::vector<std::string> bad = {
      "postgres://u:" + canary_uri + "@/db",
      "postgres://u:" + canary_uri + "%zz@h/db",
      "postgres://u:" + canary_uri + "@h/db?nonsense=" + canary_uri,
      "postgres://u:" + canary_uri + "@h:bad/db",
      "user=u password=" + canary_kv + " dbname=d",
      "host=h password=" + canary + " dbname=d",
      "host=h password='" + canary,
      "password=Can@ry:p/w%d#x colour=Can@ry",
  };
  for (const auto& text : bad) require_no_canary(parse_error(text));
}

TEST_CASE("conninfo set and set_host update the string", "[conninfo]") {
  auto info = ConnInfo::parse("postgres://u:pw@a.example,b.example:5433/db");
  info.set("application_name", "pgfleet/run-1");
  info.set_host("c.example");
  CHECK(info.host() == "c.example");
  CHECK(info.get("host") == "c.example,b.example");
  CHECK(info.get("application_name") == "pgfleet/run-1");

  auto with_addr = ConnInfo::parse("host=a.example hostaddr=10.0.0.1");
  with_addr.set_host("b.example");
  CHECK(with_addr.host() == "b.example");
  CHECK_FALSE(with_addr.get("hostaddr").has_value());

  auto same = ConnInfo::parse("host=a.example hostaddr=10.0.0.1");
  same.set_host("a.example");
  CHECK(same.get("hostaddr") == "10.0.0.1");

  info.set("password", "new-secret");
  CHECK(info.password() == "new-secret");
  const auto forms = info.secret_forms();
  CHECK(std::find(forms.begin(), forms.end(), "new-secret") != forms.end());
}

TEST_CASE("conninfo neon_direct_host drops -pooler from Neon endpoints only", "[conninfo]") {
  using pgfleet::neon_direct_host;
  CHECK(neon_direct_host("ep-x-y-123-pooler.us-east-2.aws.neon.tech") ==
        "ep-x-y-123.us-east-2.aws.neon.tech");
  CHECK(neon_direct_host("ep-cool-darkness-123456-pooler.eu-central-1.aws.neon.tech") ==
        "ep-cool-darkness-123456.eu-central-1.aws.neon.tech");
  CHECK(neon_direct_host("ep-x-y-123.us-east-2.aws.neon.tech") ==
        "ep-x-y-123.us-east-2.aws.neon.tech");
  CHECK(neon_direct_host("db-pooler.example.com") == "db-pooler.example.com");
  CHECK(neon_direct_host("ep-a.b-pooler.example.com") == "ep-a.b-pooler.example.com");
  CHECK(neon_direct_host("ep--pooler.x") == "ep--pooler.x");
  CHECK(neon_direct_host("localhost") == "localhost");
  CHECK(neon_direct_host("") == "");
}
