// The one path resolver: how every stage turns a path argument into the
// absolute path it names. A recorded trace (the recorder resolves against
// the task's cwd or a dirfd), an imported one (the importer replays cwd and
// dirfds from the log) and explain's replay all use it, so the same call
// gets the same absolute path whichever way the trace was made.
//
// Resolution is lexical, as the kernel would resolve the path if no
// symbolic link were on the way: "." components, repeated and trailing
// slashes go; ".." removes the component before it ("/.." is "/"). A
// trace cannot know which components are symlinks, and keeping ".." would
// make "/a/b/../c" and "/a/c", which name one file in almost every case,
// two targets for the differ.
#pragma once

#include <string>
#include <string_view>

namespace tracediff {

/// `path` made absolute: itself when it starts with '/', else resolved
/// against `base` (an absolute directory). "" when `path` is empty, or
/// relative with a base that is empty or not absolute (unknown).
std::string absolute_path(std::string_view base, std::string_view path);

/// `p` lexically normalized when absolute ("/a/./b/../c" -> "/a/c"); a
/// relative `p` is returned as it is.
std::string normalize_path(std::string_view p);

/// Whether `p` is absolute and already normal: normalize_path(p) == p,
/// found without building the normal form (most recorded paths are).
bool is_normal_path(std::string_view p);

/// The last component ("/a/b" -> "b", "b" -> "b").
std::string basename_of(std::string_view p);
/// All but the last component ("/a/b" -> "/a", "/a" -> "/", "b" -> ".").
std::string dirname_of(std::string_view p);

}  // namespace tracediff
