// A borrowed CompactVector reads its owner's block and copies itself before
// any change; ArgSharer gives equal argument lists one copy and no two
// different lists the same one.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "model/arg_share.h"
#include "model/compact_vector.h"
#include "tests/diff/builders.h"

namespace tracediff {
namespace {

std::vector<std::string> as_vector(const CompactVector<std::string>& v) { return {v.begin(), v.end()}; }

TEST(CompactVectorBorrow, ReadsInPlaceAndCopiesBeforeAChange) {
  CompactVector<std::string> owner{"a", "bb", "ccc"};
  CompactVector<std::string> view = CompactVector<std::string>::borrow(owner);
  EXPECT_TRUE(view.borrowed());
  EXPECT_FALSE(owner.borrowed());
  EXPECT_EQ(std::as_const(view).data(), std::as_const(owner).data());  // no copy to read
  EXPECT_EQ(view, owner);

  view[1] = "changed";  // a non-const access copies first
  EXPECT_FALSE(view.borrowed());
  EXPECT_NE(std::as_const(view).data(), std::as_const(owner).data());
  EXPECT_EQ(as_vector(owner), (std::vector<std::string>{"a", "bb", "ccc"}));
  EXPECT_EQ(as_vector(view), (std::vector<std::string>{"a", "changed", "ccc"}));
}

TEST(CompactVectorBorrow, EveryChangeLeavesTheOwnerAlone) {
  const std::vector<std::string> want = {"a", "bb", "ccc"};
  CompactVector<std::string> owner(want);
  auto check = [&](auto change, std::vector<std::string> after) {
    CompactVector<std::string> view = CompactVector<std::string>::borrow(owner);
    change(view);
    EXPECT_FALSE(view.borrowed());
    EXPECT_EQ(as_vector(view), after);
    EXPECT_EQ(as_vector(owner), want);
  };
  check([](auto& v) { v.push_back("d"); }, {"a", "bb", "ccc", "d"});
  check([](auto& v) { v.pop_back(); }, {"a", "bb"});
  check([](auto& v) { v.insert(v.cbegin() + 1, "x"); }, {"a", "x", "bb", "ccc"});
  check([](auto& v) { v.erase(v.cbegin() + 1); }, {"a", "ccc"});
  check([](auto& v) { v.erase(v.cbegin(), v.cend()); }, {});
  check([](auto& v) { v.resize(1); }, {"a"});
  check([](auto& v) { v.reserve(10); }, {"a", "bb", "ccc"});
  check([](auto& v) { v.front() = "f"; }, {"f", "bb", "ccc"});
  check([](auto& v) { v.back() = "z"; }, {"a", "bb", "z"});
  check([](auto& v) { v.at(0) = "t"; }, {"t", "bb", "ccc"});
  check([](auto& v) { erase_if(v, [](const std::string& s) { return s.size() == 2; }); }, {"a", "ccc"});
  check([](auto& v) { for (std::string& s : v) s += "!"; }, {"a!", "bb!", "ccc!"});
  check([](auto& v) { v.push_back(std::as_const(v)[0]); }, {"a", "bb", "ccc", "a"});  // its own element
  // Emptied: a view that is cleared owns nothing and frees nothing.
  CompactVector<std::string> view = CompactVector<std::string>::borrow(owner);
  view.clear();
  EXPECT_TRUE(view.empty());
  EXPECT_EQ(as_vector(owner), want);
}

TEST(CompactVectorBorrow, CopiesOwnAndMovesStayViews) {
  CompactVector<std::string> owner{"a", "bb"};
  CompactVector<std::string> view = CompactVector<std::string>::borrow(owner);
  CompactVector<std::string> copy = view;
  EXPECT_FALSE(copy.borrowed());
  EXPECT_EQ(copy, owner);
  CompactVector<std::string> moved = std::move(view);
  EXPECT_TRUE(moved.borrowed());
  EXPECT_TRUE(view.empty());
  CompactVector<std::string> assigned;
  assigned = moved;
  EXPECT_FALSE(assigned.borrowed());
  // Views of an empty vector are empty, not borrowed.
  CompactVector<std::string> none;
  EXPECT_FALSE(CompactVector<std::string>::borrow(none).borrowed());
  // Destroying views (here, at the end of scope) frees nothing: the owner's
  // block is freed once, by the owner (ASan checks it in the sanitizer run).
}

// newfstatat(AT_FDCWD, path, {st_mode=S_IFREG|0644, st_size=size}, 0).
ArgList stat_args(const char* p, std::int64_t size) {
  Arg mode = testing::flags("S_IFREG|0644");
  mode.name = "st_mode";
  return {testing::cwd(), testing::path(p), testing::strct({mode, testing::field("st_size", std::to_string(size))}),
          testing::flags("0")};
}

TEST(ArgSharer, EqualListsShareOneCopy) {
  std::vector<ArgList> store;
  ArgSharer sharer(store);
  ArgList a = stat_args("/etc/hosts", 10), b = stat_args("/etc/hosts", 10);
  sharer.share(a);
  sharer.share(b);
  EXPECT_TRUE(a.borrowed());
  EXPECT_TRUE(b.borrowed());
  EXPECT_EQ(std::as_const(a).data(), std::as_const(b).data());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(sharer.hits(), 1u);
  EXPECT_EQ(a, stat_args("/etc/hosts", 10));
}

TEST(ArgSharer, ListsThatDifferAnywhereStayApart) {
  std::vector<ArgList> store;
  ArgSharer sharer(store);
  std::vector<ArgList> lists;
  lists.push_back(stat_args("/etc/hosts", 10));
  lists.push_back(stat_args("/etc/hosts", 11));  // a nested field
  lists.push_back(stat_args("/etc/hostz", 10));
  ArgList abs = stat_args("/etc/hosts", 10);
  abs[1].abs = "/other";
  lists.push_back(abs);
  ArgList ref = stat_args("/etc/hosts", 10);
  ref[0].ref = "/srv";
  lists.push_back(ref);
  ArgList cut = stat_args("/etc/hosts", 10);
  cut[1].truncated = true;
  lists.push_back(cut);
  ArgList named = stat_args("/etc/hosts", 10);
  named[2].items[1].name = "st_blocks";
  lists.push_back(named);
  ArgList shorter = stat_args("/etc/hosts", 10);
  shorter.pop_back();
  lists.push_back(shorter);
  std::vector<ArgList> want = lists;
  for (ArgList& l : lists) sharer.share(l);
  EXPECT_EQ(store.size(), lists.size());
  EXPECT_EQ(sharer.hits(), 0u);
  for (std::size_t i = 0; i < lists.size(); ++i) EXPECT_EQ(lists[i], want[i]) << i;
}

TEST(ArgSharer, RepeatsAnywhereShareAndAFullIndexStaysRight) {
  auto run = [](std::size_t slots, std::vector<ArgList>& store) {
    ArgSharer sharer(store, slots);
    std::vector<ArgList> lists;
    for (int round = 0; round < 3; ++round)
      for (int i = 0; i < 10; ++i) lists.push_back(stat_args("/x", i));
    for (ArgList& l : lists) sharer.share(l);
    for (std::size_t i = 0; i < lists.size(); ++i) EXPECT_EQ(lists[i], stat_args("/x", static_cast<int>(i % 10)));
    return sharer.hits();
  };
  std::vector<ArgList> big, small;
  EXPECT_EQ(run(1 << 16, big), 20u);  // ten distinct lists, each kept once
  EXPECT_EQ(big.size(), 10u);
  run(4, small);  // four slots for ten lists: some are kept again, none mixed up
  EXPECT_GE(small.size(), 10u);
  EXPECT_LE(small.size(), 30u);
}

TEST(ArgSharer, LongListsAreLeftAlone) {
  std::vector<ArgList> store;
  ArgSharer sharer(store);
  ArgList argv;
  for (std::size_t i = 0; i <= ArgSharer::kMaxShared; ++i) argv.push_back(testing::path("a"));
  sharer.share(argv);
  EXPECT_FALSE(argv.borrowed());
  EXPECT_TRUE(store.empty());
}

}  // namespace
}  // namespace tracediff
