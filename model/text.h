// Text helpers every renderer of the model needs: UTF-8 validity and JSON
// strings that are valid whatever the bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tracediff {

/// Length (2 to 4) of the valid UTF-8 sequence that starts at s[i], 0 when
/// none does (strict: no overlong forms, surrogates or code points above
/// U+10FFFF). ASCII bytes are not sequences: 0.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

/// Appends `s` as a JSON string that is valid whatever the bytes: valid
/// UTF-8 is kept as is; control bytes, DEL and bytes that are not UTF-8
/// (binary data) become \u00XX, their Latin-1 code point. For reports
/// (diff JSON, explain JSON); trace files keep bytes exactly ("_hex").
void append_json_text(std::string& out, std::string_view s);

/// The pieces of `s` between `sep`s, empty ones left out ("a,,b," -> a, b):
/// a header's pid list, a listing's names.
std::vector<std::string> split_nonempty(std::string_view s, char sep);

}  // namespace tracediff
