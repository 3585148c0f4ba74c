// Files: plain or zstd, streamed in both directions.
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/os.h>
#include <unistd.h>
#include <zstd.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <deque>

#include "model/scoped_fd.h"
#include "tracefile/bytes.h"
#include "tracefile/tracefile.h"

namespace tracediff::tracefile {
namespace {

constexpr unsigned char kZstdMagic[4] = {0x28, 0xB5, 0x2F, 0xFD};
// Read granularity: large enough that syscalls are not the cost, small
// enough to stay out of the per-event memory budget.
constexpr std::size_t kChunk = 1 << 20;

bool ends_with(std::string_view s, std::string_view suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

void write_all(int fd, const char* p, std::size_t n, const std::string& path) {
  while (n) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw fmt::system_error(errno, "write to {}", path);
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

std::string now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

// ---------------------------------------------------------------- reading

using detail::Bytes;

struct LineReader::Impl {
  ScopedFd fd;
  bool eof = false;
  bool zstd = false;
  bool sniffed = false;
  ZSTD_DStream* ds = nullptr;
  bool zstd_more = false;     // the last call filled its output: the decoder may hold more
  bool frame_open = false;    // inside a zstd frame that has not ended yet
  std::uint64_t file_size = 0;  // regular files only; 0 unknown
  std::uint64_t total_in = 0;   // bytes read from the file
  std::uint64_t total_out = 0;  // bytes of text produced
  Bytes raw;                  // compressed input not yet consumed
  std::size_t raw_pos = 0;
  Bytes buf;                  // text
  std::size_t pos = 0;
  ~Impl() {
    if (ds) ZSTD_freeDStream(ds);
  }
};

LineReader::LineReader(const std::string& path) : impl_(std::make_unique<Impl>()), path_(path) {
  if (path == "-") {
    impl_->fd.reset(0);
  } else {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw InputError(fmt::format("{}: {}", path, std::strerror(errno)));
    impl_->fd.reset(fd);
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) impl_->file_size = static_cast<std::uint64_t>(st.st_size);
  }
}

LineReader::~LineReader() = default;

bool LineReader::truncated() const { return impl_->eof && impl_->frame_open; }

std::uint64_t LineReader::size_hint() const {
  const Impl& m = *impl_;
  if (!m.zstd) return m.file_size;
  if (!m.total_in) return 0;
  // The ratio of the first chunk is a poor guide (the start of a trace,
  // exec and loading, compresses worse than the rest): err high, twice
  // the extrapolation, since unused reserved memory is never touched.
  return static_cast<std::uint64_t>(2.0 * static_cast<double>(m.file_size) * static_cast<double>(m.total_out) /
                                    static_cast<double>(m.total_in));
}

namespace {

// Appends up to kChunk bytes read from `fd` to `out`. Returns the number
// read, 0 at end of file.
std::size_t read_chunk(int fd, Bytes& out, const std::string& path) {
  char* dst = out.grow(kChunk);
  ssize_t n;
  do n = ::read(fd, dst, kChunk);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EISDIR) throw InputError(fmt::format("{}: is a directory", path));
    throw InputError(fmt::format("{}: {}", path, std::strerror(errno)));
  }
  out.commit(static_cast<std::size_t>(n));
  return static_cast<std::size_t>(n);
}

}  // namespace

// Appends more text to impl_->buf. Returns false at end of input.
bool LineReader::fill() {
  Impl& m = *impl_;
  for (;;) {
    if (m.zstd && (m.raw_pos < m.raw.size() || m.zstd_more)) {
      std::size_t cap = ZSTD_DStreamOutSize();
      ZSTD_outBuffer out{m.buf.grow(cap), cap, 0};
      ZSTD_inBuffer in{m.raw.data() + m.raw_pos, m.raw.size() - m.raw_pos, 0};
      std::size_t r = ZSTD_decompressStream(m.ds, &out, &in);
      if (ZSTD_isError(r))
        throw InputError(fmt::format("{}: corrupt zstd data: {}", path_, ZSTD_getErrorName(r)));
      m.raw_pos += in.pos;
      m.buf.commit(out.pos);
      m.total_out += out.pos;
      // A full output buffer may leave decoded data inside the decoder even
      // when all input is consumed: call again before reading more.
      m.zstd_more = out.pos == out.size;
      m.frame_open = r != 0;
      if (out.pos) return true;
      continue;
    }
    if (m.eof) return false;
    if (m.zstd) {
      m.raw.consume(m.raw_pos);
      m.raw_pos = 0;
      std::size_t n = read_chunk(m.fd.get(), m.raw, path_);
      m.total_in += n;
      if (n == 0) {
        m.eof = true;
        return false;
      }
      continue;
    }
    std::size_t old = m.buf.size();
    std::size_t n = read_chunk(m.fd.get(), m.buf, path_);
    m.total_in += n;
    if (!m.sniffed) {
      m.sniffed = true;
      if (n >= 4 && std::memcmp(m.buf.data() + old, kZstdMagic, 4) == 0) {
        // Compressed: what was read is input for the decoder, not text.
        m.zstd = true;
        m.ds = ZSTD_createDStream();
        ZSTD_initDStream(m.ds);
        m.frame_open = true;
        std::memcpy(m.raw.grow(n), m.buf.data() + old, n);
        m.raw.commit(n);
        m.buf.consume(m.buf.size());
        m.pos = 0;
        continue;
      }
    }
    if (n == 0) {
      m.eof = true;
      return false;
    }
    m.total_out += n;
    return true;
  }
}

bool LineReader::next(std::string_view& line, bool& unterminated) {
  Impl& m = *impl_;
  std::size_t scan = m.pos;
  for (;;) {
    // (An empty Bytes has no storage: memchr must not see a null pointer.)
    const char* nl = scan < m.buf.size()
                         ? static_cast<const char*>(std::memchr(m.buf.data() + scan, '\n', m.buf.size() - scan))
                         : nullptr;
    if (nl) {
      std::size_t end = static_cast<std::size_t>(nl - m.buf.data());
      line = std::string_view(m.buf.data() + m.pos, end - m.pos);
      m.pos = end + 1;
      unterminated = false;
      ++lineno_;
      return true;
    }
    // Keep the partial line, drop what was consumed, read more.
    if (m.pos > 0) {
      m.buf.consume(m.pos);
      m.pos = 0;
    }
    scan = m.buf.size();
    if (!fill()) {
      if (m.pos < m.buf.size()) {
        line = std::string_view(m.buf.data() + m.pos, m.buf.size() - m.pos);
        m.pos = m.buf.size();
        unterminated = true;
        ++lineno_;
        return true;
      }
      return false;
    }
  }
}

std::string read_file_decompressed(const std::string& path) {
  LineReader r(path);
  std::string out;
  std::string_view line;
  bool unterminated;
  while (r.next(line, unterminated)) {
    out += line;
    if (!unterminated) out.push_back('\n');
  }
  return out;
}

bool looks_like_trace(std::string_view head) {
  std::size_t first = head.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && head.compare(first, 13, "{\"tracediff\":") == 0;
}

// ---------------------------------------------------------------- writing

struct TraceWriter::Impl {
  ScopedFd fd;
  bool closed = false;
  ZSTD_CStream* cs = nullptr;
  Bytes buf;         // uncompressed JSON not yet handed to zstd / the kernel
  std::string zbuf;  // compressed output scratch
  std::string created;       // the header's, kept by update_header()
  std::size_t header_region = 0;  // bytes at offset 0 update_header() may rewrite; 0: none
  // Places kept (keep_place), oldest first: each one's event once filled,
  // and the events written after it, up to the next place, in pieces of
  // about a write buffer (no copy as they grow, and written as they are).
  struct Place {
    std::size_t id = 0;
    bool filled = false;
    Bytes event;
    std::vector<Bytes> after;
  };
  std::deque<Place> places;
  ~Impl() {
    if (cs) ZSTD_freeCStream(cs);
  }
};

namespace {

// A zstd skippable frame (RFC 8878, 3.1.2): magic 0x184D2A50, the size of
// what follows (little-endian), that many bytes any decoder skips.
constexpr std::size_t kSkippableHeader = 8;
void append_skippable(std::string& out, std::size_t content) {
  auto le32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  le32(0x184D2A50);
  le32(static_cast<std::uint32_t>(content));
  out.append(content, '\0');
}

// The header as one zstd frame of its own (level 3, as the stream).
std::string compress_frame(std::string_view text, const std::string& path) {
  std::string z(ZSTD_compressBound(text.size()), '\0');
  std::size_t n = ZSTD_compress(z.data(), z.size(), text.data(), text.size(), 3);
  if (ZSTD_isError(n)) throw std::runtime_error(fmt::format("{}: zstd: {}", path, ZSTD_getErrorName(n)));
  z.resize(n);
  return z;
}

void pwrite_all(int fd, const std::string& data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t w = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(done));
    if (w < 0) {
      if (errno == EINTR) continue;
      throw fmt::system_error(errno, "write to {}", path);
    }
    done += static_cast<std::size_t>(w);
  }
}

}  // namespace

// Flush the buffer at this size even between explicit flushes, so that the
// writer's memory stays small for long recordings.
constexpr std::size_t kWriteBuffer = 256 * 1024;

TraceWriter::TraceWriter(const std::string& path, const Header& h)
    : TraceWriter(path, h, Options{}) {}

TraceWriter::TraceWriter(const std::string& path, const Header& h, Options opt)
    : impl_(std::make_unique<Impl>()), path_(path) {
  if (path == "-") {
    impl_->fd.reset(1);
  } else {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (opt.force ? O_TRUNC : O_EXCL);
    int fd = ::open(path.c_str(), flags, opt.mode);
    if (fd < 0) {
      if (errno == EEXIST || errno == EISDIR) refuse_existing_output(path);
      throw InputError(fmt::format("{}: cannot create: {}", path, std::strerror(errno)));
    }
    impl_->fd.reset(fd);
    // An existing file replaced with --force keeps its inode, so it would
    // keep a mode wider than a new trace gets (0644 for a file holding
    // environments and data): narrow it. Never widen, and leave devices
    // and pipes (/dev/null, a FIFO) alone.
    struct stat st;
    if (opt.force && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777 & ~opt.mode) != 0)
      ::fchmod(fd, st.st_mode & 07777 & opt.mode);
    if (ends_with(path, ".zst")) {
      impl_->cs = ZSTD_createCStream();
      // Level 3 is zstd's default: several times smaller than the JSON at a
      // fraction of the recorder's cost.
      ZSTD_initCStream(impl_->cs, 3);
    }
  }
  Header hdr = h;
  if (hdr.created.empty()) hdr.created = now_iso8601();
  impl_->created = hdr.created;
  std::string line = header_to_json(hdr);
  struct stat st;
  std::size_t room = opt.header_room;
  if (path == "-" || ::fstat(impl_->fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) room = 0;
  if (room && impl_->cs) {
    // Its own frame, then room to grow into: update_header() rewrites both.
    line.push_back('\n');
    std::string frame = compress_frame(line, path_);
    impl_->header_region = frame.size() + kSkippableHeader + room;
    append_skippable(frame, room);
    write_all(impl_->fd.get(), frame.data(), frame.size(), path_);
    return;
  }
  if (room) {
    line.append(room, ' ');  // JSON allows spaces after the object
    impl_->header_region = line.size();
  }
  impl_->buf.append(line);
  impl_->buf.put('\n');
  flush();
}

bool TraceWriter::can_update_header() const { return impl_->header_region != 0; }

bool TraceWriter::update_header(const Header& h) {
  Impl& m = *impl_;
  if (m.closed || m.header_region == 0) return false;
  Header hdr = h;
  if (hdr.created.empty()) hdr.created = m.created;
  std::string line = header_to_json(hdr);
  if (m.cs) {
    line.push_back('\n');
    std::string frame = compress_frame(line, path_);
    if (frame.size() + kSkippableHeader > m.header_region) return false;
    append_skippable(frame, m.header_region - frame.size() - kSkippableHeader);
    pwrite_all(m.fd.get(), frame, path_);
    return true;
  }
  if (line.size() > m.header_region) return false;
  line.append(m.header_region - line.size(), ' ');
  pwrite_all(m.fd.get(), line, path_);
  return true;
}

TraceWriter::~TraceWriter() {
  try {
    close();
  } catch (...) {
    // Destructors must not throw; callers that care call close() themselves.
  }
}

void TraceWriter::write(const Event& e) {
  if (impl_->closed) throw std::logic_error("TraceWriter::write after close");
  if (!impl_->places.empty()) {
    std::vector<Bytes>& after = impl_->places.back().after;
    if (after.empty() || after.back().size() >= kWriteBuffer) {
      after.emplace_back();
      after.back().grow(kWriteBuffer + kWriteBuffer / 4);  // room for the piece and the event that ends it
    }
    detail::encode_event(after.back(), e);
    after.back().put('\n');
    return;
  }
  detail::encode_event(impl_->buf, e);
  impl_->buf.put('\n');
  if (impl_->buf.size() >= kWriteBuffer) flush();
}

void TraceWriter::keep_place(std::size_t place) {
  if (impl_->closed) throw std::logic_error("TraceWriter::keep_place after close");
  impl_->places.push_back(Impl::Place{place, false, {}, {}});
}

void TraceWriter::fill_place(std::size_t place, const Event& e) {
  Impl& m = *impl_;
  auto it = std::find_if(m.places.begin(), m.places.end(), [&](const Impl::Place& p) { return p.id == place && !p.filled; });
  if (it == m.places.end()) throw std::logic_error(fmt::format("TraceWriter::fill_place: place {} not kept", place));
  detail::encode_event(it->event, e);
  it->event.put('\n');
  it->filled = true;
  // The places filled from the oldest on go to the file, with what followed
  // each: a piece goes to the kernel as it is, unless it is small or zstd
  // compresses it.
  auto out = [&](std::string_view v) {
    if (m.cs || v.size() < kWriteBuffer / 4) {
      m.buf.append(v);
      if (m.buf.size() >= kWriteBuffer) flush();
      return;
    }
    flush();
    write_all(m.fd.get(), v.data(), v.size(), path_);
  };
  while (!m.places.empty() && m.places.front().filled) {
    Impl::Place& p = m.places.front();
    out(p.event.view());
    for (const Bytes& piece : p.after) out(piece.view());
    m.places.pop_front();
  }
}

namespace {

void zstd_pump(ZSTD_CStream* cs, std::string& zbuf, std::string_view in_data, ZSTD_EndDirective mode,
               int fd, const std::string& path) {
  ZSTD_inBuffer in{in_data.data(), in_data.size(), 0};
  zbuf.resize(ZSTD_CStreamOutSize());
  for (;;) {
    ZSTD_outBuffer out{zbuf.data(), zbuf.size(), 0};
    std::size_t left = ZSTD_compressStream2(cs, &out, &in, mode);
    if (ZSTD_isError(left)) throw std::runtime_error(fmt::format("{}: zstd: {}", path, ZSTD_getErrorName(left)));
    write_all(fd, zbuf.data(), out.pos, path);
    if (left == 0 && in.pos == in.size) break;
  }
}

}  // namespace

void TraceWriter::flush() {
  Impl& m = *impl_;
  if (m.closed) return;
  if (m.cs) {
    zstd_pump(m.cs, m.zbuf, m.buf.view(), ZSTD_e_flush, m.fd.get(), path_);
  } else {
    write_all(m.fd.get(), m.buf.data(), m.buf.size(), path_);
  }
  m.buf.clear();
}

void TraceWriter::close() {
  Impl& m = *impl_;
  if (m.closed) return;
  if (!m.places.empty()) {
    flush();  // what comes before the place
    throw std::logic_error(fmt::format("TraceWriter::close: place {} kept and not filled", m.places.front().id));
  }
  if (m.cs) {
    zstd_pump(m.cs, m.zbuf, m.buf.view(), ZSTD_e_end, m.fd.get(), path_);
    m.buf.clear();
  } else {
    flush();
  }
  m.closed = true;
  int fd = m.fd.release();
  if (fd > 2 && ::close(fd) != 0) throw fmt::system_error(errno, "close {}", path_);
}

void refuse_existing_output(const std::string& path) {
  struct stat st;
  throw OutputExists(path, ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode));
}

void check_can_create(const std::string& path, TraceWriter::Options opt) {
  if (path == "-") return;
  auto fail = [&](int err) {
    throw InputError(fmt::format("{}: cannot create: {}", path, std::strerror(err)));
  };
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    // The same refusal as the constructor's O_EXCL, which also refuses a
    // symbolic link (even a dangling one).
    if (S_ISDIR(st.st_mode) || !opt.force) refuse_existing_output(path);
    // A dangling symbolic link: open(O_CREAT) would create its target; let
    // the constructor judge that.
    if (::access(path.c_str(), W_OK) != 0 && errno != ENOENT) fail(errno);
    return;
  }
  if (errno != ENOENT) fail(errno);
  std::string dir = ".";
  if (auto slash = path.rfind('/'); slash != std::string::npos) dir = slash == 0 ? "/" : path.substr(0, slash);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) fail(errno);
}

void write_trace(const std::string& path, const Trace& t, TraceWriter::Options opt,
                 const std::function<void()>& each) {
  TraceWriter w(path, t.header, opt);
  for (const Event& e : t.events) {
    w.write(e);
    if (each) each();
  }
  w.close();
}

}  // namespace tracediff::tracefile
