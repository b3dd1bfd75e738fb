// A 512-record OTLP/JSON logs request shaped like Claude Code's events
// (api_request, tool_result with an error text and tool parameters,
// user_prompt with a prompt), shared by the gateway benchmarks.
#ifndef TELGUARD_BENCH_OTLP_BATCH_H_
#define TELGUARD_BENCH_OTLP_BATCH_H_

#include <string>

namespace telguard::bench {

inline std::string Attr(const std::string& k, const std::string& v) {
  return R"({"key":")" + k + R"(","value":{"stringValue":")" + v + R"("}})";
}
inline std::string IntAttr(const std::string& k, long v) {
  return R"({"key":")" + k + R"(","value":{"intValue":")" + std::to_string(v) + R"("}})";
}

inline std::string ClaudeLogsBatch512() {
  std::string records;
  for (int i = 0; i < 512; ++i) {
    if (!records.empty()) records += ",";
    const std::string common = Attr("session.id", "5f0c6d1e-2b7a-4c39-9d4e-" + std::to_string(100000000000 + i)) + "," +
                               Attr("app.version", "2.0.14") + "," + Attr("terminal.type", "vscode");
    switch (i % 4) {
      case 0:
      case 1:
        records += R"({"timeUnixNano":"1700000000000000000","body":{"stringValue":"claude_code.api_request"},"attributes":[)" +
                   Attr("event.name", "api_request") + "," + Attr("model", "claude-sonnet-4-5") + "," +
                   IntAttr("input_tokens", 1000 + i) + "," + IntAttr("output_tokens", 300) + "," +
                   R"({"key":"cost_usd","value":{"doubleValue":0.0123}},)" + IntAttr("duration_ms", 2100) + "," + common +
                   "]}";
        break;
      case 2:
        records += R"({"timeUnixNano":"1700000000000000000","body":{"stringValue":"claude_code.tool_result"},"attributes":[)" +
                   Attr("event.name", "tool_result") + "," + Attr("tool_name", "Bash") + "," + Attr("success", "false") +
                   "," + IntAttr("duration_ms", 41) + "," +
                   Attr("error", "Command failed with exit code 1: cannot open /home/user/project/file.txt") + "," +
                   Attr("tool_parameters", R"({\"bash_command\":\"cat /home/user/project/file.txt\"})") + "," + common + "]}";
        break;
      default:
        records += R"({"timeUnixNano":"1700000000000000000","body":{"stringValue":"claude_code.user_prompt"},"attributes":[)" +
                   Attr("event.name", "user_prompt") + "," + Attr("prompt_length", "118") + "," +
                   Attr("prompt", "please refactor the parser and keep the tests green") + "," + common + "]}";
    }
  }
  return R"({"resourceLogs":[{"resource":{"attributes":[)" + Attr("service.name", "claude-code") + "," +
         Attr("service.version", "2.0.14") + "," + Attr("os.type", "linux") + "," + Attr("host.arch", "amd64") +
         R"(]},"scopeLogs":[{"scope":{"name":"com.anthropic.claude_code.events","version":"2.0.14"},"logRecords":[)" +
         records + "]}]}]}";
}

}  // namespace telguard::bench

#endif  // TELGUARD_BENCH_OTLP_BATCH_H_
