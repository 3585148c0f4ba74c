# TRACEDIFF_STATIC: the dependencies as archives or headers only, under the
# imported-target names the libraries already link to (fmt::fmt,
# simdjson::simdjson, zstd::libzstd_shared), so that no stage's CMakeLists
# needs to know which kind of build this is.
#
#  - fmt: Debian 12's libfmt-dev has no libfmt.a; fmt is used header-only
#    (FMT_HEADER_ONLY compiles its implementation into each user).
#  - simdjson: libsimdjson-dev has only the shared library; the amalgamated
#    simdjson.cpp + simdjson.h from Debian's source package
#    (packaging/fetch-simdjson.sh) are built here as an archive.
#    TRACEDIFF_SIMDJSON_SOURCE is the directory holding those two files.
#  - zstd: libzstd-dev ships libzstd.a. The target keeps the name
#    zstd::libzstd_shared the trace library links to; here it is the archive.
#
# The find_package() configs are not loaded: they would define the same
# names as shared imports.

set(TRACEDIFF_SIMDJSON_SOURCE "" CACHE PATH
    "directory with simdjson's amalgamated simdjson.cpp and simdjson.h (packaging/fetch-simdjson.sh)")
if(NOT EXISTS "${TRACEDIFF_SIMDJSON_SOURCE}/simdjson.cpp" OR NOT EXISTS "${TRACEDIFF_SIMDJSON_SOURCE}/simdjson.h")
  message(FATAL_ERROR "TRACEDIFF_STATIC needs -DTRACEDIFF_SIMDJSON_SOURCE=DIR with simdjson.cpp and simdjson.h "
                      "(bash packaging/fetch-simdjson.sh DIR prints it); got '${TRACEDIFF_SIMDJSON_SOURCE}'")
endif()

# Reads `#define NAME value` from a header (the versions --version reports).
function(tracediff_header_define header name out)
  file(STRINGS "${header}" line REGEX "^#define[ \t]+${name}[ \t]+")
  string(REGEX REPLACE "^#define[ \t]+${name}[ \t]+\"?([^\" \t]*)\"?.*" "\\1" value "${line}")
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

# fmt, header-only.
find_path(TRACEDIFF_FMT_INCLUDE fmt/format-inl.h REQUIRED)
add_library(fmt::fmt INTERFACE IMPORTED)
set_target_properties(fmt::fmt PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${TRACEDIFF_FMT_INCLUDE}"
  INTERFACE_COMPILE_DEFINITIONS "FMT_HEADER_ONLY=1")
tracediff_header_define("${TRACEDIFF_FMT_INCLUDE}/fmt/core.h" FMT_VERSION fmt_number)
math(EXPR fmt_major "${fmt_number} / 10000")
math(EXPR fmt_minor "${fmt_number} % 10000 / 100")
math(EXPR fmt_patch "${fmt_number} % 100")
set(fmt_VERSION "${fmt_major}.${fmt_minor}.${fmt_patch}")

# simdjson, built from its amalgamation. Its include directory comes before
# /usr/include, so <simdjson.h> is the one matching simdjson.cpp.
add_library(tracediff_simdjson STATIC "${TRACEDIFF_SIMDJSON_SOURCE}/simdjson.cpp")
target_include_directories(tracediff_simdjson SYSTEM PUBLIC "${TRACEDIFF_SIMDJSON_SOURCE}")
# Its own code, not ours: our warning flags would only be noise here.
target_compile_options(tracediff_simdjson PRIVATE -w)
add_library(simdjson::simdjson ALIAS tracediff_simdjson)
tracediff_header_define("${TRACEDIFF_SIMDJSON_SOURCE}/simdjson.h" SIMDJSON_VERSION simdjson_VERSION)

# zstd, the archive.
find_path(TRACEDIFF_ZSTD_INCLUDE zstd.h REQUIRED)
find_library(TRACEDIFF_ZSTD_ARCHIVE NAMES libzstd.a REQUIRED)
add_library(zstd::libzstd_shared STATIC IMPORTED)
set_target_properties(zstd::libzstd_shared PROPERTIES
  IMPORTED_LOCATION "${TRACEDIFF_ZSTD_ARCHIVE}"
  INTERFACE_INCLUDE_DIRECTORIES "${TRACEDIFF_ZSTD_INCLUDE}")
foreach(part MAJOR MINOR RELEASE)
  tracediff_header_define("${TRACEDIFF_ZSTD_INCLUDE}/zstd.h" ZSTD_VERSION_${part} zstd_${part})
endforeach()
set(zstd_VERSION "${zstd_MAJOR}.${zstd_MINOR}.${zstd_RELEASE}")

# Every executable of this configuration is linked statically (static-pie:
# still loaded at a random address). scripts/package.sh builds only the
# tracediff target in it.
string(APPEND CMAKE_EXE_LINKER_FLAGS " -static-pie")

# Code that must behave differently inside a static binary asks for this
# (record/host.cc: user names without NSS).
add_compile_definitions(TRACEDIFF_STATIC=1)
