// What an error means here: one sentence from the evidence the trace has.
#include "explain/search.h"

#include "evidence/evidence.h"

namespace tracediff::explain::detail {

std::string hint(const ExplainLink& l, const Event& e) {
  evidence::Caller who{l.uid, l.gid, l.groups};
  return evidence::of_failure(e, l.err, l.path, who, HostInfo{}, l.tried).why;
}

}  // namespace tracediff::explain::detail
