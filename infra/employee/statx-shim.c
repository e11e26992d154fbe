// Preloaded into every program of the employee image (/etc/ld.so.preload).
//
// gVisor as Debian 12 ships it (runsc 0.0~20221219) answers statx and fstatat with EINVAL when
// the flags hold AT_NO_AUTOMOUNT, and coreutils 9 passes that flag on every call: `ls`, `stat`,
// `cp -a` fail on every path ("cannot access '/data': Invalid argument"), for the employee's own
// exec tool as for anyone. The flag only keeps an automount point from being triggered; a
// container has none, so dropping it changes nothing, under runc as under gVisor.
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int statx(int dirfd, const char *restrict path, int flags, unsigned int mask,
          struct statx *restrict buf) {
  return (int)syscall(SYS_statx, dirfd, path, flags & ~AT_NO_AUTOMOUNT, mask, buf);
}

int fstatat(int dirfd, const char *restrict path, struct stat *restrict buf, int flags) {
  return (int)syscall(SYS_newfstatat, dirfd, path, buf, flags & ~AT_NO_AUTOMOUNT);
}

int fstatat64(int dirfd, const char *restrict path, struct stat64 *restrict buf, int flags) {
  return (int)syscall(SYS_newfstatat, dirfd, path, buf, flags & ~AT_NO_AUTOMOUNT);
}
