/* telguard C API: the same client as the C++ API, for agent tools written in
 * C, Go (cgo), Python (ctypes), Rust or anything with a C FFI.
 *
 *   telguard_options o = {0};
 *   o.app_name = "agentcli"; o.app_version = "1.18.3";
 *   telguard_client* c = NULL;
 *   telguard_status s = telguard_client_new(&o, &c);   // TELGUARD_DISABLED: c == NULL
 *   telguard_session_start(c, "s-1", "root", NULL);
 *   telguard_tool_call(c, "s-1", "root", "shell", 412, NULL);
 *   telguard_token_usage(c, "s-1", "root", "gpt-4o", 5230, 812, -1.0);
 *   telguard_session_end(c, "s-1", NULL);
 *   telguard_client_free(c);
 *
 * Every function accepts a NULL client and then does nothing
 * (TELGUARD_DISABLED), so instrumented code needs no checks when telemetry
 * is off. No function throws or aborts; each returns within the sender's
 * deadline. Strings are UTF-8 and copied; NULL means "absent". A client may
 * be used from several threads.
 */
#ifndef TELGUARD_TELGUARD_H_
#define TELGUARD_TELGUARD_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct telguard_client telguard_client;

typedef enum telguard_status {
  TELGUARD_OK = 0,
  TELGUARD_DISABLED = 1,          /* telemetry is off (or the client is NULL): nothing done */
  TELGUARD_INVALID_ARGUMENT = 2,  /* a required argument is NULL or malformed */
  TELGUARD_ERROR = 3              /* the client could not be created (see telguard_last_error) */
} telguard_status;

typedef struct telguard_options {
  const char* app_name;       /* required: envelope "source", e.g. "agentcli"; also the directory of
                                 this app's consent, install id, pseudonym key and notice marker
                                 (1..64 of [A-Za-z0-9._@+-], starting with a letter or digit) */
  const char* app_version;    /* required: e.g. "1.18.3" */
  const char* endpoint;       /* NULL: $TELGUARD_ENDPOINT */
  const char* local_file;     /* local-only mode: a JSONL file instead of the network (NULL:
                                 $TELGUARD_LOCAL_FILE); wins over any endpoint */
  const char* spool_dir;      /* NULL: $TELGUARD_SPOOL or the XDG state dir */
  const char* config_dir;     /* NULL: $XDG_CONFIG_HOME/telguard or ~/.config/telguard; the app's
                                 files go in <config_dir>/<app_name>/ */
  const char* api_key_env;    /* name of the variable holding the API key */
  const char* ca_file;
  const char* prices_file;    /* per-model price list; NULL: embedded */
  int debug;                  /* nonzero (or $TELGUARD_DEBUG on): write each event, as sent, to
                                 stderr or $TELGUARD_DEBUG_LOG */
  int deadline_ms;            /* 0: 1000 */
  const char* free_text;      /* "class", "template" or "scrub"; NULL: each field's own (template) */
} telguard_options;

/* Creates a client. On TELGUARD_DISABLED *out is NULL and nothing was
 * written or sent. On TELGUARD_ERROR see telguard_last_error(). */
telguard_status telguard_client_new(const telguard_options* options, telguard_client** out);
void telguard_client_free(telguard_client* client);

/* The reason of the last TELGUARD_ERROR on this thread ("" if none). */
const char* telguard_last_error(void);
const char* telguard_status_string(telguard_status status);

/* error: NULL or "" for success. args: nargs strings (only allow-listed
 * flag names and a count of positionals ever leave). */
telguard_status telguard_track_command(telguard_client* client, const char* action, const char* const* args,
                                       size_t nargs, const char* error);
telguard_status telguard_session_start(telguard_client* client, const char* session_id, const char* agent_name,
                                       const char* parent_session_id);
telguard_status telguard_tool_call(telguard_client* client, const char* session_id, const char* agent_name,
                                   const char* tool_name, int64_t duration_ms, const char* error);
/* cost < 0: estimate it from the price table. */
telguard_status telguard_token_usage(telguard_client* client, const char* session_id, const char* agent_name,
                                     const char* model_name, int64_t input_tokens, int64_t output_tokens,
                                     double cost);
telguard_status telguard_record_error(telguard_client* client, const char* session_id, const char* error);
telguard_status telguard_session_end(telguard_client* client, const char* session_id, const char* error);

/* The library version, e.g. "0.1.0". */
const char* telguard_version(void);

/* Counts since creation. Any pointer may be NULL. */
telguard_status telguard_stats(telguard_client* client, uint64_t* delivered, uint64_t* kept, uint64_t* dropped,
                               uint64_t* rejected);

#ifdef __cplusplus
}
#endif

#endif /* TELGUARD_TELGUARD_H_ */
