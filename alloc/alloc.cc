// alloc.h with either allocator (TRACEDIFF_TCMALLOC: cmake/allocator.cmake).
#include "alloc/alloc.h"

#ifdef TRACEDIFF_TCMALLOC
#include <gperftools/malloc_extension_c.h>
#endif

namespace tracediff::alloc {

void release_memory_eagerly() {
#ifdef TRACEDIFF_TCMALLOC
  // gperftools' name for it (TCMALLOC_AGGRESSIVE_DECOMMIT in the
  // environment): freed spans are returned to the kernel at once.
  MallocExtension_SetNumericProperty("tcmalloc.aggressive_memory_decommit", 1);
#endif
}

}  // namespace tracediff::alloc
