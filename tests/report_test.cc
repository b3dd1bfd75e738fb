// The audit report (report/audit_report.h) on its own and through
// `telguard report`: escaping, the value-free default, bounds, audit files.
// Rendering in a browser: tests/report_browser_test.py.
#include "report/audit_report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "tests/test_util.h"

namespace telguard {
namespace {

using report::AuditReport;
using testing::RunProcess;

const std::string kBin = TELGUARD_BIN;
const std::string kSrc = TELGUARD_SOURCE_DIR;

AuditRecord Rejected(std::uint64_t line, const std::string& pointer, const std::string& keyword) {
  AuditRecord r;
  r.line = line;
  r.event = "tool";
  r.verdict = Verdict::kRejected;
  r.reasons.push_back({pointer, keyword});
  return r;
}

// data-value of the summary card `id` (e.g. "card-events").
long Card(const std::string& html, const std::string& id) {
  std::smatch m;
  if (!std::regex_search(html, m, std::regex("id=\"" + id + "\" data-value=\"([0-9]+)\""))) return -1;
  return std::stol(m[1]);
}

TEST(AuditReport, EveryStringIsEscapedAndThePageFetchesNothing) {
  AuditReport rep;
  AuditRecord r = Rejected(3, "/properties/<img src=x onerror=alert(1)>", "<script>alert(2)</script>");
  r.event = "\"><script>alert(3)</script>";
  r.stripped.push_back("/a/<b>");
  r.redactions.push_back({"<rule>", "/properties/error\"'", 1});
  rep.Add(r);
  const std::string html = rep.Html({});
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("/a/<b>"), std::string::npos);
  EXPECT_NE(html.find("/a/&lt;b&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(2)"), std::string::npos);
  EXPECT_NE(html.find("(unknown rule)"), std::string::npos) << "a rule id outside the catalogue is not shown";
  EXPECT_EQ(html.find("&lt;rule&gt;"), std::string::npos);
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
  // Escaped text turns every quote into &quot;, so a real attribute is the
  // only way to get ' src="' into the page.
  for (const std::string attr : {" src=\"", " href=\"", "url(", "@import"}) {
    EXPECT_EQ(html.find(attr), std::string::npos) << attr;
  }
}

TEST(AuditReport, ListsAreBoundedButCountsStayExact) {
  AuditReport rep;
  const std::size_t n = report::kMaxListed + 250;
  for (std::size_t i = 1; i <= n; ++i) rep.Add(Rejected(i, "/properties/duration_ms", "type"));
  const std::string html = rep.Html({});
  EXPECT_EQ(Card(html, "card-rejected"), static_cast<long>(n));
  EXPECT_NE(html.find("250 more not listed"), std::string::npos);
  const std::string table = html.substr(html.find("id=\"t-rejected\""));
  std::size_t rows = 0;
  for (std::size_t p = table.find("<tr><td"); p != std::string::npos && p < table.find("</table>");
       p = table.find("<tr><td", p + 1)) {
    ++rows;
  }
  EXPECT_EQ(rows, report::kMaxListed);
}

TEST(AuditReport, RawValuesOnlyWithLocalDiffAndThenUnderTheBanner) {
  AuditReport rep;
  AuditRecord r;
  r.line = 1;
  r.event = "tool";
  r.verdict = Verdict::kSent;
  rep.Add(r);
  const std::string raw = "raw-canary-" + std::to_string(::getpid());
  rep.AddDiff(1, -1, "{\"error\":\"" + raw + "\"}", "{\"records\":[]}");
  const std::string plain = rep.Html({});
  EXPECT_EQ(plain.find(raw), std::string::npos);
  EXPECT_NE(plain.find("id=\"value-free\""), std::string::npos);
  report::HtmlOptions o;
  o.local_diff = true;
  const std::string diff = rep.Html(o);
  EXPECT_NE(diff.find(raw), std::string::npos);
  EXPECT_NE(diff.find("id=\"raw-values-banner\""), std::string::npos);
  EXPECT_LT(diff.find("raw-values-banner"), diff.find(raw)) << "the banner comes first";
  EXPECT_EQ(diff.find("id=\"value-free\""), std::string::npos);
}

TEST(AuditReport, AuditLinesThatAreNotRecordsAreRefusedWithoutCounting) {
  AuditReport rep;
  std::string err;
  for (const std::string bad : {"", "not json", "[1,2]", "{\"line\":1}", "{\"verdict\":\"maybe\"}",
                                "{\"verdict\":\"sent\",\"stripped\":[1,2]}",
                                "{\"verdict\":\"sent\",\"redactions\":[{\"count\":\"x\"}]}"}) {
    err.clear();
    EXPECT_FALSE(rep.AddJsonLine(bad, &err)) << bad;
    EXPECT_FALSE(err.empty());
    EXPECT_EQ(err.find("maybe"), std::string::npos) << "errors never quote the line";
  }
  EXPECT_EQ(rep.events(), 0u);
  EXPECT_TRUE(rep.AddJsonLine(R"({"line":2,"event":"tool","verdict":"sent","reasons":[],"stripped":["/properties/args"],"redactions":[{"rule":"email","pointer":"/properties/error","count":2}],"delivery":"kept"})", &err)) << err;
  EXPECT_EQ(rep.events(), 1u);
  const std::string html = rep.Html({});
  EXPECT_NE(html.find("data-label=\"email\" data-value=\"2\""), std::string::npos);
  EXPECT_NE(html.find("t-delivery"), std::string::npos);
}

// The page from events and the page from the audit records of the same run
// count the same.
TEST(ReportCommand, FromEventsAndFromTheirAuditRecordsAgree) {
  char t[] = "/tmp/telguard-report-XXXXXX";
  const std::string dir = mkdtemp(t);
  auto a = RunProcess({kBin, "report", "--input", kSrc + "/examples/session.jsonl", "--audit", dir + "/audit.jsonl",
                       "--output", dir + "/a.html"}, "");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_NE(a.err.find("8 events; page written to " + dir + "/a.html (value-free)"), std::string::npos) << a.err;
  auto b = RunProcess({kBin, "report", "--from-audit", "-", "--output", "-"}, testing::ReadFile(dir + "/audit.jsonl"));
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const std::string html_a = testing::ReadFile(dir + "/a.html");
  for (const std::string card : {"card-events", "card-sent", "card-rejected", "card-dropped", "card-removed",
                                 "card-redactions"}) {
    EXPECT_EQ(Card(html_a, card), Card(b.out, card)) << card;
    EXPECT_GE(Card(html_a, card), 0) << card;
  }
  EXPECT_EQ(Card(html_a, "card-events"), 8);
  EXPECT_EQ(std::filesystem::status(dir + "/a.html").permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  // Usage: --output is required; --local-diff needs events.
  EXPECT_EQ(RunProcess({kBin, "report", "--input", "-"}, "").exit_code, 2);
  EXPECT_EQ(RunProcess({kBin, "report", "--from-audit", "x", "--local-diff", "--output", "-"}, "").exit_code, 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace telguard
