// `tracediff --version`: build_config.h is written at configure time,
// build_revision.h at every build (cmake/build_info.cmake).
#include "cli/version.h"

#include <fmt/format.h>
#include <gnu/libc-version.h>

#include <string_view>

#include "build_config.h"
#include "build_revision.h"
#include "model/trace.h"

namespace tracediff::cli {

// The version a trace's header carries and the package's must be one.
static_assert(std::string_view(kToolVersion) == TRACEDIFF_PROJECT_VERSION,
              "model/trace.h kToolVersion differs from project(VERSION) in CMakeLists.txt");

std::string version_text() {
  std::string_view linkage = TRACEDIFF_LINKAGE;
  // A static binary carries its C library; a dynamic one uses the host's,
  // which is the one worth naming.
  std::string libc = linkage == "static"
                         ? fmt::format("glibc {}.{} inside", __GLIBC__, __GLIBC_MINOR__)
                         : fmt::format("glibc {} (the host's)", gnu_get_libc_version());
  std::string users = linkage == "static" ? "user names: from /etc/passwd only (a static binary does not load NSS modules)"
                                          : "user names: from NSS (getpwuid)";
  return fmt::format(
      "tracediff {}\n"
      "revision: {}\n"
      "build: {} {}, {}, {} {}, {}\n"
      "parts: {}\n"
      "{}",
      kToolVersion, TRACEDIFF_REVISION, linkage, TRACEDIFF_ARCH_NAME, libc,
#if defined(__clang__)
      "clang", __clang_version__,
#else
      "gcc", __VERSION__,
#endif
      TRACEDIFF_BUILD_TYPE, TRACEDIFF_PARTS, users);
}

}  // namespace tracediff::cli
