#include "model/dns.h"

#include <fmt/format.h>

namespace tracediff {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool u16(std::size_t at, std::uint16_t& v) const {
    if (at + 2 > b_.size()) return false;
    v = static_cast<std::uint16_t>((byte(at) << 8) | byte(at + 1));
    return true;
  }
  unsigned byte(std::size_t at) const { return static_cast<unsigned char>(b_[at]); }
  std::size_t size() const { return b_.size(); }
  std::string_view bytes(std::size_t at, std::size_t n) const { return b_.substr(at, n); }

  // A name at `at` (labels, compression pointers); `next` is past it in
  // the message. 16 jumps bound a malicious loop of pointers.
  bool name(std::size_t at, std::string& out, std::size_t& next) const {
    out.clear();
    bool jumped = false;
    for (int hops = 0; hops < 16;) {
      if (at >= b_.size()) return false;
      unsigned len = byte(at);
      if (len == 0) {
        if (!jumped) next = at + 1;
        if (out.empty()) out.push_back('.');  // the root (push_back: g++ 12 -Wrestrict misreads = ".")
        return true;
      }
      if ((len & 0xc0) == 0xc0) {
        if (at + 1 >= b_.size()) return false;
        if (!jumped) next = at + 2;
        jumped = true;
        at = ((len & 0x3f) << 8) | byte(at + 1);
        ++hops;
        continue;
      }
      if (at + 1 + len > b_.size()) return false;
      if (!out.empty()) out.push_back('.');
      out.append(b_.substr(at + 1, len));
      at += 1 + len;
    }
    return false;
  }

 private:
  std::string_view b_;
};

const char* type_name(std::uint16_t t) {
  switch (t) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 12: return "PTR";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 33: return "SRV";
    case 65: return "HTTPS";
    default: return nullptr;
  }
}

std::string type_text(std::uint16_t t) {
  const char* n = type_name(t);
  return n ? n : fmt::format("TYPE{}", t);
}

const char* rcode_name(int r) {
  static const char* names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
  return r >= 0 && r < 6 ? names[r] : nullptr;
}

std::string answer_text(const Reader& r, std::uint16_t type, std::size_t at, std::uint16_t len) {
  if (type == 1 && len == 4)
    return fmt::format("{}.{}.{}.{}", r.byte(at), r.byte(at + 1), r.byte(at + 2), r.byte(at + 3));
  if (type == 28 && len == 16) {
    std::string s;
    for (int k = 0; k < 8; ++k) {
      if (k) s.push_back(':');
      fmt::format_to(std::back_inserter(s), "{:x}", (r.byte(at + 2 * k) << 8) | r.byte(at + 2 * k + 1));
    }
    return s;
  }
  if (type == 5 || type == 2 || type == 12) {
    std::string n;
    std::size_t next;
    if (r.name(at, n, next)) return type_text(type) + " " + n;
  }
  return type_text(type);
}

std::optional<DnsMessage> decode(std::string_view bytes) {
  Reader r(bytes);
  std::uint16_t flags, qd, an;
  if (!r.u16(2, flags) || !r.u16(4, qd) || !r.u16(6, an)) return std::nullopt;
  // One question in practice; more (or none) is not a resolver's message.
  if (qd != 1 || (flags & 0x7800) != 0) return std::nullopt;  // opcode QUERY only
  DnsMessage m;
  m.response = flags & 0x8000;
  m.rcode = flags & 0xf;
  std::size_t at = 12;
  if (!r.name(at, m.name, at) || !r.u16(at, m.type)) return std::nullopt;
  at += 4;
  if (!m.response) return an == 0 ? std::optional<DnsMessage>(m) : std::nullopt;
  for (unsigned k = 0; k < an; ++k) {
    std::string owner;
    std::uint16_t type, len;
    if (!r.name(at, owner, at) || !r.u16(at, type) || !r.u16(at + 8, len)) break;  // cut short: what is there
    at += 10;
    if (at + len > r.size()) break;
    m.answers.push_back(answer_text(r, type, at, len));
    at += len;
  }
  return m;
}

}  // namespace

std::string DnsMessage::describe() const {
  std::string q = fmt::format("{} {}", name, type_text(type));
  if (!response) return "query " + q;
  if (rcode != 0 || answers.empty()) {
    const char* rc = rcode_name(rcode);
    std::string code = rc ? rc : fmt::format("rcode {}", rcode);
    return rcode == 0 ? q + ": NOERROR, no answer" : q + ": " + code;
  }
  return fmt::format("{}: {}", q, fmt::join(answers, ", "));
}

std::optional<DnsMessage> decode_dns(std::string_view bytes) {
  if (auto m = decode(bytes)) return m;
  // DNS over TCP: a two-byte length first.
  if (bytes.size() > 14) {
    std::size_t len = (static_cast<unsigned char>(bytes[0]) << 8) | static_cast<unsigned char>(bytes[1]);
    if (len >= 12 && len <= bytes.size() - 2 + 512) return decode(bytes.substr(2));
  }
  return std::nullopt;
}

bool is_dns_address(std::string_view a) {
  // "...:53" at the end of an address, or "->...:53]" in a referent.
  if (a.ends_with(":53") || a.ends_with(":53]")) return true;
  return a.find(":53]") != std::string_view::npos || a.find(":53,") != std::string_view::npos;
}

}  // namespace tracediff
