#include "record/ebpf/loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <fstream>
#include <mutex>

#include "record/ebpf/capture.h"
#include "record/ebpf/wire.h"
#include "tracefile/tracefile.h"
#include "tracer.skel.h"

namespace tracediff::record::detail::ebpf {
namespace {

constexpr int kCapBpf = 39, kCapPerfmon = 38;  // <linux/capability.h> of Debian 12 knows both; spelled for older ones

bool has_cap(int cap) {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &hdr, data) != 0) return false;
  return data[cap / 32].effective & (1u << (cap % 32));
}

std::string first_line_of(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string status_field(const char* name) {
  std::ifstream in("/proc/self/status");
  std::string line;
  std::string key = std::string(name) + ":";
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return line.substr(key.size() + (line.size() > key.size() && line[key.size()] == '\t'));
  return {};
}

// libbpf's messages of the current load, for the one line an error gives.
std::mutex g_log_mutex;
std::string g_log;
int capture_log(enum libbpf_print_level level, const char* fmt, va_list ap) {
  // TRACEDIFF_EBPF_VERBOSE=1: everything libbpf says (the verifier's log
  // when a load fails), for whoever changes the kernel program.
  static const bool verbose = getenv("TRACEDIFF_EBPF_VERBOSE") != nullptr;
  if (level == LIBBPF_DEBUG && !verbose) return 0;
  if (verbose) {
    va_list copy;
    va_copy(copy, ap);
    vfprintf(stderr, fmt, copy);
    va_end(copy);
  }
  char buf[1024];
  vsnprintf(buf, sizeof buf, fmt, ap);
  std::lock_guard<std::mutex> lock(g_log_mutex);
  if (g_log.size() < 65536) g_log += buf;
  return 0;
}

// The last line libbpf said that is not empty, for a failure it explains.
std::string last_log_line() {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  std::string s = g_log;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  auto nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

[[noreturn]] void fail(const std::string& step, int err) {
  std::string why = std::strerror(err > 0 ? err : -err);
  std::string reason = unavailable_reason();
  if (!reason.empty()) throw InputError(unavailable_message(reason));
  std::string log = last_log_line();
  throw InputError(unavailable_message(
      fmt::format("{} failed: {}{}", step, why, log.empty() ? "" : " (libbpf: " + log + ")")));
}

}  // namespace

std::string unavailable_message(const std::string& what) {
  return fmt::format("record: --backend ebpf: {}; --backend ptrace works without it", what);
}

std::string unavailable_reason() {
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
    return "the kernel has no BTF (/sys/kernel/btf/vmlinux: CONFIG_DEBUG_INFO_BTF)";
  if (!has_cap(CAP_SYS_ADMIN) && !(has_cap(kCapBpf) && has_cap(kCapPerfmon)))
    return "needs CAP_BPF and CAP_PERFMON (or root)";
  // A map is the cheapest thing to ask bpf() for: it says whether the call
  // exists and is allowed at all.
  int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "td_probe", 4, 4, 1, nullptr);
  if (fd >= 0) {
    close(fd);
    return {};
  }
  int err = errno;
  if (err == ENOSYS) return "the kernel has no bpf() system call (CONFIG_BPF_SYSCALL)";
  std::string lockdown = first_line_of("/sys/kernel/security/lockdown");
  if (lockdown.find("[confidentiality]") != std::string::npos)
    return "kernel lockdown (confidentiality) forbids BPF tracing";
  if (err == EPERM && status_field("Seccomp") == "2")
    return "bpf() is refused by a seccomp filter (a container's?)";
  return fmt::format("bpf() is refused: {}", std::strerror(err));
}

Tracer::Tracer(const LoadOptions& opt, Handler on_record) : on_record_(std::move(on_record)) {
  {
    std::lock_guard<std::mutex> lock(g_log_mutex);
    g_log.clear();
  }
  libbpf_set_print(capture_log);
  if (std::string r = unavailable_reason(); !r.empty()) throw InputError(unavailable_message(r));
  skel_ = tracer_bpf__open();
  if (!skel_) fail("opening the BPF program", errno);
  skel_->rodata->cfg_data_size = opt.data_size;
  skel_->rodata->cfg_follow = opt.follow ? 1 : 0;
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) ncpu = 1;
  bpf_map__set_max_entries(skel_->maps.scratch, static_cast<__u32>(ncpu));
  bpf_map__set_max_entries(skel_->maps.events, static_cast<__u32>(opt.ringbuf_bytes));
  if (int err = tracer_bpf__load(skel_); err != 0) {
    tracer_bpf__destroy(skel_);
    skel_ = nullptr;
    fail("loading the BPF program", err);
  }
  int sel_fd = bpf_map__fd(skel_->maps.selected);
  for (std::size_t nr = 0; nr < opt.selected.size() && nr < TD_MAX_SYSCALLS; ++nr) {
    __u32 k = static_cast<__u32>(nr), v = opt.selected[nr] ? 1 : 0;
    if (v) bpf_map_update_elem(sel_fd, &k, &v, BPF_ANY);
  }
  int cap_fd = bpf_map__fd(skel_->maps.captures);
  std::vector<td_row> rows = build_capture_table();
  for (std::size_t nr = 0; nr < rows.size() && nr < TD_MAX_SYSCALLS; ++nr) {
    if (rows[nr].cap[0].kind == TD_CAP_NONE) continue;
    __u32 k = static_cast<__u32>(nr);
    bpf_map_update_elem(cap_fd, &k, &rows[nr], BPF_ANY);
  }
  rb_ = ring_buffer__new(bpf_map__fd(skel_->maps.events), &Tracer::on_sample, this, nullptr);
  if (!rb_) {
    int err = errno;
    tracer_bpf__destroy(skel_);
    skel_ = nullptr;
    fail("opening the ring buffer", err);
  }
}

Tracer::~Tracer() {
  if (rb_) ring_buffer__free(rb_);
  if (skel_) tracer_bpf__destroy(skel_);
}

void Tracer::attach() {
  if (int err = tracer_bpf__attach(skel_); err != 0) fail("attaching to the tracepoints", err);
}

void Tracer::trace_task(pid_t tid, pid_t tgid) {
  td_task t{};
  t.tgid = static_cast<__u32>(tgid);
  __u32 k = static_cast<__u32>(tid);
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.tasks), &k, &t, BPF_ANY) != 0)
    throw fmt::system_error(errno, "record: tracing task {}", tid);
}

int Tracer::on_sample(void* ctx, void* data, std::size_t size) {
  static_cast<Tracer*>(ctx)->on_record_(static_cast<const char*>(data), size);
  return 0;
}

void Tracer::poll(int timeout_ms) {
  int n = ring_buffer__poll(rb_, timeout_ms);
  if (n < 0 && n != -EINTR) throw fmt::system_error(-n, "record: reading the BPF ring buffer");
  // The kernel program wakes us only when the buffer fills up (wakeups
  // cost the traced program): what came meanwhile is read now.
  drain();
}

void Tracer::drain() {
  int n = ring_buffer__consume(rb_);
  if (n < 0 && n != -EINTR) throw fmt::system_error(-n, "record: reading the BPF ring buffer");
}

KernelLosses Tracer::losses() const {
  KernelLosses l;
  int ncpu = libbpf_num_possible_cpus();
  std::vector<__u64> v(static_cast<std::size_t>(ncpu > 0 ? ncpu : 1));
  int fd = bpf_map__fd(skel_->maps.stats);
  auto sum = [&](__u32 k) {
    std::uint64_t s = 0;
    if (bpf_map_lookup_elem(fd, &k, v.data()) == 0)
      for (__u64 x : v) s += x;
    return s;
  };
  l.ringbuf_drops = sum(TD_STAT_RINGBUF_DROPS);
  l.inflight_full = sum(TD_STAT_INFLIGHT_FULL);
  l.tasks_full = sum(TD_STAT_TASKS_FULL);
  bpf_program* progs[] = {skel_->progs.td_sys_enter, skel_->progs.td_sys_exit, skel_->progs.td_fork,
                          skel_->progs.td_exec, skel_->progs.td_exit, skel_->progs.td_signal_deliver,
                          skel_->progs.td_signal_generate};
  for (bpf_program* p : progs) {
    bpf_prog_info info{};
    __u32 len = sizeof info;
    if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) == 0) l.missed_runs += info.recursion_misses;
  }
  return l;
}

}  // namespace tracediff::record::detail::ebpf
