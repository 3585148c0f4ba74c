// Internals of the strace importer: the line prefix scanner (pid, time) and
// the argument/result grammar. Hand-written single-pass scanners over
// string_views: the importer must run at 100 MB/s or more, so nothing here
// uses regular expressions or allocates per character.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/trace.h"

namespace tracediff::strace::detail {

/// Removes ANSI escape sequences (ESC [ ... final byte) from `line`. Returns
/// `line` itself when it has none, else a view of `scratch`.
std::string_view strip_ansi(std::string_view line, std::string& scratch);

/// How a line's timestamp was written.
enum class StampKind : std::uint8_t { None, TimeOfDay, Epoch, Relative };

/// What precedes the call on a line: `[pid  1234] `, `1234  `, `1234<comm> `,
/// then `12:00:00.123456 ` / `1700000000.123456 ` / `     0.000123 `.
struct LinePrefix {
  std::int32_t pid = 0;        ///< 0: the line had no pid prefix
  StampKind stamp = StampKind::None;
  std::int64_t stamp_ns = 0;   ///< as written (time of day, epoch or delta)
};

/// Consumes the prefix from `s`. Never fails: what is not a prefix stays.
void parse_prefix(std::string_view& s, LinePrefix& out);

/// Parses "S.F" seconds (F up to 9 digits) into ns; false when malformed.
bool parse_seconds(std::string_view s, std::int64_t& ns);

/// Decodes the bytes of a C string body (without the quotes): \n \t \r \f \v
/// \a \b \e \\ \" \' \? \xHH and 1-3 digit octal.
void decode_escapes(std::string_view body, std::string& out);
/// The same into a CompactString field of the model.
inline void decode_escapes(std::string_view body, CompactString& out) {
  std::string decoded;
  decode_escapes(body, decoded);
  out = decoded;
}

/// Parses a comma-separated argument list starting at `pos` up to and
/// including the closing `)`, appending to `out`. Returns false when the text
/// is not a well-formed list; `pos` is then unspecified.
bool parse_arg_list(std::string_view s, std::size_t& pos, std::vector<Arg>& out);

/// Parses what follows the closing `)` of a call: ` = 3</etc/x> <0.000012>`,
/// `= -1 ENOENT (No such file or directory)`, `= ? <unavailable>`, ...
/// `dur_ns` is set when a -T duration is present. False when malformed.
bool parse_result(std::string_view s, Result& r, std::int64_t& dur_ns);

}  // namespace tracediff::strace::detail
