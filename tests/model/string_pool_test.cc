// StringPool: equal values share one block; the pool stays bounded.
#include "model/string_pool.h"

#include <gtest/gtest.h>

#include <string>

namespace tracediff {
namespace {

TEST(StringPool, EqualValuesShareOneBlock) {
  StringPool pool;
  CompactString a, b, c;
  pool.assign(a, "AT_SYMLINK_NOFOLLOW");
  pool.assign(b, std::string("AT_SYMLINK_") + "NOFOLLOW");
  pool.assign(c, "S_IFDIR|0755");
  EXPECT_EQ(a, "AT_SYMLINK_NOFOLLOW");
  EXPECT_EQ(b, "AT_SYMLINK_NOFOLLOW");
  EXPECT_EQ(c, "S_IFDIR|0755");
  EXPECT_TRUE(a.shares_with(b));
  EXPECT_FALSE(a.shares_with(c));
}

TEST(StringPool, ShortValuesAreKeptInPlace) {
  StringPool pool;
  CompactString a, b;
  pool.assign(a, "...");
  pool.assign(b, "...");
  EXPECT_EQ(a, "...");
  EXPECT_FALSE(a.shares_with(b));  // in place: no block to share
}

TEST(StringPool, ForgetsWhenFullAndValuesSurvive) {
  StringPool pool(2);
  CompactString a, b, c, d;
  pool.assign(a, "first value");
  pool.assign(b, "second value");
  pool.assign(c, "third value");  // the pool starts again here
  pool.assign(d, "first value");
  EXPECT_EQ(a, "first value");
  EXPECT_EQ(b, "second value");
  EXPECT_EQ(c, "third value");
  EXPECT_EQ(d, "first value");
  EXPECT_FALSE(a.shares_with(d));
}

TEST(StringPool, AValueOutlivesThePool) {
  CompactString a;
  {
    StringPool pool;
    pool.assign(a, "O_RDONLY|O_CLOEXEC");
  }
  EXPECT_EQ(a, "O_RDONLY|O_CLOEXEC");
}

}  // namespace
}  // namespace tracediff
