// Internal to diff/: the values of an event compared when the identities
// of two calls match (same call family, same target), field by field.
// Each field has a canonical form, compared (run-varying parts such as
// generated names abstracted by normalize::Canon), and its form as
// recorded, shown. A field is only listed where a difference is evidence:
// a file's type, mode, owner, group and emptiness; a link's target; an id
// a call returned; the arguments a program was run with; the error a
// non-blocking connect reported; a DNS answer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/trace.h"
#include "normalize/canon.h"

namespace tracediff::diff::detail {

struct Field {
  std::string name;        ///< "owner uid", "mode", "target", "argv", ...
  std::string canonical;   ///< what is compared
  std::string shown;       ///< what was recorded
};

/// The compared fields of `e` (a successful call or an exec event); none
/// for a call whose values say nothing about the host.
std::vector<Field> fields_of(const Event& e, normalize::Canon& canon);

/// A digest of fields_of(e) (names and canonical values); 0 when empty.
std::uint64_t values_digest(const std::vector<Field>& fields);

/// The DNS messages an event carried (a query it sent to port 53, an
/// answer it read from there), decoded: "db.internal A: NXDOMAIN",
/// "db.internal A: 10.1.2.3"; empty for any other event. `remote` is the
/// address the socket is connected to, when the replay knows it.
std::vector<std::string> dns_of(const Event& e, std::string_view remote);

}  // namespace tracediff::diff::detail
