// Reads newline-delimited input with a hard cap on line length: a line longer
// than the cap is skipped (read and discarded, never held in memory whole)
// and reported, so one oversized line cannot cost its neighbours or memory.
//
// Not thread-safe; one reader per input. Cost: one read(2) per 64 KiB.
#ifndef TELGUARD_PIPELINE_LINE_READER_H_
#define TELGUARD_PIPELINE_LINE_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace telguard {

class LineReader {
 public:
  enum class Status { kLine, kTooLong, kEnd, kError };

  // Reads from `fd` (not owned). Lines longer than `max_line_bytes` (without
  // the newline) come back as kTooLong.
  LineReader(int fd, std::size_t max_line_bytes);

  // Next line, without its '\n'. *line_no is the 1-based line number. kError
  // sets errno-based text in error().
  Status Next(std::string* line, std::uint64_t* line_no);
  const std::string& error() const { return error_; }

 private:
  bool Fill();

  int fd_;
  std::size_t max_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  std::uint64_t line_no_ = 0;
  std::string error_;
};

}  // namespace telguard

#endif  // TELGUARD_PIPELINE_LINE_READER_H_
