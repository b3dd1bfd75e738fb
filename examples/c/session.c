/* A small agent session recorded through telguard's C API and sent to
 * $TELGUARD_ENDPOINT. Build against the installed package:
 *   cc session.c $(pkg-config --cflags --libs telguard) -o session
 */
#include <stdio.h>
#include <telguard/telguard.h>

int main(void) {
  telguard_options o = {0};
  o.app_name = "example-c-agent";
  o.app_version = "0.1.0";
  telguard_client* c = NULL;
  telguard_status s = telguard_client_new(&o, &c);
  if (s == TELGUARD_ERROR) {
    fprintf(stderr, "telguard: %s\n", telguard_last_error());
    return 1;
  }
  /* With telemetry off, c is NULL and every call below does nothing. */
  const char* args[] = {"--model=gpt-4o", "summarise the open issues in my repository"};
  telguard_track_command(c, "run", args, 2, NULL);
  telguard_session_start(c, "c-session-1", "root", NULL);
  telguard_tool_call(c, "c-session-1", "root", "shell", 412, NULL);
  telguard_tool_call(c, "c-session-1", "root", "read_file", 3, "open /home/alice/notes.txt: permission denied");
  telguard_token_usage(c, "c-session-1", "root", "gpt-4o", 5230, 812, -1.0);
  telguard_session_end(c, "c-session-1", NULL);
  uint64_t delivered = 0, kept = 0, dropped = 0, rejected = 0;
  telguard_stats(c, &delivered, &kept, &dropped, &rejected);
  printf("%s: delivered=%llu kept=%llu dropped=%llu rejected=%llu\n", telguard_status_string(s),
         (unsigned long long)delivered, (unsigned long long)kept, (unsigned long long)dropped,
         (unsigned long long)rejected);
  telguard_client_free(c);
  return 0;
}
