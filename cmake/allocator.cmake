# The memory allocator of the executables (tracediff, the bench tools).
#
# tcmalloc (gperftools' libtcmalloc_minimal, Debian's libgoogle-perftools-dev)
# by default: the importer allocates every event on its parse thread and the
# writer thread frees it, and glibc's malloc serializes those two on one
# arena lock (perf of a 1M-event import: 11% of the samples in the lock's
# futex wait and wake); tcmalloc's per-thread caches take a free from any
# thread without it (docs/performance.md, fourth pass, "The allocator"). The sanitizer
# build keeps the system allocator: ASan brings its own.
#
#   -DTRACEDIFF_ALLOCATOR=tcmalloc   (default) libtcmalloc_minimal, the archive in a static build
#   -DTRACEDIFF_ALLOCATOR=system     glibc's malloc
#
# tracediff_use_allocator(TARGET) links TARGET with it and with alloc/
# (alloc.h: the setting a command asks of it).

set(TRACEDIFF_ALLOCATOR tcmalloc CACHE STRING "memory allocator of the executables: tcmalloc or system")
set_property(CACHE TRACEDIFF_ALLOCATOR PROPERTY STRINGS tcmalloc system)
if(TRACEDIFF_SANITIZE AND TRACEDIFF_ALLOCATOR STREQUAL "tcmalloc")
  message(STATUS "allocator: system (the sanitizers bring their own)")
  set(tracediff_allocator system)
else()
  set(tracediff_allocator ${TRACEDIFF_ALLOCATOR})
endif()

if(tracediff_allocator STREQUAL "tcmalloc")
  if(TRACEDIFF_STATIC)
    find_library(TRACEDIFF_TCMALLOC_LIBRARY NAMES libtcmalloc_minimal.a)
  else()
    find_library(TRACEDIFF_TCMALLOC_LIBRARY NAMES tcmalloc_minimal)
  endif()
  if(NOT TRACEDIFF_TCMALLOC_LIBRARY)
    message(FATAL_ERROR "TRACEDIFF_ALLOCATOR=tcmalloc needs libtcmalloc_minimal (apt-get install "
                        "libgoogle-perftools-dev, or bash scripts/deps.sh); -DTRACEDIFF_ALLOCATOR=system builds "
                        "with glibc's malloc")
  endif()
  set(tracediff_allocator_part "tcmalloc (gperftools)")
elseif(tracediff_allocator STREQUAL "system")
  set(tracediff_allocator_part "glibc malloc")
else()
  message(FATAL_ERROR "TRACEDIFF_ALLOCATOR must be tcmalloc or system, not '${TRACEDIFF_ALLOCATOR}'")
endif()
message(STATUS "allocator: ${tracediff_allocator_part}")

function(tracediff_use_allocator target)
  target_link_libraries(${target} PRIVATE tracediff_alloc)
  if(tracediff_allocator STREQUAL "tcmalloc")
    # Last on the link line, so that it defines malloc and operator new for
    # everything before it.
    target_link_libraries(${target} PRIVATE ${TRACEDIFF_TCMALLOC_LIBRARY})
  endif()
endfunction()
