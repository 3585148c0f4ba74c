// Folding consequences under their cause, and several good and bad runs
// (issue 13), on small hand-built traces.
#include <gtest/gtest.h>

#include "diff/diff.h"
#include "model/errors.h"
#include "tests/diff/builders.h"

namespace tracediff {
namespace {

using namespace testing;

// A program that looks for its module; when found, it opens the module's
// files; when not, it writes an error and exits 1. `extra` adds a file it
// may or may not look at (a cache warm on some runs).
Trace module_program(std::int32_t pid, bool found, bool extra = false, bool second_fault = false) {
  TraceBuilder b(pid);
  b.exec("/usr/bin/app", {"app"}).open("/etc/ld.so.cache", ok(3)).call("close", {fd(3)}, ok());
  if (extra) b.open("/var/cache/app/warm", ok(3)).call("close", {fd(3)}, ok());
  auto other = [&] {
    if (second_fault) b.open("/etc/app/other.conf", fail("EACCES"));
    else b.open("/etc/app/other.conf", ok(3)).call("close", {fd(3)}, ok());
  };
  if (found) {
    b.open("/srv/mod/__init__.py", ok(3)).call("close", {fd(3)}, ok());
    for (const char* f : {"a", "b", "c", "d"})
      b.open(std::string("/srv/mod/") + f + ".py", ok(3)).call("close", {fd(3)}, ok());
    other();
    b.exit(0);
  } else {
    b.open("/srv/mod/__init__.py", fail("ENOENT"));
    other();
    b.write_err("app: no module named mod\n");
    b.exit(1);
  }
  return b.build();
}

diff::SourceOpener opener(const Trace& t, const std::string& name) {
  return [t, name] { return std::make_unique<TraceSource>(t, name); };
}

const diff::Divergence* find_failure(const diff::DiffResult& r, const std::string& path) {
  for (const diff::Divergence& d : r.divergences)
    if (d.bad && d.bad->err && d.bad->path == path) return &d;
  return nullptr;
}

TEST(Fold, WhatTheGoodSideWentOnToDoFollowsFromTheMissingModule) {
  diff::DiffResult r = diff::diff_traces(module_program(100, true), module_program(200, false));
  ASSERT_FALSE(r.divergences.empty());
  const diff::Divergence& cause = r.divergences[0];
  ASSERT_TRUE(cause.bad && cause.bad->err);
  EXPECT_EQ(*cause.bad->err, "ENOENT");
  EXPECT_EQ(cause.follows, 0);
  EXPECT_GT(cause.consequences, 0u);
  EXPECT_NE(cause.consequence_summary.find("the good side went on to open mod/*.py"), std::string::npos)
      << cause.consequence_summary;
  EXPECT_EQ(r.standing_count(), 1u);
  EXPECT_GT(r.runs.folded, 0u);
  for (const diff::Divergence& d : r.divergences)
    if (d.significant && &d != &cause) {
      EXPECT_EQ(d.follows, 1) << d.explanation;
    }
  EXPECT_TRUE(r.has_significant());
}

TEST(Fold, ALaterFailureStandsOnItsOwn) {
  diff::DiffResult r = diff::diff_traces(module_program(100, true), module_program(200, false, false, true));
  const diff::Divergence* other = find_failure(r, "/etc/app/other.conf");
  const diff::Divergence* mod = find_failure(r, "/srv/mod/__init__.py");
  ASSERT_TRUE(other && mod);
  EXPECT_EQ(other->follows, 0);
  EXPECT_EQ(mod->follows, 0);
  EXPECT_EQ(r.standing_count(), 2u);
}

TEST(Fold, JsonSaysWhatFollowsFromWhat) {
  diff::DiffResult r = diff::diff_traces(module_program(100, true), module_program(200, false));
  std::string j = diff::diff_to_json(r);
  EXPECT_NE(j.find(R"("version":3)"), std::string::npos);
  EXPECT_NE(j.find(R"("follows":1)"), std::string::npos);
  EXPECT_NE(j.find(R"("follows":null)"), std::string::npos);
  EXPECT_NE(j.find(R"("runs":{"good":["good"],"bad":["bad"],"learned_noise":0)"), std::string::npos) << j.substr(0, 400);
}

TEST(Runs, TwoRunsAreTheSameAsOneDiff) {
  diff::RunSources runs;
  runs.good.push_back(opener(module_program(100, true), "g"));
  runs.bad.push_back(opener(module_program(200, false), "b"));
  diff::DiffResult a = diff::diff_runs(runs);
  diff::DiffResult b = diff::diff_traces(module_program(100, true), module_program(200, false), {}, "g", "b");
  EXPECT_EQ(diff::diff_to_json(a), diff::diff_to_json(b));
}

TEST(Runs, WhatVariesBetweenGoodRunsIsNoiseThere) {
  // The warm cache is opened on the first good run only; the bad run does
  // not open it either: alone, that is a difference; with the third good
  // run, it varies between good runs.
  Trace g1 = module_program(100, true, true), g2 = module_program(300, true, false);
  Trace bad = module_program(200, false, false);
  diff::DiffResult one = diff::diff_traces(g1, bad);
  auto warm = [](const diff::DiffResult& r) -> const diff::Divergence* {
    for (const diff::Divergence& d : r.divergences)
      if (d.good && d.good->path == "/var/cache/app/warm") return &d;
    return nullptr;
  };
  ASSERT_TRUE(warm(one));
  EXPECT_TRUE(warm(one)->significant);

  diff::RunSources runs;
  runs.good = {opener(g1, "g1"), opener(g2, "g2")};
  runs.bad = {opener(bad, "bad")};
  diff::DiffResult r = diff::diff_runs(runs);
  ASSERT_TRUE(warm(r));
  EXPECT_FALSE(warm(r)->significant);
  EXPECT_EQ(warm(r)->reason, "varies between good runs");
  EXPECT_EQ(r.runs.learned_noise, 1u);
  EXPECT_EQ(r.runs.good_files, (std::vector<std::string>{"g1", "g2"}));
  const diff::Divergence& cause = r.divergences.at(0);
  ASSERT_TRUE(cause.bad && cause.bad->err);
  EXPECT_EQ(cause.bad->path, "/srv/mod/__init__.py");
  EXPECT_EQ(cause.seen, "in 1 of 1 bad runs, 0 of 2 good");
}

TEST(Runs, TheFaultEveryBadRunSharesRanksFirst) {
  // Bad run 1 has the shared fault (no module) and one of its own (an
  // unreadable config, which on its own would rank first: it comes first
  // and the error follows it); bad run 2 only the shared fault.
  Trace good = module_program(100, true);
  Trace bad1 = module_program(200, false, false, true), bad2 = module_program(300, false);
  diff::DiffResult one = diff::diff_traces(good, bad1);
  ASSERT_TRUE(one.divergences.at(0).bad);
  EXPECT_EQ(one.divergences.at(0).bad->path, "/etc/app/other.conf");

  diff::RunSources runs;
  runs.good = {opener(good, "good"), opener(module_program(400, true), "good2"), opener(module_program(500, true), "good3")};
  runs.bad = {opener(bad1, "bad1"), opener(bad2, "bad2")};
  diff::DiffResult r = diff::diff_runs(runs);
  const diff::Divergence& first = r.divergences.at(0);
  ASSERT_TRUE(first.bad);
  EXPECT_EQ(first.bad->path, "/srv/mod/__init__.py");
  EXPECT_EQ(first.seen, "in 2 of 2 bad runs, 0 of 3 good");
  const diff::Divergence* own = find_failure(r, "/etc/app/other.conf");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->seen, "in 1 of 2 bad runs, 0 of 3 good");
  EXPECT_TRUE(own->stands());
}

TEST(Runs, AGoodRunOfAnotherCommandIsRefused) {
  TraceBuilder other(300);
  other.exec("/usr/bin/other", {"other"}).exit(0);
  diff::RunSources runs;
  runs.good = {opener(module_program(100, true), "good.1.trace"), opener(other.build(), "good.2.trace")};
  runs.bad = {opener(module_program(200, false), "bad.trace")};
  try {
    diff::diff_runs(runs);
    FAIL() << "not refused";
  } catch (const InputError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("good.2.trace"), std::string::npos) << m;
    EXPECT_NE(m.find("commands differ"), std::string::npos) << m;
  }
  diff::DiffOptions force;
  force.force = true;
  EXPECT_NO_THROW(diff::diff_runs(runs, force));
}

}  // namespace
}  // namespace tracediff
