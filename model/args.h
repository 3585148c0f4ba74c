// Reading values out of an event's arguments, whichever source made it
// (the recorder types them; an imported log may leave an fd as "3</x>" text
// or a socket address as a struct of fields).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/trace.h"

namespace tracediff {

/// The integer an argument holds: its raw value for fds and ints, else its
/// text parsed ("3</etc/x>" -> 3); nullopt when it holds none.
std::optional<std::int64_t> arg_int(const Arg& a);
/// Argument `i` of `e` as an fd number (0 to 2^30); nullopt when it is not one.
std::optional<int> arg_fd(const Event& e, std::size_t i);
/// The integers of an Array argument's items ([0, 27, 100]).
std::vector<std::uint32_t> arg_ids(const Arg& a);
/// Canonical socket address of an argument ("AF_UNIX:/run/x",
/// "AF_INET:1.2.3.4:80", "AF_INET6:[::1]:80"); "" when it is not one.
std::string arg_sockaddr(const Arg& a);
/// True when the argument's text, or that of a field or element, holds `word`.
bool arg_mentions(const Arg& a, std::string_view word);
/// The named field of a Struct argument ("" when absent).
const Arg* arg_field(const Arg& a, std::string_view name);
/// The data a read- or write-like call carried (its second argument, the
/// pieces of an iovec joined); a read's cut to what it returned.
std::string call_data(const Event& e);
/// True for a call that succeeded ("= N" without an errno).
inline bool succeeded(const Event& e) {
  return e.type == EventType::Syscall && e.result.state == ResultState::Returned && !e.result.failed();
}

}  // namespace tracediff
