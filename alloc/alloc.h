// alloc: the memory allocator the executables run with (tcmalloc or glibc's
// malloc, chosen at configure time: cmake/allocator.cmake), and the one
// setting a command asks of it. Nothing else in tracediff knows which
// allocator it has.
#pragma once

namespace tracediff::alloc {

/// Hands memory back to the system as soon as it is freed, instead of
/// keeping it for the next allocation. For a command whose peak is its
/// cost (diff: a vector grown by doubling frees its old block while the
/// new one is in use; tcmalloc keeps the old pages resident by default,
/// +110 MiB at peak on a 1M-event diff). It costs time where memory is
/// freed and allocated again at a high rate (import): there it stays off.
/// A no-op with glibc's malloc, which returns large blocks at once.
void release_memory_eagerly();

}  // namespace tracediff::alloc
