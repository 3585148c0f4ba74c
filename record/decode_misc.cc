// Calls outside the families that still deserve names: umask (its result is
// the old mask), uname, and prlimit64/getrlimit resources.
#include <fmt/format.h>
#include <sys/resource.h>

#include "record/decode.h"

namespace tracediff::record::detail {
namespace {

constexpr FlagName kResourcesArr[] = {
    {RLIMIT_CPU, "RLIMIT_CPU"},       {RLIMIT_FSIZE, "RLIMIT_FSIZE"},   {RLIMIT_DATA, "RLIMIT_DATA"},
    {RLIMIT_STACK, "RLIMIT_STACK"},   {RLIMIT_CORE, "RLIMIT_CORE"},     {RLIMIT_RSS, "RLIMIT_RSS"},
    {RLIMIT_NPROC, "RLIMIT_NPROC"},   {RLIMIT_NOFILE, "RLIMIT_NOFILE"}, {RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"},
    {RLIMIT_AS, "RLIMIT_AS"},         {RLIMIT_LOCKS, "RLIMIT_LOCKS"},   {RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"},
    {RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"}, {RLIMIT_NICE, "RLIMIT_NICE"}, {RLIMIT_RTPRIO, "RLIMIT_RTPRIO"},
    {RLIMIT_RTTIME, "RLIMIT_RTTIME"},
};

}  // namespace

std::vector<Decoder> misc_decoders() {
  return {
      {"umask",
       [](DecodeCtx& c) { c.add(c.mode_arg(0)); },
       [](DecodeCtx& c) { c.ev().result.str = mode_to_string(static_cast<std::uint32_t>(c.ret)); }},
      // A mapping's protection and what it maps: a PROT_EXEC mapping of a
      // file that fails with EPERM is a library on a noexec mount.
      {"mmap",
       [](DecodeCtx& c) {
         c.add(c.hex_arg(0));
         c.add(c.uint_arg(1));
         c.add(c.flags_arg(2, kProtFlags, "PROT_NONE"));
         c.add(c.flags_arg(3, kMapFlags));
         c.add(static_cast<int>(c.arg(4)) < 0 ? c.int_arg(4) : c.fd_arg(4));
         c.add(c.hex_arg(5));
       },
       nullptr},
      {"mprotect",
       [](DecodeCtx& c) {
         c.add(c.hex_arg(0));
         c.add(c.uint_arg(1));
         c.add(c.flags_arg(2, kProtFlags, "PROT_NONE"));
       },
       nullptr},
      {"prlimit64",
       [](DecodeCtx& c) {
         c.add(c.int_arg(0));
         c.add(c.enum_arg(1, kResourcesArr));
         c.add(c.hex_arg(2));
         c.add(c.hex_arg(3));
       },
       nullptr},
  };
}

}  // namespace tracediff::record::detail
