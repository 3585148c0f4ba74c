// Opening any input: try each format by what the file holds.
#include "input/input.h"

#include <fmt/format.h>

#include <filesystem>

#include "input/counting.h"
#include "strace/strace.h"
#include "tracefile/tracefile.h"

namespace tracediff::input {

FileKind sniff(const std::string& path) {
  tracefile::LineReader r(path);
  std::string head;
  std::string_view line;
  bool unterminated;
  // Judge on the first few lines: enough for a strace log that starts with
  // "strace: Process N attached" or a header, small enough to be instant.
  while (head.size() < 4096 && r.next(line, unterminated)) {
    head += line;
    head.push_back('\n');
  }
  if (head.empty()) return FileKind::Empty;
  std::size_t nonprint = 0;
  for (unsigned char c : head) {
    if (c == 0) return FileKind::Binary;
    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r' && c != 0x1b) ++nonprint;
  }
  if (nonprint * 10 > head.size()) return FileKind::Binary;
  if (tracefile::looks_like_trace(head)) return FileKind::Trace;
  if (strace::looks_like_strace(head)) return FileKind::StraceLog;
  return FileKind::Unknown;
}

namespace {

// The LOG.<pid> files of a -ff set named by their common prefix `path`;
// empty when there are none.
std::vector<std::string> ff_set(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p(path);
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::string prefix = p.filename().string() + ".";
  std::vector<std::string> set;
  for (const auto& de : fs::directory_iterator(dir, ec)) {
    std::string name = de.path().filename().string();
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
        name.find_first_not_of("0123456789", prefix.size()) == std::string::npos)
      set.push_back(de.path().string());
  }
  return set;
}

}  // namespace

namespace {

// Throws load_any's error for a file holding `kind` that is no input.
void require_input(FileKind kind, const std::string& path) {
  switch (kind) {
    case FileKind::Trace:
    case FileKind::StraceLog:
      return;
    case FileKind::Empty:
      throw InputError(fmt::format("{}: empty file, neither a trace nor a strace log", path));
    case FileKind::Binary:
      throw InputError(fmt::format("{}: binary file, neither a trace nor a strace log", path));
    case FileKind::Unknown:
      break;
  }
  throw InputError(fmt::format("{}:1: neither a tracediff trace nor a strace log", path));
}

}  // namespace

Trace load_set(const std::vector<std::string>& paths, progress::Meter* meter) {
  detail::Counting c(meter,
                     paths.size() == 1 ? "reading " + paths[0] : fmt::format("reading {} logs", paths.size()));
  return strace::import_strace_set(paths, c.each());
}

Trace load_any(const std::string& path, progress::Meter* meter) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path != "-" && !fs::exists(path, ec)) {
    // A -ff set: LOG.<pid> files given by their common prefix.
    std::vector<std::string> set = ff_set(path);
    if (set.empty()) throw InputError(fmt::format("{}: no such file", path));
    detail::Counting c(meter, "reading " + path);
    return strace::import_strace_set(set, c.each());
  }
  FileKind kind = sniff(path);
  require_input(kind, path);
  detail::Counting c(meter, "reading " + path);
  if (kind == FileKind::Trace) return tracefile::read_trace(path, c.each());
  strace::ImportOptions opt;
  opt.each = c.each();
  return strace::import_strace_file(path, opt);
}

void check_source(const std::string& path) {
  namespace fs = std::filesystem;
  if (path == "-") return;
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) {
    if (!ff_set(path).empty()) return;
    throw InputError(fmt::format("{}: no such file", path));
  }
  // A pipe, a terminal, a socket: what it holds may not have come yet.
  if (fs::is_fifo(st) || fs::is_character_file(st) || fs::is_socket(st)) return;
  require_input(sniff(path), path);
}

namespace {

// A regular file read as a stream: a trace file event by event, a strace
// log through the streaming importer.
class FileSource : public EventSource {
 public:
  explicit FileSource(std::string path) : path_(std::move(path)) {}
  const std::string& name() const override { return path_; }
  void read(const std::function<void(Header&)>& on_header, const std::function<void(Event&&)>& on_event,
            std::vector<Warning>& warnings) override {
    std::error_code ec;
    bool regular = path_ != "-" && std::filesystem::is_regular_file(path_, ec);
    FileKind kind = regular ? sniff(path_) : FileKind::Unknown;
    if (kind == FileKind::Trace) {
      tracefile::read_trace_events(path_, on_header, on_event, warnings);
    } else if (kind == FileKind::StraceLog) {
      strace::import_strace_stream(
          path_, [&](const Header& h) { Header copy = h; on_header(copy); }, on_event, warnings);
    } else {
      TraceSource(load_any(path_), path_).read(on_header, on_event, warnings);
    }
  }

 private:
  std::string path_;
};

}  // namespace

std::unique_ptr<EventSource> open_any(const std::string& path) { return std::make_unique<FileSource>(path); }

}  // namespace tracediff::input
