// DNS messages as they cross a socket to or from port 53 (UDP, or TCP with
// its two-byte length): the question and, in an answer, the response code
// and the addresses or names answered. For show, diff and explain, which
// compare "db.internal: NXDOMAIN" with "db.internal: 10.1.2.3" rather than
// the bytes. Decoding never throws: what is not a DNS message is nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracediff {

struct DnsMessage {
  bool response = false;
  int rcode = 0;                     ///< 0 NOERROR, 3 NXDOMAIN, ...
  std::string name;                  ///< the first question's name ("db.internal")
  std::uint16_t type = 0;            ///< its type (1 A, 28 AAAA, ...)
  std::vector<std::string> answers;  ///< "10.1.2.3", "::1", "CNAME web.internal"

  /// "query db.internal A", "db.internal A: NXDOMAIN", "db.internal A: 10.1.2.3".
  std::string describe() const;
};

/// Decodes `bytes` (possibly cut short by the tracer: what is there is
/// decoded). nullopt when they are not a DNS message.
std::optional<DnsMessage> decode_dns(std::string_view bytes);

/// True when a socket address or fd referent names port 53
/// ("AF_INET:10.0.0.1:53", "UDP:[10.0.0.2:40000->10.0.0.1:53]").
bool is_dns_address(std::string_view addr);

}  // namespace tracediff
