// A private MariaDB server for the tests of one test process (scenarios/mariadb_server.h): its
// own data directory and socket under the build folder (build/mariadb-test/<pid>), no TCP port.
// Its data directory is a copy of a template that mariadb-install-db creates once per build
// folder (build/mariadb-test/template). Started on the first FreshMariadbDatabase() call, stopped
// (SIGTERM, then waited for) and its directory removed when the process exits.
//
// Tests that need it skip, naming the missing binary, only when mariadbd or mariadb-install-db is
// not installed (setup.sh installs mariadb-server, so CI runs them); any other failure to start
// fails the test.
//
// Threading: FreshMariadbDatabase is thread-safe. A forked child must leave with _exit (the
// server belongs to the process that started it; a child never stops it).
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "driver/common/clock.h"
#include "driver/common/status.h"
#include "driver/md_proxy/md_proxy.h"

namespace nsxv::testing_util {

// Creates an empty database (utf8mb4, binary collation) and a user with a password on the
// private server; returns its URL in neutron.conf's form
// (mysql+pymysql://USER:PASSWORD@localhost/DB?unix_socket=PATH). kNotFound: the server binaries
// are not installed (the message names them).
Result<std::string> FreshMariadbDatabase();

// The password of that user (to check that it never appears in messages).
const char* MariadbTestPassword();

// The store of the fixtures that are not parameterized by engine (PluginTest, DriverEnvTest):
// MariaDB when the environment has NSXV_TEST_STORE=mariadb (CI runs their suites a second time
// so), else SQLite. REQUIRES: called before tests start threads (reads the environment).
bool TestStoreIsMariadb();

// Contexts on a fresh MariaDB database for the fixtures above (md_proxy::MakeContextFactory).
md_proxy::ContextFactory FreshMariadbFactory(Clock* clock);

}  // namespace nsxv::testing_util

// Sets `url` (a std::string declared by the caller) to a fresh database, or skips / fails the
// current test. Usable in TEST bodies and SetUp().
#define NSXV_FRESH_MARIADB_OR_SKIP(url)                                         \
  do {                                                                          \
    auto nsxv_fresh_db = ::nsxv::testing_util::FreshMariadbDatabase();          \
    if (!nsxv_fresh_db.ok()) {                                                  \
      if (nsxv_fresh_db.error().code() == ::nsxv::StatusCode::kNotFound) {      \
        GTEST_SKIP() << nsxv_fresh_db.error().message();                        \
      }                                                                         \
      FAIL() << "private MariaDB server: " << nsxv_fresh_db.error().ToString(); \
    }                                                                           \
    (url) = *nsxv_fresh_db;                                                     \
  } while (0)
