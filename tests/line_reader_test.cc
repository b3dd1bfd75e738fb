#include "pipeline/line_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace telguard {
namespace {

std::vector<std::pair<LineReader::Status, std::string>> ReadAll(const std::string& content, std::size_t cap) {
  char path[] = "/tmp/telguard-lr-XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  lseek(fd, 0, SEEK_SET);
  LineReader r(fd, cap);
  std::vector<std::pair<LineReader::Status, std::string>> out;
  std::string line;
  std::uint64_t no = 0;
  for (;;) {
    auto st = r.Next(&line, &no);
    if (st == LineReader::Status::kEnd) break;
    EXPECT_EQ(no, out.size() + 1);
    out.emplace_back(st, line);
  }
  close(fd);
  unlink(path);
  return out;
}

TEST(LineReader, SplitsLinesAndKeepsTheLastWithoutNewline) {
  auto v = ReadAll("a\nbb\n\nccc", 10);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].second, "a");
  EXPECT_EQ(v[2].second, "");
  EXPECT_EQ(v[3].second, "ccc");
}

TEST(LineReader, OversizedLineIsSkippedAndNeighboursSurvive) {
  const std::string big(8u << 20, 'x');  // 8 MiB, more than a read chunk
  auto v = ReadAll("first\n" + big + "\nlast\n", 1u << 20);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].second, "first");
  EXPECT_EQ(v[1].first, LineReader::Status::kTooLong);
  EXPECT_EQ(v[2].second, "last");
}

TEST(LineReader, OversizedLastLineWithoutNewline) {
  auto v = ReadAll("ok\n" + std::string(200, 'y'), 100);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].first, LineReader::Status::kTooLong);
}

TEST(LineReader, ExactlyAtTheCapIsAccepted) {
  auto v = ReadAll(std::string(100, 'z') + "\n", 100);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].first, LineReader::Status::kLine);
}

}  // namespace
}  // namespace telguard
