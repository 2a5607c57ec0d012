/*
 * driftd's SQLite compatibility extension, loaded into every connection driftd opens.
 *
 * better-sqlite3 compiles SQLite with SQLITE_DQS=0: double-quoted string literals
 * (`CHECK (status IN ("open", "closed"))`) are errors there, while a default build
 * such as Debian's sqlite3 shell accepts them in schemas and statements
 * (https://sqlite.org/quirks.html#dblquote). A database whose schema uses them
 * cannot even be read without this, and its ALTER TABLE re-parses the whole
 * schema. The compile-time default only sets the initial value of two
 * per-connection flags; this turns them back on, nothing else.
 */
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_driftdcompat_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  int rc;
  SQLITE_EXTENSION_INIT2(pApi);
  (void)pzErrMsg;
  rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 1, (int *)0);
  if (rc == SQLITE_OK) rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 1, (int *)0);
  return rc;
}
