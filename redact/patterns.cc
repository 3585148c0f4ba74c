#include "redact/patterns.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace tracediff::redact {
namespace {

constexpr std::array<NamePattern, 18> kNames{{
    {"TOKEN", NameMatch::InWord, "API and access tokens: GITHUB_TOKEN, NPM_TOKEN, X-Auth-Token, --token"},
    {"SECRET", NameMatch::InWord, "AWS_SECRET_ACCESS_KEY, CLIENT_SECRET, --client-secret"},
    {"PASSWORD", NameMatch::InWord, "DB_PASSWORD, PGPASSWORD, --password"},
    {"PASSWD", NameMatch::InWord, "MYSQL_PASSWD, --passwd"},
    {"PASSPHRASE", NameMatch::InWord, "GPG_PASSPHRASE"},
    {"PASS", NameMatch::Word, "RABBITMQ_PASS, --pass (not PASSAGE or COMPASS)"},
    {"MYSQL_PWD", NameMatch::Whole, "MySQL's password variable (PWD itself is the working directory)"},
    {"KEY", NameMatch::Word, "API_KEY, X-Api-Key, --key, key=... (not KEYBOARD or KEYMAP)"},
    {"APIKEY", NameMatch::InWord, "APIKEY, apikey=..."},
    {"CREDENTIAL", NameMatch::InWord, "CREDENTIALS, GOOGLE_APPLICATION_CREDENTIALS"},
    {"AUTH", NameMatch::InWord, "Authorization, Proxy-Authorization, OAUTH_*, AUTH_TOKEN (not AUTHOR)"},
    {"COOKIE", NameMatch::InWord, "Cookie, Set-Cookie, COOKIE_SECRET"},
    {"SESSION", NameMatch::InWord, "SESSION_ID, session=..."},
    {"PRIVATE", NameMatch::InWord, "PRIVATE_KEY, private_token"},
    {"DSN", NameMatch::Word, "SENTRY_DSN (a key in a URL)"},
    {"AWS", NameMatch::FirstWord, "every AWS_* variable"},
    {"GITHUB", NameMatch::FirstWord, "every GITHUB_* variable"},
    {"SIGNATURE", NameMatch::InWord, "X-Amz-Signature, signature=..."},
}};

// AUTHOR and its kin hold AUTH; AUTHORITY is a CA's, not a credential.
constexpr std::array<const char*, 5> kNotSecret{{"AUTHOR", "AUTHORS", "AUTHORED", "AUTHORITY", "AUTHORITIES"}};

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::span<const NamePattern> name_patterns() { return kNames; }
std::span<const char* const> not_secret_words() { return kNotSecret; }

std::vector<std::string> name_words(std::string_view name) {
  std::vector<std::string> out;
  std::string cur;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!is_alnum(c)) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    bool camel = i > 0 && std::islower(static_cast<unsigned char>(name[i - 1])) &&
                 std::isupper(static_cast<unsigned char>(c));
    if (camel && !cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
    cur.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

bool looks_secret(std::string_view name) {
  std::vector<std::string> words = name_words(name);
  if (words.empty()) return false;
  std::string whole(name);
  for (char& c : whole) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto excluded = [](const std::string& w) {
    return std::find(kNotSecret.begin(), kNotSecret.end(), w) != kNotSecret.end();
  };
  for (const NamePattern& p : kNames) {
    std::string_view t = p.text;
    switch (p.match) {
      case NameMatch::Whole:
        if (whole == t) return true;
        break;
      case NameMatch::FirstWord:
        if (words.front() == t) return true;
        break;
      case NameMatch::Word:
        for (const std::string& w : words)
          if (w == t) return true;
        break;
      case NameMatch::InWord:
        for (const std::string& w : words)
          if (w.find(t) != std::string::npos && !excluded(w)) return true;
        break;
    }
  }
  return false;
}

}  // namespace tracediff::redact
