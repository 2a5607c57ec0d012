/*
 * driftd's SQLite extension, loaded into every connection driftd opens. It does two things.
 *
 * 1. Double-quoted string literals. better-sqlite3 compiles SQLite with SQLITE_DQS=0:
 *    double-quoted string literals (`CHECK (status IN ("open", "closed"))`) are errors there,
 *    while a default build such as Debian's sqlite3 shell accepts them in schemas and statements
 *    (https://sqlite.org/quirks.html#dblquote). A database whose schema uses them cannot even be
 *    read without this, and its ALTER TABLE re-parses the whole schema. The compile-time default
 *    only sets the initial value of two per-connection flags; the init turns them back on.
 *
 * 2. Opening beneath a directory handle. SQLite's unix VFS opens the database by path, resolves
 *    every symlink of that path (unixFullPathname: lstat + readlink per component) and later
 *    opens the -journal, -wal and -shm by path too, so a tenant directory swapped for a symlink
 *    between driftd's check and any of those opens would redirect them out of a fleet's root
 *    (issue 14). The unix VFS lets its system calls be replaced (sqlite3_vfs.xSetSystemCall,
 *    https://sqlite.org/c3ref/vfs.html). This extension replaces open, stat, lstat, access,
 *    unlink, readlink and openDirectory once per process. Every path passes straight to the
 *    original call except names in driftd's own namespace, one path component long:
 *
 *        /.driftd-beneath:<fd>:<dev>:<ino>:<flags>:<relative path, "/" as %2F, "%" as %25>
 *
 *    <fd> is a directory descriptor driftd holds open (a fleet's root, or a single database's
 *    directory); <dev>:<ino> must be what fstat(<fd>) says, so a descriptor number reused for
 *    anything else fails closed (ENOENT). The relative path is walked from <fd> one component at
 *    a time with openat(O_NOFOLLOW|O_DIRECTORY) — no "", "." or "..", no symlink (ELOOP/ENOTDIR)
 *    — and the last component is opened, stat'ed, unlinked or access-checked relative to the
 *    walked parent without following a link. An opened regular file with more than one hard link
 *    is refused (EMLINK) unless <flags> holds "L"; anything but a regular file (or a directory
 *    opened read-only) is refused (EINVAL), so a FIFO never blocks an open. lstat of these names
 *    says ENOENT, so unixFullPathname leaves them as they are, and SQLite derives
 *    "<name>-journal", "<name>-wal" and "<name>-shm" by appending to the last component: the
 *    same walk from the same descriptor. Without this extension installed the name does not
 *    exist: the open fails closed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

#define BENEATH_PREFIX "/.driftd-beneath:"
#define BENEATH_PREFIX_LEN (sizeof(BENEATH_PREFIX) - 1)

typedef int (*open_fn)(const char *, int, int);
typedef int (*stat_fn)(const char *, struct stat *);
typedef int (*access_fn)(const char *, int);
typedef int (*unlink_fn)(const char *);
typedef ssize_t (*readlink_fn)(const char *, char *, size_t);
typedef int (*open_directory_fn)(const char *, int *);

static open_fn real_open;
static stat_fn real_stat;
static stat_fn real_lstat;
static access_fn real_access;
static unlink_fn real_unlink;
static readlink_fn real_readlink;
static open_directory_fn real_open_directory;
static int installed;

static int is_beneath(const char *path) {
  return path != 0 && strncmp(path, BENEATH_PREFIX, BENEATH_PREFIX_LEN) == 0;
}

/* A walked name: the parent directory (owned when != root) and the last component. */
struct beneath {
  int root;
  int parent;
  int allow_links;
  char leaf[NAME_MAX + 1];
};

static void release(struct beneath *b) {
  if (b->parent >= 0 && b->parent != b->root) {
    int saved = errno;
    close(b->parent);
    errno = saved;
  }
  b->parent = -1;
}

static int fail(int error) {
  errno = error;
  return -1;
}

static int parse_unsigned(const char **cursor, unsigned long long *out) {
  char *end;
  if (**cursor < '0' || **cursor > '9') return -1;
  errno = 0;
  *out = strtoull(*cursor, &end, 10);
  if (errno != 0 || *end != ':') return -1;
  *cursor = end + 1;
  return 0;
}

/*
 * Parses a name of the namespace and walks its relative path from the descriptor to the parent
 * of the last component. An empty relative path names the directory itself (leaf ".").
 */
static int resolve(const char *path, struct beneath *b) {
  const char *cursor = path + BENEATH_PREFIX_LEN;
  unsigned long long fd, dev, ino;
  char relative[PATH_MAX];
  size_t used = 0;
  struct stat st;
  char *component, *slash;

  b->root = -1;
  b->parent = -1;
  b->allow_links = 0;
  if (parse_unsigned(&cursor, &fd) || parse_unsigned(&cursor, &dev) || parse_unsigned(&cursor, &ino) || fd > INT_MAX) return fail(ENOENT);
  while (*cursor != ':') {
    if (*cursor == '\0') return fail(ENOENT);
    if (*cursor == 'L') b->allow_links = 1;
    cursor++;
  }
  cursor++;
  if (fstat((int)fd, &st) != 0 || !S_ISDIR(st.st_mode) || (unsigned long long)st.st_dev != dev || (unsigned long long)st.st_ino != ino) return fail(ENOENT);
  b->root = (int)fd;
  /* Decode: only %2F and %25 are escapes; "/" itself never appears in the component. */
  for (; *cursor != '\0'; cursor++) {
    char c = *cursor;
    if (c == '/') return fail(EINVAL);
    if (c == '%') {
      if (cursor[1] == '2' && (cursor[2] == 'F' || cursor[2] == 'f')) c = '/';
      else if (cursor[1] == '2' && cursor[2] == '5') c = '%';
      else return fail(EINVAL);
      cursor += 2;
    }
    if (used + 1 >= sizeof(relative)) return fail(ENAMETOOLONG);
    relative[used++] = c;
  }
  relative[used] = '\0';
  b->parent = b->root;
  if (used == 0) {
    strcpy(b->leaf, ".");
    return 0;
  }
  component = relative;
  for (;;) {
    size_t length;
    slash = strchr(component, '/');
    length = slash ? (size_t)(slash - component) : strlen(component);
    if (length == 0 || (length == 1 && component[0] == '.') || (length == 2 && component[0] == '.' && component[1] == '.')) {
      release(b);
      return fail(EINVAL);
    }
    if (length > NAME_MAX) {
      release(b);
      return fail(ENAMETOOLONG);
    }
    if (!slash) {
      memcpy(b->leaf, component, length + 1);
      return 0;
    }
    *slash = '\0';
    {
      int next = openat(b->parent, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0) {
        release(b);
        return -1;
      }
      release(b);
      b->parent = next;
    }
    component = slash + 1;
  }
}

static int beneath_open(const char *path, int flags, int mode) {
  struct beneath b;
  struct stat st;
  int fd;
  if (!is_beneath(path)) return real_open(path, flags, mode);
  if (resolve(path, &b) != 0) return -1;
  /* O_NONBLOCK: a FIFO put in the database's place must not block the open; cleared below. */
  fd = openat(b.parent, b.leaf, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode);
  release(&b);
  if (fd < 0) return -1;
  if (fstat(fd, &st) != 0) {
    int saved = errno;
    close(fd);
    return fail(saved);
  }
  if (S_ISREG(st.st_mode)) {
    /* Another name for the same inode elsewhere: writing through it corrupts that file's database
       (https://sqlite.org/howtocorrupt.html#_unlinking_or_renaming_a_database_file_while_in_use). */
    if (st.st_nlink > 1 && !b.allow_links) {
      close(fd);
      return fail(EMLINK);
    }
  } else if (!(S_ISDIR(st.st_mode) && (flags & O_ACCMODE) == O_RDONLY && !(flags & O_CREAT))) {
    close(fd);
    return fail(EINVAL);
  }
  if (!(flags & O_NONBLOCK)) {
    int current = fcntl(fd, F_GETFL);
    if (current >= 0) fcntl(fd, F_SETFL, current & ~O_NONBLOCK);
  }
  return fd;
}

static int beneath_stat(const char *path, struct stat *st) {
  struct beneath b;
  int rc;
  if (!is_beneath(path)) return real_stat(path, st);
  if (resolve(path, &b) != 0) return -1;
  rc = fstatat(b.parent, b.leaf, st, AT_SYMLINK_NOFOLLOW);
  release(&b);
  return rc;
}

/* unixFullPathname lstat()s each component and follows links it finds: ours are not there. */
static int beneath_lstat(const char *path, struct stat *st) {
  if (!is_beneath(path)) return real_lstat(path, st);
  return fail(ENOENT);
}

static ssize_t beneath_readlink(const char *path, char *buffer, size_t size) {
  if (!is_beneath(path)) return real_readlink(path, buffer, size);
  return fail(EINVAL);
}

static int beneath_access(const char *path, int mode) {
  struct beneath b;
  int rc;
  if (!is_beneath(path)) return real_access(path, mode);
  if (resolve(path, &b) != 0) return -1;
  rc = faccessat(b.parent, b.leaf, mode, AT_SYMLINK_NOFOLLOW);
  release(&b);
  return rc;
}

static int beneath_unlink(const char *path) {
  struct beneath b;
  int rc;
  if (!is_beneath(path)) return real_unlink(path);
  if (resolve(path, &b) != 0) return -1;
  rc = strcmp(b.leaf, ".") == 0 ? fail(EISDIR) : unlinkat(b.parent, b.leaf, 0);
  release(&b);
  return rc;
}

/* The directory holding a file, for SQLite's fsync after creating or deleting a journal. */
static int beneath_open_directory(const char *path, int *fd_out) {
  struct beneath b;
  if (!is_beneath(path)) return real_open_directory(path, fd_out);
  *fd_out = -1;
  if (resolve(path, &b) != 0) return SQLITE_CANTOPEN;
  if (b.parent == b.root) {
    *fd_out = openat(b.root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } else {
    *fd_out = b.parent;
    b.parent = -1;
  }
  return *fd_out >= 0 ? SQLITE_OK : SQLITE_CANTOPEN;
}

struct override {
  const char *name;
  sqlite3_syscall_ptr replacement;
  sqlite3_syscall_ptr *original;
};

static int install(void) {
  struct override overrides[] = {
    {"open", (sqlite3_syscall_ptr)beneath_open, (sqlite3_syscall_ptr *)&real_open},
    {"stat", (sqlite3_syscall_ptr)beneath_stat, (sqlite3_syscall_ptr *)&real_stat},
    {"lstat", (sqlite3_syscall_ptr)beneath_lstat, (sqlite3_syscall_ptr *)&real_lstat},
    {"access", (sqlite3_syscall_ptr)beneath_access, (sqlite3_syscall_ptr *)&real_access},
    {"unlink", (sqlite3_syscall_ptr)beneath_unlink, (sqlite3_syscall_ptr *)&real_unlink},
    {"readlink", (sqlite3_syscall_ptr)beneath_readlink, (sqlite3_syscall_ptr *)&real_readlink},
    {"openDirectory", (sqlite3_syscall_ptr)beneath_open_directory, (sqlite3_syscall_ptr *)&real_open_directory},
  };
  sqlite3_vfs *vfs = sqlite3_vfs_find("unix");
  size_t i;
  if (vfs == 0 || vfs->iVersion < 3 || vfs->xSetSystemCall == 0 || vfs->xGetSystemCall == 0) return SQLITE_ERROR;
  /* The originals: reset each call to SQLite's default first, so a second copy of this library
     (rebuilt while a process runs) never wraps the first one's functions. */
  for (i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++) {
    if (vfs->xSetSystemCall(vfs, overrides[i].name, 0) != SQLITE_OK) return SQLITE_ERROR;
    *overrides[i].original = vfs->xGetSystemCall(vfs, overrides[i].name);
    if (*overrides[i].original == 0) return SQLITE_ERROR;
  }
  for (i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++) {
    if (vfs->xSetSystemCall(vfs, overrides[i].name, overrides[i].replacement) != SQLITE_OK) return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_driftdcompat_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  int rc = SQLITE_OK;
  sqlite3_mutex *mutex;
  SQLITE_EXTENSION_INIT2(pApi);
  mutex = sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_APP1);
  sqlite3_mutex_enter(mutex);
  if (!installed) {
    rc = install();
    if (rc == SQLITE_OK) installed = 1;
  }
  sqlite3_mutex_leave(mutex);
  if (rc != SQLITE_OK) {
    if (pzErrMsg) *pzErrMsg = sqlite3_mprintf("driftd: cannot replace the unix VFS's system calls");
    return rc;
  }
  rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 1, (int *)0);
  if (rc == SQLITE_OK) rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 1, (int *)0);
  /* Never unloaded: its functions are installed in SQLite's process-wide system-call table. */
  return rc == SQLITE_OK ? SQLITE_OK_LOAD_PERMANENTLY : rc;
}
