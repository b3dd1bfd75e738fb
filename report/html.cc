#include "report/html.h"

#include <algorithm>
#include <utility>

namespace telguard::report {
namespace {

constexpr int kWidth = 760;      // chart width in px
constexpr int kLabelW = 260;     // room for the label left of a bar
constexpr int kRowH = 22;        // one horizontal bar
constexpr int kBarArea = kWidth - kLabelW - 70;
constexpr const char* kSent = "#2e7d32";
constexpr const char* kRejected = "#c62828";
constexpr const char* kDropped = "#ef6c00";
constexpr const char* kBarColour = "#1565c0";

std::string N(std::size_t n) { return std::to_string(n); }

// Length of a bar for `value` when `max` fills the bar area (at least 1 px
// for a non-zero value, so a count of one is still visible).
int Scale(std::size_t value, std::size_t max, int area) {
  if (value == 0 || max == 0) return 0;
  const double w = static_cast<double>(value) * area / static_cast<double>(max);
  return std::max(1, static_cast<int>(w));
}

std::string SvgOpen(std::string_view id, int height, std::string_view title) {
  return "<svg id=\"" + Escape(id) + "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(kWidth) +
         "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
         std::to_string(height) + "\" role=\"img\" aria-label=\"" + Escape(title) + "\">";
}

std::string Legend() {
  return std::string("<p class=\"legend\"><span style=\"color:") + kSent + "\">&#9632; sent</span> <span style=\"color:" +
         kRejected + "\">&#9632; rejected</span> <span style=\"color:" + kDropped + "\">&#9632; dropped</span></p>";
}

}  // namespace

std::string Escape(std::string_view text, std::size_t max_bytes) {
  bool cut = false;
  if (text.size() > max_bytes) {
    std::size_t n = max_bytes;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // not inside a UTF-8 sequence
    text = text.substr(0, n);
    cut = true;
  }
  std::string out;
  out.reserve(text.size() + 16);
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t') {
          out += "&#xFFFD;";
        } else {
          out += ch;
        }
    }
  }
  if (cut) out += "...";
  return out;
}

std::string BarChart(std::string_view id, std::string_view title, std::vector<Bar> bars, std::size_t max_bars) {
  std::string out = "<figure class=\"chart\"><figcaption>" + Escape(title) + "</figcaption>";
  if (bars.empty()) return out + "<p class=\"none\">none</p></figure>";
  std::stable_sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) { return a.value > b.value; });
  const std::size_t more = bars.size() > max_bars ? bars.size() - max_bars : 0;
  bars.resize(std::min(bars.size(), max_bars));
  const std::size_t max = bars.front().value;
  out += SvgOpen(id, static_cast<int>(bars.size()) * kRowH + 4, title);
  int y = 0;
  for (const Bar& b : bars) {
    const int w = Scale(b.value, max, kBarArea);
    out += "<g class=\"bar\" data-label=\"" + Escape(b.label) + "\" data-value=\"" + N(b.value) +
           "\" transform=\"translate(0," + std::to_string(y) + ")\"><text x=\"0\" y=\"15\">" + Escape(b.label, 40) +
           "</text><rect x=\"" + std::to_string(kLabelW) + "\" y=\"3\" width=\"" + std::to_string(w) +
           "\" height=\"16\" fill=\"" + kBarColour + "\"/><text class=\"value\" x=\"" +
           std::to_string(kLabelW + w + 6) + "\" y=\"15\">" + N(b.value) + "</text></g>";
    y += kRowH;
  }
  out += "</svg>";
  if (more > 0) out += "<p class=\"note\">" + N(more) + " more in the table below</p>";
  return out + "</figure>";
}

std::string StackedBarChart(std::string_view id, std::string_view title, const std::vector<Stack>& rows) {
  std::string out = "<figure class=\"chart\"><figcaption>" + Escape(title) + "</figcaption>";
  if (rows.empty()) return out + "<p class=\"none\">none</p></figure>";
  std::size_t max = 0;
  for (const Stack& s : rows) max = std::max(max, s.sent + s.rejected + s.dropped);
  out += SvgOpen(id, static_cast<int>(rows.size()) * kRowH + 4, title);
  int y = 0;
  for (const Stack& s : rows) {
    const std::size_t total = s.sent + s.rejected + s.dropped;
    out += "<g class=\"bar\" data-label=\"" + Escape(s.label) + "\" data-value=\"" + N(total) + "\" data-sent=\"" +
           N(s.sent) + "\" data-rejected=\"" + N(s.rejected) + "\" data-dropped=\"" + N(s.dropped) +
           "\" transform=\"translate(0," + std::to_string(y) + ")\"><text x=\"0\" y=\"15\">" + Escape(s.label, 40) +
           "</text>";
    int x = kLabelW;
    struct Segment {
      std::size_t n;
      const char* colour;
      const char* cls;
    };
    for (const auto& [n, colour, cls] : {Segment{s.sent, kSent, "sent"}, Segment{s.rejected, kRejected, "rejected"},
                                         Segment{s.dropped, kDropped, "dropped"}}) {
      const int w = Scale(n, max, kBarArea);
      if (w == 0) continue;
      out += "<rect class=\"" + std::string(cls) + "\" x=\"" + std::to_string(x) + "\" y=\"3\" width=\"" +
             std::to_string(w) + "\" height=\"16\" fill=\"" + colour + "\"/>";
      x += w;
    }
    out += "<text class=\"value\" x=\"" + std::to_string(x + 6) + "\" y=\"15\">" + N(total) + "</text></g>";
    y += kRowH;
  }
  return out + "</svg>" + Legend() + "</figure>";
}

std::string TimelineChart(std::string_view id, std::string_view title, const std::vector<Stack>& buckets) {
  std::string out = "<figure class=\"chart\"><figcaption>" + Escape(title) + "</figcaption>";
  if (buckets.empty()) return out + "<p class=\"none\">none</p></figure>";
  constexpr int kHeight = 200, kAxis = 40, kPlotH = kHeight - kAxis;
  std::size_t max = 0;
  for (const Stack& s : buckets) max = std::max(max, s.sent + s.rejected + s.dropped);
  const int slot = std::max(4, (kWidth - 10) / static_cast<int>(buckets.size()));
  out += SvgOpen(id, kHeight, title);
  int x = 5;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const Stack& s = buckets[i];
    out += "<g class=\"bucket\" data-label=\"" + Escape(s.label) + "\" data-sent=\"" + N(s.sent) +
           "\" data-rejected=\"" + N(s.rejected) + "\" data-dropped=\"" + N(s.dropped) + "\"><title>" +
           Escape(s.label) + ": " + N(s.sent) + " sent, " + N(s.rejected) + " rejected, " + N(s.dropped) +
           " dropped</title>";
    int top = kPlotH;
    for (const auto& [n, colour] : {std::pair{s.sent, kSent}, std::pair{s.rejected, kRejected},
                                    std::pair{s.dropped, kDropped}}) {
      const int h = Scale(n, max, kPlotH - 10);
      if (h == 0) continue;
      top -= h;
      out += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(top) + "\" width=\"" +
             std::to_string(std::max(2, slot - 2)) + "\" height=\"" + std::to_string(h) + "\" fill=\"" + colour +
             "\"/>";
    }
    out += "</g>";
    x += slot;
  }
  // First and last labels under the axis.
  out += "<line x1=\"0\" y1=\"" + std::to_string(kPlotH) + "\" x2=\"" + std::to_string(kWidth) + "\" y2=\"" +
         std::to_string(kPlotH) + "\" stroke=\"#555\"/>";
  out += "<text x=\"5\" y=\"" + std::to_string(kPlotH + 16) + "\">" + Escape(buckets.front().label, 40) + "</text>";
  out += "<text x=\"" + std::to_string(kWidth - 5) + "\" y=\"" + std::to_string(kPlotH + 32) +
         "\" text-anchor=\"end\">" + Escape(buckets.back().label, 40) + "</text>";
  return out + "</svg>" + Legend() + "</figure>";
}

std::string Table(std::string_view id, const std::vector<std::string>& headers,
                  const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& numeric) {
  if (rows.empty()) return "<p class=\"none\">none</p>";
  auto is_num = [&](std::size_t i) { return i < numeric.size() && numeric[i]; };
  std::string out = "<table id=\"" + Escape(id) + "\"><thead><tr>";
  for (std::size_t i = 0; i < headers.size(); ++i) {
    out += std::string(is_num(i) ? "<th class=\"n\">" : "<th>") + Escape(headers[i]) + "</th>";
  }
  out += "</tr></thead><tbody>";
  for (const auto& row : rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      out += std::string(is_num(i) ? "<td class=\"n\">" : "<td>") + Escape(row[i]) + "</td>";
    }
    out += "</tr>";
  }
  return out + "</tbody></table>";
}

}  // namespace telguard::report
