// The allow-list filter and the output gate.
#include "pipeline/allowlist.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/pipeline_fixture.h"
#include "redaction/pseudonym.h"
#include "pipeline/pipeline.h"
#include "pipeline/schema_set.h"
#include "schemas/embedded.h"
#include "tests/test_util.h"

namespace telguard {
namespace {

using json = nlohmann::json;

const Pipeline& P() { return testing::SharedPipeline(); }

json Props(const std::string& body) { return json::parse(body)["records"][0]["properties"]; }

EventOutcome One(const json& record, const Pipeline& p = P()) {
  auto out = p.ProcessLine(record.dump(), 7);
  EXPECT_EQ(out.events.size(), 1u);
  return out.events[0];
}

json Command(json args) {
  return {{"event", "command"}, {"event_timestamp", 1}, {"source", "agentcli"},
          {"properties", {{"action", "run"}, {"args", args}, {"is_success", true}}}};
}

TEST(AllowList, NoPositionalArgumentEverLeaves) {
  const std::string prompt = "please refactor the billing module of project kestrel";
  auto e = One(Command({"./agent.yaml", prompt, "--model=gpt-4o", "--working-dir", "/home/alice/secret-project",
                        "--unknown-flag=topsecretvalue", "--yolo", "--", "--debug"}));
  ASSERT_EQ(e.audit.verdict, Verdict::kSent) << e.error;
  const json p = Props(e.body);
  EXPECT_FALSE(p.contains("args"));
  EXPECT_EQ(p["flags"], json({"--model", "--working-dir", "--yolo"}));
  // ./agent.yaml, the prompt, the working dir value, and --debug after "--".
  EXPECT_EQ(p["positional_count"], 4);
  for (const std::string needle : {"kestrel", "agent.yaml", "gpt-4o", "alice", "secret-project", "topsecretvalue",
                                   "unknown-flag"}) {
    EXPECT_EQ(e.body.find(needle), std::string::npos) << needle;
  }
  EXPECT_NE(std::find(e.audit.stripped.begin(), e.audit.stripped.end(), "/properties/args"),
            e.audit.stripped.end());
}

TEST(AllowList, StripsUnknownNestedTagAndLanguageFieldsAndRecordsPaths) {
  json r = {{"event", "tool"}, {"event_timestamp", 1}, {"source", "agentcli"}, {"trace", {{"id", 1}}},
            {"properties",
             {{"action", "call"}, {"session_id", "s1"}, {"agent_name", "root"}, {"tool_name", "shell"},
              {"duration_ms", 5}, {"is_success", true}, {"os_language", "de_DE.UTF-8"},
              {"team", "payments"}, {"extra", {{"prompt", "hello there"}}}}}};
  auto e = One(r);
  ASSERT_EQ(e.audit.verdict, Verdict::kSent);
  const json p = Props(e.body);
  EXPECT_FALSE(p.contains("os_language"));
  EXPECT_FALSE(p.contains("team"));
  EXPECT_FALSE(p.contains("extra"));
  EXPECT_FALSE(json::parse(e.body)["records"][0].contains("trace"));
  auto has = [&](const std::string& s) {
    return std::find(e.audit.stripped.begin(), e.audit.stripped.end(), s) != e.audit.stripped.end();
  };
  EXPECT_TRUE(has("/properties/os_language"));
  EXPECT_TRUE(has("/properties/*"));  // unknown names are not echoed
  EXPECT_TRUE(has("/*"));
  EXPECT_EQ(e.audit.ToJsonLine().find("team"), std::string::npos);
  EXPECT_EQ(e.audit.ToJsonLine().find("payments"), std::string::npos);
}

// A name that fits neither its vocabulary nor its shape, and any id, leaves
// as a keyed pseudonym (the event still goes); a field failing any other
// class is stripped. Both are audited.
TEST(AllowList, FieldFailingItsClassIsStrippedOrPseudonymisedAndAudited) {
  json r = {{"event", "tool"}, {"event_timestamp", 1}, {"source", "agentcli"},
            {"properties",
             {{"action", "call"}, {"session_id", "s1"}, {"agent_name", "fix the bug in my code please"},
              {"tool_name", "shell"}, {"duration_ms", 5}, {"is_success", true}, {"user_uuid", "not-a-uuid"},
              {"os", "plan9"}}}};
  auto e = One(r);
  ASSERT_EQ(e.audit.verdict, Verdict::kSent) << e.error;
  const json p = Props(e.body);
  EXPECT_TRUE(redaction::Pseudonymizer::IsName("agent", p["agent_name"].get<std::string>())) << p;
  EXPECT_TRUE(redaction::Pseudonymizer::IsUuid(p["user_uuid"].get<std::string>())) << p;
  EXPECT_TRUE(redaction::Pseudonymizer::IsId("session", p["session_id"].get<std::string>())) << p;
  EXPECT_EQ(p["tool_name"], "shell");
  EXPECT_FALSE(p.contains("os"));
  EXPECT_EQ(e.body.find("fix the bug"), std::string::npos);
  EXPECT_EQ(e.body.find("not-a-uuid"), std::string::npos);
  const std::string audit = e.audit.ToJsonLine();
  EXPECT_NE(audit.find(R"({"pointer":"/properties/os","keyword":"class:enum"})"), std::string::npos) << audit;
  for (const char* f : {"agent_name", "user_uuid", "session_id"}) {
    EXPECT_NE(audit.find(std::string(R"({"rule":"pseudonym","pointer":"/properties/)") + f + "\""),
              std::string::npos)
        << f << ": " << audit;
  }
}

json ToolWithError(const std::string& err) {
  return {{"event", "tool"}, {"event_timestamp", 1}, {"source", "agentcli"},
          {"properties",
           {{"action", "call"}, {"session_id", "s1"}, {"agent_name", "root"}, {"tool_name", "shell"},
            {"duration_ms", 5}, {"is_success", false}, {"error", err}}}};
}

// Scrub mode (--free-text scrub): the deny-list alone, as before templates.
TEST(AllowList, ErrorTextIsScrubbedQuotesRemovedAndBounded) {
  const std::string key = telguard::testing::Token(std::string("AK") + "IA", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 5);
  std::string err = "upload failed for key " + key + ": open 'my diary.txt' in /home/alice/x " + std::string(600, 'z');
  json r = ToolWithError(err);
  auto e = One(r, testing::PipelineInMode(redaction::FreeTextMode::kScrub));
  ASSERT_EQ(e.audit.verdict, Verdict::kSent) << e.error;
  const std::string out = Props(e.body)["error"];
  EXPECT_EQ(out.find(key), std::string::npos);
  EXPECT_EQ(out.find("diary"), std::string::npos);
  EXPECT_EQ(out.find("alice"), std::string::npos);
  EXPECT_NE(out.find("[REDACTED:aws-access-key-id]"), std::string::npos) << out;
  EXPECT_LE(out.size(), 256 + AllowList::kTruncationMark.size());
  EXPECT_TRUE(out.ends_with(AllowList::kTruncationMark));
}

// The default, template mode: the same text keeps its structure; the key
// becomes <secret> (the audit names its rule), the rest is vocabulary or
// placeholders, cut at a word boundary.
TEST(AllowList, ErrorTextIsTemplatedByDefaultAndBounded) {
  const std::string key = telguard::testing::Token(std::string("AK") + "IA", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 5);
  std::string err = "upload failed for key " + key + ": open 'my diary.txt' in /home/alice/x";
  for (int i = 0; i < 60; ++i) err += " zzzz" + std::to_string(i);
  auto e = One(ToolWithError(err));
  ASSERT_EQ(e.audit.verdict, Verdict::kSent) << e.error;
  const std::string out = Props(e.body)["error"];
  EXPECT_TRUE(out.starts_with("upload failed for key [REDACTED:aws-access-key-id]: open <quoted> in <path> <word> <word>")) << out;
  EXPECT_TRUE(out.ends_with(" [truncated]")) << out;
  EXPECT_LE(out.size(), 256 + AllowList::kTruncationMark.size());
  EXPECT_TRUE(redaction::FreeTextPolicy::Default().ConformsToTemplate(out)) << out;
  std::set<std::string> rules;
  for (const auto& x : e.audit.redactions) {
    if (x.pointer == "/properties/error") rules.insert(x.rule);
  }
  EXPECT_EQ(rules, (std::set<std::string>{"aws-access-key-id", "home-directory-user", "free-text-template", "truncated"}));
}

TEST(AllowList, ErrorTextBecomesAClassInClassMode) {
  auto e = One(ToolWithError("open /home/alice/diary.txt: permission denied"),
               testing::PipelineInMode(redaction::FreeTextMode::kClass));
  ASSERT_EQ(e.audit.verdict, Verdict::kSent) << e.error;
  EXPECT_EQ(Props(e.body)["error"], "permission_denied");
}

TEST(AllowList, SessionErrorListIsBoundedInCount) {
  json errors = json::array();
  for (int i = 0; i < 50; ++i) errors.push_back("error " + std::to_string(i));
  json r = {{"event", "session"}, {"event_timestamp", 1}, {"source", "agentcli"},
            {"properties", {{"action", "end"}, {"session_id", "s1"}, {"agent_name", "root"}, {"duration_ms", 5},
                            {"is_success", false}, {"error", errors}}}};
  auto e = One(r);
  ASSERT_EQ(e.audit.verdict, Verdict::kSent) << e.error;
  EXPECT_EQ(Props(e.body)["error"].size(), 10u);
}

class OutputGate : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string err;
    list_ = AllowList::Parse(FindEmbedded("schemas/allowlist.json"), &err);
    ASSERT_TRUE(list_) << err;
    std::vector<json> outs;
    for (EventKind k : kAllEventKinds) outs.push_back(list_->OutputSchema(k));
    schemas_ = SchemaSet::Create(outs, &list_->names(), &err);
    ASSERT_TRUE(schemas_) << err;
  }
  json Good() {
    return {{"records",
             {{{"event", "tool"}, {"event_timestamp", 1}, {"source", "agentcli"},
               {"properties", {{"action", "call"}, {"session_id", "s1"}, {"tool_name", "shell"}}}}}}};
  }
  std::unique_ptr<AllowList> list_;
  std::unique_ptr<SchemaSet> schemas_;
};

TEST_F(OutputGate, AcceptsTheAllowListedShape) {
  EXPECT_TRUE(schemas_->ValidateOutput(EventKind::kTool, Good()).empty());
}

TEST_F(OutputGate, RejectsWhatSlippedThrough) {
  json extra = Good();
  extra["records"][0]["properties"]["prompt"] = "x";
  auto r = schemas_->ValidateOutput(EventKind::kTool, extra);
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].keyword, "additionalProperties");
  EXPECT_EQ(r[0].pointer, "/records/0/properties/*");

  json longer = Good();
  longer["records"][0]["properties"]["error"] = std::string(5000, 'e');
  EXPECT_EQ(schemas_->ValidateOutput(EventKind::kTool, longer).at(0).keyword, "maxLength");

  json envelope_extra = Good();
  envelope_extra["records"][0]["os_language"] = "en";
  EXPECT_FALSE(schemas_->ValidateOutput(EventKind::kTool, envelope_extra).empty());

  json two = Good();
  two["records"].push_back(two["records"][0]);
  EXPECT_EQ(schemas_->ValidateOutput(EventKind::kTool, two).at(0).keyword, "maxItems");

  json wrong_kind = Good();
  EXPECT_FALSE(schemas_->ValidateOutput(EventKind::kToken, wrong_kind).empty());
}

TEST(AllowListParse, MalformedDataIsAnErrorNotACrash) {
  std::string err;
  EXPECT_EQ(AllowList::Parse("{", &err), nullptr);
  EXPECT_FALSE(err.empty());
  EXPECT_EQ(AllowList::Parse(R"({"classes":{}})", &err), nullptr);
}

}  // namespace
}  // namespace telguard
