// The one table of syscall knowledge (model/syscalls.h): what the stages
// read from it, and that its rows agree with each other and with the
// architecture's own numbers.
#include <gtest/gtest.h>
#include <sys/syscall.h>

#include <set>
#include <string>

#include "model/syscalls.h"

namespace tracediff {
namespace {

TEST(SyscallTable, KnowsPathFdAndDirFdRoles) {
  const SyscallInfo& o = syscall_info("openat");
  EXPECT_EQ(o.role(0), ArgRole::DirFd);
  EXPECT_EQ(o.role(1), ArgRole::Path);
  EXPECT_EQ(o.path_index(), 1);
  EXPECT_EQ(o.dirfd_index(), 0);
  EXPECT_TRUE(o.is(kClassReturnsFd));
  EXPECT_EQ(syscall_info("read").role(0), ArgRole::Fd);
  EXPECT_EQ(syscall_info("renameat2").role(3), ArgRole::Path);
  EXPECT_EQ(syscall_info("symlinkat").path_index(), 2);
  EXPECT_EQ(syscall_info("symlinkat").dirfd_index(), 1);
  EXPECT_EQ(syscall_info("symlink").role(0), ArgRole::LinkTarget);
  EXPECT_EQ(syscall_info("stat").dirfd_index(), -1);
  EXPECT_TRUE(syscall_info("clone").is(kClassReturnsPid));
  const SyscallInfo& unknown = syscall_info("no_such_call");
  EXPECT_EQ(unknown.classes, 0u);
  EXPECT_EQ(unknown.nr, -1);
  EXPECT_EQ(unknown.path_index(), -1);
}

TEST(SyscallTable, NumbersComeFromTheArchitecturesHeaders) {
  EXPECT_STREQ(syscall_arch(), "x86_64");
  EXPECT_EQ(syscall_number("openat"), SYS_openat);
  EXPECT_EQ(syscall_number("read"), SYS_read);
  EXPECT_EQ(syscall_name(SYS_execve), "execve");
  EXPECT_EQ(syscall_number("stat64"), -1) << "an i386 call has a row but no x86_64 number";
  EXPECT_TRUE(syscall_info("stat64").is(kClassStat));
  EXPECT_GT(syscall_count(), SYS_openat);
  const SyscallInfo* i = syscall_info(SYS_openat);
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i, &syscall_info("openat"));
  EXPECT_EQ(syscall_info(-1), nullptr);
  EXPECT_EQ(syscall_info(100000), nullptr);
  // A call the hand-kept rows do not name still has its number.
  EXPECT_EQ(syscall_info(SYS_kexec_load)->name, "kexec_load");
}

TEST(SyscallTable, InternedNamesFindTheSameRow) {
  InternedString n("newfstatat");
  EXPECT_EQ(&syscall_info(n), &syscall_info("newfstatat"));
  EXPECT_EQ(&syscall_info(n), &syscall_info(n));
  EXPECT_TRUE(syscall_is(n, kClassStat | kClassLookup));
}

TEST(SyscallTable, FamiliesNameWhatCurrentGlibcCalls) {
  EXPECT_EQ(syscall_info("open").family, "openat");
  EXPECT_EQ(syscall_info("stat").family, "newfstatat");
  EXPECT_EQ(syscall_info("statx").family, "newfstatat");
  EXPECT_EQ(syscall_info("vfork").family, "clone");
  EXPECT_EQ(syscall_info("openat").family, "openat");
  EXPECT_EQ(syscall_info(SYS_kexec_load)->family, "kexec_load");
}

TEST(SyscallTable, RowsAgreeWithThemselves) {
  std::set<std::string> anon_without_name;
  for (const SyscallInfo* i : syscalls_by_number()) {
    if (!i) continue;
    if (i->effect == Effect::Open || i->effect == Effect::Anon || i->effect == Effect::Accept ||
        i->effect == Effect::Socket || i->effect == Effect::Dup) {
      EXPECT_TRUE(i->is(kClassReturnsFd)) << i->name << ": makes an fd but is not ReturnsFd";
    }
    if (i->effect == Effect::Anon && i->anon.empty()) anon_without_name.insert(std::string(i->name));
    if (i->is(kClassLookup)) {
      EXPECT_GE(i->path_index(), 0) << i->name << ": a lookup without a path";
    }
    if (i->is(kClassReads) || i->is(kClassWrites)) {
      EXPECT_EQ(i->role(0), ArgRole::Fd) << i->name;
    }
    if (i->path_index() >= 0) {
      EXPECT_TRUE(i->is(kClassFile)) << i->name << ": takes a path but is not %file";
    }
    EXPECT_LE(i->nargs, 6) << i->name;
  }
  EXPECT_TRUE(anon_without_name.empty());
}

TEST(SyscallTable, DefaultExclusionIsTheBulkNotTheEvidence) {
  for (const char* n : {"munmap", "madvise", "futex", "clock_gettime", "rt_sigprocmask", "sched_yield", "rseq"})
    EXPECT_TRUE(excluded_by_default(syscall_info(n))) << n;
  // A mapping that fails is a MemoryError (RLIMIT_AS) or a plugin on a
  // noexec mount: recorded by default.
  for (const char* n : {"openat", "read", "execve", "connect", "clone", "setuid", "kill", "wait4", "mmap",
                        "mprotect", "brk"})
    EXPECT_FALSE(excluded_by_default(syscall_info(n))) << n;
}

TEST(SyscallTable, TraceClassesAsStraceSpellsThem) {
  EXPECT_EQ(trace_class("desc"), trace_class("fd"));
  EXPECT_EQ(trace_class("net"), kClassNetwork);
  EXPECT_EQ(trace_class("process"), kClassProcess);
  EXPECT_EQ(trace_class("bogus"), 0u);
  EXPECT_TRUE(syscall_info("openat").is(trace_class("file")));
  EXPECT_TRUE(syscall_info("socket").is(trace_class("network")));
}

TEST(ErrnoTable, OneAnswerForEveryStage) {
  EXPECT_TRUE(errno_is("EAGAIN", kErrTransient));
  EXPECT_TRUE(errno_is("EAGAIN", kErrLimit)) << "fork under RLIMIT_NPROC";
  EXPECT_TRUE(errno_is("ERESTARTSYS", kErrRestart | kErrTransient));
  EXPECT_TRUE(errno_is("ENOENT", kErrLookup));
  EXPECT_TRUE(errno_is("ENAMETOOLONG", kErrLookup));
  EXPECT_TRUE(errno_is("EACCES", kErrLookup));
  EXPECT_TRUE(errno_is("EACCES", kErrPermission));
  EXPECT_FALSE(errno_is("ETIMEDOUT", kErrTransient)) << "a connect that timed out is an answer";
  EXPECT_TRUE(errno_is("ECONNREFUSED", kErrNetwork));
  EXPECT_EQ(errno_classes("EWHATEVER"), 0u);
}

TEST(ErrnoTable, ExpectedFailuresAreProbes) {
  EXPECT_FALSE(expected_failure("ioctl", "ENOTTY").empty());
  EXPECT_FALSE(expected_failure("unlinkat", "ENOENT").empty());
  EXPECT_FALSE(expected_failure("arch_prctl", "EINVAL").empty());
  EXPECT_TRUE(expected_failure("openat", "ENOENT").empty());
  EXPECT_TRUE(expected_failure("ioctl", "EBADF").empty());
}

}  // namespace
}  // namespace tracediff
