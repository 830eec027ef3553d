// What the CLI prints about arguments it refuses: never a password, in any form.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "pgfleet/cli/message_redaction.hpp"

using pgfleet::cli::redact_message;

TEST_CASE("redact_message masks the password of every URI userinfo") {
  CHECK(
      redact_message("The following arguments were not expected: postgresql://u:pw@h/db --ledgr") ==
      "The following arguments were not expected: postgresql://u:***@h/db --ledgr");
  CHECK(redact_message("--ledgr=postgres://app:s3cr%40t@db1:5432/x?sslmode=require") ==
        "--ledgr=postgres://app:***@db1:5432/x?sslmode=require");
  // A raw '/' or '@' in the password: the userinfo ends at the last '@'.
  CHECK(redact_message("got postgresql://app:2024/Spring!@db/x") ==
        "got postgresql://app:***@db/x");
  CHECK(redact_message("x postgresql://app:p@ss@db/x y") == "x postgresql://app:***@db/x y");
  CHECK(redact_message("https://user:apikey@console.neon.tech/api/v2") ==
        "https://user:***@console.neon.tech/api/v2");
  // A user name alone, or no userinfo, is kept.
  CHECK(redact_message("postgresql://app@db/x and http://h/p") ==
        "postgresql://app@db/x and http://h/p");
}

TEST_CASE("redact_message masks password-like key=value pairs") {
  CHECK(redact_message("bad dsn: host=h password=hunter2 dbname=x") ==
        "bad dsn: host=h password=*** dbname=x");
  CHECK(redact_message("host=h password = 'it\\'s a secret' dbname=x") ==
        "host=h password = *** dbname=x");
  CHECK(redact_message("PGPASSWORD=hunter2 pgfleet") == "PGPASSWORD=*** pgfleet");
  CHECK(redact_message("sslpassword=abc NEON_API_KEY=napi_x1 MY_TOKEN=\"a b\"") ==
        "sslpassword=*** NEON_API_KEY=*** MY_TOKEN=***");
  CHECK(redact_message("postgresql://h/db?password=hunter2&sslmode=require") ==
        "postgresql://h/db?password=***&sslmode=require");
  // Other keys are left alone.
  CHECK(redact_message("--concurrency=abc host=h") == "--concurrency=abc host=h");
}

TEST_CASE("redact_message masks the values of the secret environment variables") {
  ::setenv("PGFLEET_CONTROL_PLANE_KEY", "k3y-v4lue", 1);
  CHECK(redact_message("--tenant-query: got k3y-v4lue here") == "--tenant-query: got *** here");
  ::unsetenv("PGFLEET_CONTROL_PLANE_KEY");
  CHECK(redact_message("--tenant-query: got k3y-v4lue here") ==
        "--tenant-query: got k3y-v4lue here");
}
