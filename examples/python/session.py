"""A small agent session recorded through telguard's C API with ctypes.

    TELGUARD_LIBRARY=/usr/local/lib/libtelguard.so TELGUARD_ENDPOINT=... python3 session.py
"""
import ctypes
import os
import sys


class Options(ctypes.Structure):
    _fields_ = [(name, ctypes.c_char_p) for name in (
        "app_name", "app_version", "endpoint", "local_file", "spool_dir", "config_dir",
        "api_key_env", "ca_file", "prices_file")] + [("debug", ctypes.c_int), ("deadline_ms", ctypes.c_int),
                                                      ("free_text", ctypes.c_char_p)]


lib = ctypes.CDLL(os.environ.get("TELGUARD_LIBRARY", "libtelguard.so"))
lib.telguard_last_error.restype = ctypes.c_char_p
client = ctypes.c_void_p()
status = lib.telguard_client_new(ctypes.byref(Options(app_name=b"example-py-agent", app_version=b"0.1.0")),
                                 ctypes.byref(client))
if status == 3:
    sys.exit("telguard: " + lib.telguard_last_error().decode())
# With telemetry off, client is NULL and every call is a no-op.
lib.telguard_session_start(client, b"py-session-1", b"root", None)
lib.telguard_tool_call(client, b"py-session-1", b"root", b"shell", ctypes.c_int64(120), None)
lib.telguard_token_usage(client, b"py-session-1", b"root", b"gpt-4o-mini", ctypes.c_int64(900),
                         ctypes.c_int64(150), ctypes.c_double(-1.0))
lib.telguard_session_end(client, b"py-session-1", None)
delivered, kept, dropped, rejected = (ctypes.c_uint64() for _ in range(4))
lib.telguard_stats(client, ctypes.byref(delivered), ctypes.byref(kept), ctypes.byref(dropped), ctypes.byref(rejected))
print(f"delivered={delivered.value} kept={kept.value} dropped={dropped.value} rejected={rejected.value}")
lib.telguard_client_free(client)
