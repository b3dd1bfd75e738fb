// HTML and inline-SVG building blocks for the audit report: escaping, tables
// and bar charts. No script, no external resource; every text is escaped.
//
// The charts carry their numbers as data attributes (data-label, data-value,
// data-sent, ...) next to the drawn bars and printed numbers, so a test can
// read what a browser rendered.
#ifndef TELGUARD_REPORT_HTML_H_
#define TELGUARD_REPORT_HTML_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace telguard::report {

// &, <, >, " and ' escaped; control characters other than tab and newline
// become U+FFFD; the text is cut at `max_bytes` (on a UTF-8 boundary) with
// "..." appended.
std::string Escape(std::string_view text, std::size_t max_bytes = 200);

struct Bar {
  std::string label;
  std::size_t value = 0;
};

// A horizontal bar chart of the largest `max_bars` values (a note says how
// many more there are). Empty `bars`: a "none" paragraph.
std::string BarChart(std::string_view id, std::string_view title, std::vector<Bar> bars, std::size_t max_bars = 25);

struct Stack {
  std::string label;
  std::size_t sent = 0, rejected = 0, dropped = 0;
};

// Horizontal stacked bars (sent, rejected, dropped) per label.
std::string StackedBarChart(std::string_view id, std::string_view title, const std::vector<Stack>& rows);

// Vertical stacked bars over time (or input order), one per bucket.
std::string TimelineChart(std::string_view id, std::string_view title, const std::vector<Stack>& buckets);

// A table; cells are escaped here. Columns named in `numeric` are right-aligned.
std::string Table(std::string_view id, const std::vector<std::string>& headers,
                  const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& numeric = {});

}  // namespace telguard::report

#endif  // TELGUARD_REPORT_HTML_H_
