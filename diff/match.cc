// Process matching: which process on the bad side is which on the good side.
//
// Roots match roots. Children of a matched pair match in two passes, each
// an order-preserving longest common subsequence: first on everything they
// exec'd (paths and argv), then, among those left, on the program they
// first exec'd (or none: plain forks), so a child whose arguments changed
// still finds its partner while a different program does not. What is left
// is one-sided, with its whole subtree. Threads of a matched pair match by
// creation order.
#include <dtl/dtl.hpp>
#include <fmt/format.h>

#include "diff/internal.h"

namespace tracediff::diff::detail {
namespace {

std::string full_signature(const Process& p) {
  std::string s;
  for (const ExecRecord& e : p.execs) {
    s += e.path;
    for (const std::string& a : e.argv) {
      s.push_back('\x1f');
      s += a;
    }
    s.push_back('\x1e');
  }
  return s;
}

std::string program_signature(const Process& p) {
  if (p.execs.empty()) return "";
  const std::string& path = p.execs.front().path;
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string command_of(const Process& p) {
  if (p.execs.empty()) return "";
  const ExecRecord& e = p.execs.back();
  if (e.argv.empty()) return e.path;
  std::string s;
  for (const std::string& a : e.argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

// Order-preserving matches of a[i] and b[j] on equal keys; -1 when unmatched.
void lcs_match(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b, std::vector<int>& a_to_b) {
  a_to_b.assign(a.size(), -1);
  if (a.empty() || b.empty()) return;
  dtl::Diff<std::uint32_t, std::vector<std::uint32_t>> d(a, b);
  d.compose();
  for (const auto& [elem, info] : d.getSes().getSequence())
    if (info.type == dtl::SES_COMMON) a_to_b[info.beforeIdx - 1] = static_cast<int>(info.afterIdx - 1);
}

class Matcher {
 public:
  Matcher(const Side& g, const Side& b, std::vector<TaskPair>& pairs) : g_(g), b_(b), pairs_(pairs) {}

  void run() {
    std::vector<const Process*> gr = roots(g_), br = roots(b_);
    match_lists(gr, br, -1);
  }

 private:
  static std::vector<const Process*> roots(const Side& s) {
    std::vector<const Process*> out;
    for (const Process& p : s.table.processes)
      if (p.ppid == 0 || !s.table.find(p.ppid)) out.push_back(&p);
    return out;
  }

  std::vector<const Process*> children(const Side& s, const Process& p) {
    std::vector<const Process*> out;
    for (std::int32_t c : p.children)
      if (const Process* q = s.table.find(c)) out.push_back(q);
    return out;
  }

  void match_lists(const std::vector<const Process*>& g, const std::vector<const Process*>& b, int parent) {
    std::vector<int> g_to_b(g.size(), -1);
    std::vector<bool> b_used(b.size(), false);
    for (int pass = 0; pass < 2; ++pass) {
      // Keys of the still-unmatched processes only; indices map back.
      std::vector<std::size_t> gi, bi;
      std::vector<std::uint32_t> gk, bk;
      for (std::size_t i = 0; i < g.size(); ++i)
        if (g_to_b[i] < 0) {
          gi.push_back(i);
          gk.push_back(sigs_.intern(pass == 0 ? full_signature(*g[i]) : program_signature(*g[i])));
        }
      for (std::size_t j = 0; j < b.size(); ++j)
        if (!b_used[j]) {
          bi.push_back(j);
          bk.push_back(sigs_.intern(pass == 0 ? full_signature(*b[j]) : program_signature(*b[j])));
        }
      std::vector<int> m;
      lcs_match(gk, bk, m);
      for (std::size_t k = 0; k < m.size(); ++k)
        if (m[k] >= 0) {
          g_to_b[gi[k]] = static_cast<int>(bi[m[k]]);
          b_used[bi[m[k]]] = true;
        }
    }
    // Emit in good order, one-sided bad processes where they fall.
    std::size_t next_b = 0;
    for (std::size_t i = 0; i < g.size(); ++i) {
      if (g_to_b[i] >= 0) {
        for (; next_b < static_cast<std::size_t>(g_to_b[i]); ++next_b)
          if (!b_used[next_b]) add_process(nullptr, b[next_b], parent);
        add_process(g[i], b[g_to_b[i]], parent);
        next_b = std::max(next_b, static_cast<std::size_t>(g_to_b[i]) + 1);
      } else {
        add_process(g[i], nullptr, parent);
      }
    }
    for (std::size_t j = 0; j < b.size(); ++j)
      if (!b_used[j] && j >= next_b) add_process(nullptr, b[j], parent);
    // Any bad process skipped above (a crossing match) still gets a row.
    for (std::size_t j = 0; j < next_b && j < b.size(); ++j)
      if (!b_used[j] && !emitted_b_.count(b[j]->pid)) add_process(nullptr, b[j], parent);
  }

  int add_task(const Process* gp, std::int32_t gtid, const Process* bp, std::int32_t btid, int parent) {
    TaskPair tp;
    tp.good_tid = gp ? gtid : 0;
    tp.bad_tid = bp ? btid : 0;
    tp.name = gp ? g_.task_name(gtid) : b_.task_name(btid);
    if (gp) {
      tp.good_command = command_of(*gp);
      tp.good_exit = gp->exit;
    }
    if (bp) {
      tp.bad_command = command_of(*bp);
      tp.bad_exit = bp->exit;
      emitted_b_.insert(bp->pid);
    }
    tp.parent = parent;
    pairs_.push_back(std::move(tp));
    return static_cast<int>(pairs_.size()) - 1;
  }

  void add_process(const Process* gp, const Process* bp, int parent) {
    if (bp && emitted_b_.count(bp->pid)) bp = nullptr;
    if (!gp && !bp) return;
    int me = add_task(gp, gp ? gp->pid : 0, bp, bp ? bp->pid : 0, parent);
    std::size_t gt = gp ? gp->threads.size() : 0, bt = bp ? bp->threads.size() : 0;
    for (std::size_t i = 0; i < std::max(gt, bt); ++i) {
      const Process* g = i < gt ? gp : nullptr;
      const Process* b = i < bt ? bp : nullptr;
      add_task(g, g ? gp->threads[i] : 0, b, b ? bp->threads[i] : 0, me);
    }
    std::vector<const Process*> gc = gp ? children(g_, *gp) : std::vector<const Process*>{};
    std::vector<const Process*> bc = bp ? children(b_, *bp) : std::vector<const Process*>{};
    match_lists(gc, bc, me);
  }

  const Side& g_;
  const Side& b_;
  std::vector<TaskPair>& pairs_;
  KeyTable sigs_;
  std::set<std::int32_t> emitted_b_;
};

}  // namespace

void match_tasks(const Side& good, const Side& bad, std::vector<TaskPair>& pairs) {
  Matcher(good, bad, pairs).run();
}

}  // namespace tracediff::diff::detail
