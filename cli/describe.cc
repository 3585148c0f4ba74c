#include "cli/describe.h"

#include <fmt/format.h>

namespace tracediff::cli {
namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

std::string names(const std::vector<std::string>& v, const char* dashes) {
  std::string out = "[";
  for (const std::string& n : v) out += (out.size() > 1 ? "," : "") + quote(dashes + n);
  return out + "]";
}

std::string describe(const CLI::App& app) {
  std::string out = "{\"name\":" + quote(app.get_name()) + ",\"description\":" + quote(app.get_description()) +
                    ",\"footer\":" + quote(app.get_footer()) + ",\"options\":[";
  bool first = true;
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_group().empty()) continue;  // hidden, as in --help
    out += first ? "" : ",";
    first = false;
    std::vector<std::string> flag_names = o->get_snames();
    for (std::string& n : flag_names) n = "-" + n;
    for (const std::string& n : o->get_lnames()) flag_names.push_back("--" + n);
    out += fmt::format(
        "{{\"names\":{},\"positional\":{},\"name\":{},\"type\":{},\"default\":{},\"description\":{},"
        "\"values_min\":{},\"values_max\":{},\"required\":{}}}",
        names(flag_names, ""), o->get_positional() ? "true" : "false", quote(o->get_name(true, false)),
        quote(o->get_type_name()), quote(o->get_default_str()), quote(o->get_description()),
        o->get_items_expected_min(), o->get_items_expected_max() >= CLI::detail::expected_max_vector_size ? -1 : o->get_items_expected_max(),
        o->get_required() ? "true" : "false");
  }
  out += "],\"subcommands\":[";
  first = true;
  for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; })) {
    out += (first ? "" : ",") + describe(*s);
    first = false;
  }
  return out + "]}";
}

}  // namespace

std::string describe_cli_json(const CLI::App& app) { return describe(app) + "\n"; }

}  // namespace tracediff::cli
